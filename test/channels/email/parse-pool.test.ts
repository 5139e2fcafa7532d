/**
 * The parse pool: a big mail is parsed on the thread to the same result as in place, keeps the
 * event loop free meanwhile, keeps error codes, and a thread that dies fails only its pending
 * parses (ERR_EMAIL_PARSE) and is replaced at the next big mail.
 */
import { expect } from 'chai';
import { isKefuError } from '../../../app/errors';
import { parseEmail } from '../../../channels/email/parse';
import { ParsePool } from '../../../channels/email/parse-pool';

/** A mail with a Chinese text part and an attachment of `attachmentBytes`. */
function bigMail(attachmentBytes: number): Buffer {
  const text = Buffer.from('您好，附件是理賠申請書的掃描檔，請協助處理。').toString('base64');
  const attachment = Buffer.alloc(attachmentBytes, 7).toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    [
      'From: =?UTF-8?B?546L5bCP5piO?= <xiaoming.wang@mail.example.tw>',
      'To: service@kangfu-life.example',
      `Subject: =?UTF-8?B?${Buffer.from('理賠申請').toString('base64')}?=`,
      'Message-ID: <parse-pool-1@mail.example.tw>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain; charset=UTF-8',
      'Content-Transfer-Encoding: base64',
      '',
      text,
      '--b',
      'Content-Type: application/pdf',
      'Content-Transfer-Encoding: base64',
      `Content-Disposition: attachment; filename*=UTF-8''${encodeURIComponent('理賠申請書.pdf')}`,
      '',
      attachment,
      '--b--',
      '',
    ].join('\r\n'),
  );
}

describe('channels/email parse pool', () => {
  let pool: ParsePool;
  beforeEach(() => {
    pool = new ParsePool({ inlineBelowBytes: 64 * 1024 });
  });
  afterEach(() => pool.close());

  it('parses a big mail on its thread, to what parseEmail gives in place', async () => {
    const raw = bigMail(6 * 1024 * 1024);
    const onThread = await pool.parse(raw, { maxParts: 200 });
    expect((pool as unknown as { worker?: unknown }).worker, 'the parse thread').to.not.equal(undefined);
    const inPlace = await parseEmail(raw, { maxParts: 200 });
    expect(onThread.subject).to.equal('理賠申請');
    expect(onThread.from?.address).to.equal('xiaoming.wang@mail.example.tw');
    expect(onThread.headers).to.be.instanceOf(Map);
    expect(Buffer.isBuffer(onThread.attachments[0]?.content)).to.equal(true);
    expect(onThread.attachments[0]?.content.equals(inPlace.attachments[0]?.content ?? Buffer.alloc(0))).to.equal(true);
    expect({ ...onThread, attachments: [] }).to.deep.equal({ ...inPlace, attachments: [] });
    expect(onThread.attachments.map((a) => ({ ...a, content: a.content.length }))).to.deep.equal(
      inPlace.attachments.map((a) => ({ ...a, content: a.content.length })),
    );
  });

  it('keeps the error code of a mail that fails to parse, and parses the next one', async () => {
    const bomb = Buffer.concat([
      Buffer.from('From: a@b.tw\r\nSubject: bomb\r\nContent-Type: multipart/mixed; boundary="x"\r\n\r\n'),
      Buffer.from('--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n'.repeat(300)),
      Buffer.from(`${'y'.repeat(70_000)}\r\n--x--\r\n`),
    ]);
    const err = await pool.parse(bomb, { maxParts: 100 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isKefuError(err, 'ERR_EMAIL_PARSE'), String(err)).to.equal(true);
    expect((await pool.parse(bigMail(100 * 1024), { maxParts: 200 })).attachments).to.have.length(1);
  });

  it('fails the pending parse of a thread that dies with ERR_EMAIL_PARSE, and starts a new thread for the next', async () => {
    const raw = bigMail(4 * 1024 * 1024);
    const pending = pool.parse(raw, { maxParts: 200 });
    // The thread dies under the parse (as an out-of-memory would kill it).
    await (pool as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    const err = await pending.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isKefuError(err, 'ERR_EMAIL_PARSE'), String(err)).to.equal(true);
    expect((await pool.parse(raw, { maxParts: 200 })).attachments[0]?.size).to.equal(4 * 1024 * 1024);
  });

  it('parses small mail in place and, once closed, everything in place', async () => {
    const small = bigMail(1000);
    expect((await pool.parse(small, { maxParts: 200 })).attachments[0]?.size).to.equal(1000);
    expect((pool as unknown as { worker?: unknown }).worker).to.equal(undefined);
    await pool.close();
    expect((await pool.parse(bigMail(200 * 1024), { maxParts: 200 })).attachments).to.have.length(1);
  });
});
