/**
 * The Done-when of the email channel, through the real composition root (`startKefu`): with
 * Dovecot running and the mailbox configured, an email sent to it becomes a ticket, the sender
 * receives an acknowledgement with the ticket number, and the sender's reply lands on the
 * same ticket; /healthz shows the mailbox and SMTP.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type RunningKefu, startKefu } from '../../../app/start';
import { type TestDovecot, startDovecot } from '../../support/dovecot';
import { type SmtpCapture, startSmtpCapture } from '../../support/smtp-capture';
import { eventually, fixture, OWN_DOMAIN } from './support/harness';

const WANG = 'xiaoming.wang@mail.example.tw';

describe('channels/email through startKefu (real Dovecot + smtp-server)', function () {
  this.timeout(120_000);
  let dovecot: TestDovecot;
  let smtp: SmtpCapture;
  let kefu: RunningKefu | undefined;
  let dataDir: string;

  before(async () => {
    dovecot = await startDovecot();
    smtp = await startSmtpCapture();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-email-app-'));
  });
  after(async () => {
    await kefu?.stop();
    await smtp.close();
    await dovecot.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('an email becomes a ticket, the sender gets an acknowledgement with its number, and the reply lands on the same ticket', async () => {
    const imap = dovecot.imapOptions();
    kefu = await startKefu({
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      DATA_DIR: dataDir,
      IMAP_HOST: imap.host,
      IMAP_PORT: String(imap.port),
      IMAP_SECURE: 'false',
      IMAP_USER: imap.auth.user,
      IMAP_PASSWORD: imap.auth.pass,
      IMAP_CHECK_INTERVAL_S: '1',
      SMTP_HOST: smtp.host,
      SMTP_PORT: String(smtp.port),
      SMTP_SECURE: 'false',
      MAIL_MESSAGE_ID_DOMAIN: OWN_DOMAIN,
    });
    await dovecot.deliver(fixture('plain-zh-tw-utf8.eml'));
    const ack = await smtp.waitFor((m) => m.rcptTo.includes(WANG), 30_000);
    const number = /\[#(K-\d{6})\]/.exec(ack.parsed.subject ?? '')?.[1] ?? '';
    const ticket = await kefu.tickets.get(number);
    expect(ticket.customer.email).to.equal(WANG);
    expect(ack.parsed.text).to.contain(number);

    await dovecot.deliver(fixture('reply-by-subject-number.eml', { FROM: WANG, TICKET: number }));
    const running = kefu;
    await eventually(
      async () => (await running.tickets.history(number)).filter((e) => e.type === 'message').length === 2,
      'the reply on the same ticket',
    );
    expect(await kefu.tickets.list({ customerEmail: WANG })).to.have.length(1);

    const res = await fetch(`${kefu.url}/healthz`);
    const body = (await res.json()) as { dependencies: Record<string, { status: string; connected?: boolean }> };
    expect(body.dependencies[`email-imap:${imap.auth.user}/INBOX`]).to.deep.include({ status: 'ok', connected: true });
    expect(body.dependencies['email-smtp']).to.deep.include({ status: 'ok' });
  });
});
