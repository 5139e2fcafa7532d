/**
 * Self-tests of the real-server harness (test/support/): every other test trusts that these
 * helpers start real servers, deliver and capture real mail, survive restarts and leave no
 * process behind. If one of these fails, fix the harness before reading other failures.
 */
import { expect } from 'chai';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { createClient } from 'redis';
import { startDovecot, type TestDovecot } from '../support/dovecot';
import { assertPortFree } from '../support/free-port';
import { startRedis } from '../support/redis-server';
import { startSmtpCapture } from '../support/smtp-capture';

function sampleMail(subject: string, messageId: string): string {
  return [
    'From: =?UTF-8?B?546L5bCP5piO?= <wang.xiaoming@example.com.tw>',
    'To: service@test.local',
    `Subject: =?UTF-8?B?${Buffer.from(subject).toString('base64')}?=`,
    `Message-ID: <${messageId}>`,
    'Date: Fri, 27 Nov 2026 10:00:00 +0800',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    '您好，我想查詢保單理賠進度。',
    '',
  ].join('\r\n');
}

async function withImap<T>(dovecot: TestDovecot, work: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = new ImapFlow(dovecot.imapOptions());
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.logout().catch(() => undefined);
  }
}

async function fetchSubjects(client: ImapFlow, mailbox = 'INBOX'): Promise<string[]> {
  const lock = await client.getMailboxLock(mailbox);
  try {
    const subjects: string[] = [];
    for await (const msg of client.fetch('1:*', { envelope: true })) subjects.push(msg.envelope?.subject ?? '');
    return subjects;
  } finally {
    lock.release();
  }
}

describe('test harness: redis-server', () => {
  it('starts a real Redis that answers PING, and keeps its data across a restart with appendonly', async () => {
    const redis = await startRedis({ appendOnly: true });
    const client = createClient({ url: redis.url });
    client.on('error', () => undefined);
    try {
      await client.connect();
      expect(await client.ping()).to.equal('PONG');
      await client.set('kefu:selftest', '保單');
      await client.quit();

      await redis.restart({ hard: true });

      const again = createClient({ url: redis.url });
      again.on('error', () => undefined);
      await again.connect();
      expect(await again.get('kefu:selftest')).to.equal('保單');
      await again.quit();
    } finally {
      await redis.dispose();
    }
    await assertPortFree(redis.port);
  });

  it('runs two servers side by side on different ports', async () => {
    const [a, b] = await Promise.all([startRedis(), startRedis()]);
    try {
      expect(a.port).to.not.equal(b.port);
      const client = createClient({ url: b.url });
      client.on('error', () => undefined);
      await client.connect();
      expect(await client.ping()).to.equal('PONG');
      await client.quit();
    } finally {
      await Promise.all([a.dispose(), b.dispose()]);
    }
  });
});

describe('test harness: dovecot (IMAP + LMTP)', function () {
  this.timeout(60_000);
  let dovecot: TestDovecot;

  before(async () => {
    dovecot = await startDovecot();
  });
  after(async () => {
    await dovecot?.dispose();
  });

  it('delivers a mail over LMTP that an IMAP client can log in to and fetch', async () => {
    await dovecot.deliver(sampleMail('理賠進度查詢', 'claim-1@example.com.tw'));
    const fetched = await withImap(dovecot, async (client) => {
      const lock = await client.getMailboxLock('INBOX');
      try {
        const out: Array<{ subject: string; source: string; messageId: string }> = [];
        for await (const msg of client.fetch('1:*', { envelope: true, source: true })) {
          out.push({
            subject: msg.envelope?.subject ?? '',
            messageId: msg.envelope?.messageId ?? '',
            source: msg.source?.toString('utf8') ?? '',
          });
        }
        return out;
      } finally {
        lock.release();
      }
    });
    expect(fetched).to.have.length(1);
    expect(fetched[0]!.subject).to.equal('理賠進度查詢');
    expect(fetched[0]!.messageId).to.equal('<claim-1@example.com.tw>');
    expect(fetched[0]!.source).to.include('您好，我想查詢保單理賠進度。');
    expect(fetched[0]!.source).to.match(/^Return-Path: <mailer@test\.local>/);
  });

  it('refuses a wrong password', async () => {
    const client = new ImapFlow({ ...dovecot.imapOptions(), auth: { user: 'service@test.local', pass: 'wrong' } });
    client.on('error', () => undefined);
    let failure: unknown;
    try {
      await client.connect();
    } catch (err) {
      failure = err;
    }
    expect(failure, 'login with a wrong password must fail').to.be.instanceOf(Error);
    client.close();
  });

  it('seeds a message into another folder with doveadm save', async () => {
    await dovecot.doveadm(['mailbox', 'create', '-u', 'service@test.local', 'Archive']);
    await dovecot.save(sampleMail('已歸檔', 'archived-1@example.com.tw'), { mailbox: 'Archive' });
    const subjects = await withImap(dovecot, (client) => fetchSubjects(client, 'Archive'));
    expect(subjects).to.deep.equal(['已歸檔']);
  });

  it('keeps mail across a restart, and a client cut off in IDLE can reconnect and see new mail', async () => {
    const idle = new ImapFlow(dovecot.imapOptions());
    const closed = new Promise<void>((resolve) => idle.once('close', () => resolve()));
    idle.on('error', () => undefined);
    await idle.connect();
    await idle.mailboxOpen('INBOX');
    void idle.idle().catch(() => undefined);

    await dovecot.restart();
    await closed;

    await dovecot.deliver(sampleMail('重啟後的來信', 'after-restart@example.com.tw'));
    const subjects = await withImap(dovecot, (client) => fetchSubjects(client));
    expect(subjects).to.deep.equal(['理賠進度查詢', '重啟後的來信']);
  });

  it('survives a hard kill of the whole process group and comes back on the same ports', async () => {
    const { imapPort, lmtpPort } = dovecot;
    await dovecot.restart({ hard: true });
    expect(dovecot.imapPort).to.equal(imapPort);
    expect(dovecot.lmtpPort).to.equal(lmtpPort);
    const subjects = await withImap(dovecot, (client) => fetchSubjects(client));
    expect(subjects).to.include('重啟後的來信');
  });

  it('runs a second, independent instance with its own users and mail', async () => {
    const other = await startDovecot({ users: [{ user: 'claims@test.local', password: 'claims-secret' }] });
    try {
      expect(other.imapPort).to.not.equal(dovecot.imapPort);
      await other.deliver(sampleMail('另一個信箱', 'other-1@example.com.tw'));
      const client = new ImapFlow(other.imapOptions('claims@test.local'));
      client.on('error', () => undefined);
      await client.connect();
      const subjects = await fetchSubjects(client);
      await client.logout();
      expect(subjects).to.deep.equal(['另一個信箱']);
    } finally {
      await other.dispose();
    }
    await assertPortFree(other.imapPort);
    await assertPortFree(other.lmtpPort);
  });
});

describe('test harness: SMTP capture', () => {
  it('captures a message sent with nodemailer, with envelope, raw bytes and parsed fields', async () => {
    const smtp = await startSmtpCapture();
    try {
      const transport = nodemailer.createTransport({ ...smtp.transportOptions, auth: { user: 'kefu', pass: 'x' } });
      await transport.sendMail({
        from: '康福人壽客服 <service@kangfu-life.example>',
        to: 'wang.xiaoming@example.com.tw',
        subject: '[#K-000123] 已收到您的來信',
        text: '我們已收到您的來信，將盡快回覆。',
        headers: { 'Auto-Submitted': 'auto-replied' },
      });
      transport.close();
      const m = await smtp.waitFor((msg) => msg.parsed.subject?.includes('K-000123') === true);
      expect(m.mailFrom).to.equal('service@kangfu-life.example');
      expect(m.rcptTo).to.deep.equal(['wang.xiaoming@example.com.tw']);
      expect(m.user).to.equal('kefu');
      expect(m.parsed.text?.trim()).to.equal('我們已收到您的來信，將盡快回覆。');
      expect(m.parsed.headers.get('auto-submitted')).to.equal('auto-replied');
      expect(m.raw.toString('utf8')).to.match(/^Auto-Submitted: auto-replied\r?$/im);
      expect(smtp.messages).to.have.length(1);
    } finally {
      await smtp.close();
    }
  });

  it('fails the next message with a 451 and accepts the retry', async () => {
    const smtp = await startSmtpCapture();
    try {
      smtp.failNext(1);
      const transport = nodemailer.createTransport(smtp.transportOptions);
      const mail = { from: 'service@kangfu-life.example', to: 'a@example.com.tw', subject: 'retry me', text: 'x' };
      let first: unknown;
      try {
        await transport.sendMail(mail);
      } catch (err) {
        first = err;
      }
      expect((first as { responseCode?: number }).responseCode).to.equal(451);
      expect(smtp.messages).to.have.length(0);
      expect(smtp.rejected).to.have.length(1);

      await transport.sendMail(mail);
      transport.close();
      const got = await smtp.waitForCount(1);
      expect(got[0]!.parsed.subject).to.equal('retry me');
      expect(smtp.rejected).to.have.length(1);
    } finally {
      await smtp.close();
    }
  });

  it('waits for a message that arrives after the call, and times out naming what did arrive', async () => {
    const smtp = await startSmtpCapture();
    try {
      const waiting = smtp.waitFor((m) => m.rcptTo.includes('late@example.com.tw'));
      const transport = nodemailer.createTransport(smtp.transportOptions);
      await transport.sendMail({
        from: 's@kangfu-life.example',
        to: 'early@example.com.tw',
        subject: 'early',
        text: '1',
      });
      await transport.sendMail({
        from: 's@kangfu-life.example',
        to: 'late@example.com.tw',
        subject: 'late',
        text: '2',
      });
      transport.close();
      expect((await waiting).parsed.subject).to.equal('late');

      let timeout: Error | undefined;
      await smtp
        .waitFor((m) => m.parsed.subject === 'never', 200)
        .catch((err: Error) => {
          timeout = err;
        });
      expect(timeout?.message).to.include('early');
    } finally {
      await smtp.close();
    }
  });

  it('with required credentials refuses a wrong password and mail without login', async () => {
    const smtp = await startSmtpCapture({ requireAuth: { user: 'kefu', pass: 'right' } });
    try {
      const wrong = nodemailer.createTransport({ ...smtp.transportOptions, auth: { user: 'kefu', pass: 'wrong' } });
      const anonymous = nodemailer.createTransport({ host: smtp.host, port: smtp.port, ignoreTLS: true });
      const mail = { from: 's@kangfu-life.example', to: 'a@example.com.tw', subject: 's', text: 't' };
      const errors = await Promise.all(
        [wrong, anonymous].map((t) =>
          t.sendMail(mail).then(
            () => undefined,
            (err: Error & { responseCode?: number }) => err,
          ),
        ),
      );
      expect(errors.map((e) => e?.responseCode)).to.deep.equal([535, 530]);
      const right = nodemailer.createTransport(smtp.transportOptions);
      await right.sendMail(mail);
      for (const t of [wrong, anonymous, right]) t.close();
      expect(smtp.messages).to.have.length(1);
      expect(smtp.authAttempts.map((a) => a.accepted)).to.deep.equal([false, true]);
    } finally {
      await smtp.close();
    }
  });
});
