/**
 * Crash consistency: the poller process is killed with SIGKILL at every stage of handling a
 * 200-mail batch (ledger, Message-ID record, fetch, raw file, parse, attachments, ticket
 * creation, acknowledgement queueing, ledger close, IMAP move, SMTP send) and restarted, 20
 * times; then it runs to the end. Exactly 200 tickets, none lost, none duplicated, at most one
 * acknowledgement each.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LEDGER_COLLECTION, type LedgerEntry } from '../../../channels/email/ingest';
import { OUTBOX_COLLECTION } from '../../../channels/email/outbox';
import type { Ticket } from '../../../handoff/tickets/ticket';
import { openSqliteStore } from '../../../storage/sqlite/sqlite-store';
import { trackChild } from '../../support/child-processes';
import { type TestDovecot, startDovecot } from '../../support/dovecot';
import { type SmtpCapture, startSmtpCapture } from '../../support/smtp-capture';
import { folderCount, OWN_DOMAIN, silentLog } from './support/harness';

const MAILS = 200;
const ROUNDS = 20;
/**
 * Where the child kills itself, in round order. Each round dies early, so mail is left for the
 * next, until 'moved': the first move comes once a check has ingested everything it fetched,
 * so that round leaves no mail to ingest, only acknowledgements still to send — which the
 * SMTP stages, last, crash in.
 */
const STAGES = [
  'ledger',
  'fetched',
  'raw',
  'parsed',
  'attachments',
  'planned',
  'ticketed',
  'moved',
  'smtp-send',
  'smtp-sent',
];
const CHILD = path.join(__dirname, 'support', 'poller-child.ts');

function customerMail(i: number): Buffer {
  const n = String(i).padStart(3, '0');
  const subject = Buffer.from(`保單問題 第 ${i} 封`).toString('base64');
  const body = Buffer.from(`您好，這是第 ${i} 位客戶的來信，想詢問保單借款與繳費方式。`).toString('base64');
  return Buffer.from(
    [
      `From: =?UTF-8?B?${Buffer.from(`客戶${n}`).toString('base64')}?= <customer-${n}@mail.example.tw>`,
      'To: service@test.local',
      `Subject: =?UTF-8?B?${subject}?=`,
      'Date: Fri, 27 Nov 2026 10:15:00 +0800',
      // Every 20th mail has no Message-ID: it must be keyed by its bytes and still imported once.
      ...(i % 20 === 0 ? [] : [`Message-ID: <crash-${n}@mail.example.tw>`]),
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=UTF-8',
      'Content-Transfer-Encoding: base64',
      '',
      body,
      '',
    ].join('\r\n'),
  );
}

function runChild(
  dir: string,
  env: Record<string, string>,
  crashAt?: string,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      env: {
        ...process.env,
        KEFU_CHILD_DIR: dir,
        KEFU_CHILD_ENV: JSON.stringify(env),
        ...(crashAt ? { KEFU_EMAIL_CRASH_AT: crashAt } : {}),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    trackChild(child);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('exit', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stderr });
    });
  });
}

describe('channels/email crash consistency (SIGKILL of the poller process)', function () {
  this.timeout(900_000);
  let dovecot: TestDovecot;
  let smtp: SmtpCapture;
  let dir: string;

  before(async () => {
    dovecot = await startDovecot();
    smtp = await startSmtpCapture();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-email-crash-'));
  });
  after(async () => {
    await smtp.close();
    await dovecot.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`killed at each stage of a ${MAILS}-mail batch and restarted ${ROUNDS} times, makes exactly ${MAILS} tickets with at most one acknowledgement each`, async () => {
    for (let i = 1; i <= MAILS; i++) await dovecot.deliver(customerMail(i));
    const imap = dovecot.imapOptions();
    const env = {
      IMAP_HOST: imap.host,
      IMAP_PORT: String(imap.port),
      IMAP_SECURE: 'false',
      IMAP_USER: imap.auth.user,
      IMAP_PASSWORD: imap.auth.pass,
      SMTP_HOST: smtp.host,
      SMTP_PORT: String(smtp.port),
      SMTP_SECURE: 'false',
      MAIL_MESSAGE_ID_DOMAIN: OWN_DOMAIN,
    };
    const killedAt: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const stage = STAGES[round % STAGES.length] ?? 'ledger';
      // Small, so that each round dies early: it reaches a stage at most nth times, so it ingests
      // about nth mails (plus those in flight) before it dies, and mail is left for the next.
      const nth = stage === 'moved' ? 1 : 1 + Math.floor(Math.random() * 6);
      const r = await runChild(dir, env, `${stage}:${nth}`);
      if (r.signal === 'SIGKILL') killedAt.push(`${stage}:${nth}`);
      else expect(r.code, r.stderr).to.equal(0); // finished before reaching that point
    }
    // Every stage was a real crash point at least once.
    const killedStages = new Set(killedAt.map((k) => k.split(':')[0]));
    expect([...killedStages].sort(), `killed at ${killedAt.join(', ')}`).to.deep.equal([...STAGES].sort());
    const last = await runChild(dir, env);
    expect(last.code, last.stderr).to.equal(0);

    const outboxStates: Record<string, number> = {};
    const store = await openSqliteStore({ file: path.join(dir, 'kefu.sqlite'), log: silentLog });
    try {
      const tickets = (await store.records.list('tickets')).map((r) => r.value as unknown as Ticket);
      expect(tickets).to.have.length(MAILS);
      const senders = tickets.map((t) => t.customer.email);
      expect(new Set(senders).size).to.equal(MAILS);
      for (let i = 1; i <= MAILS; i++)
        expect(senders).to.include(`customer-${String(i).padStart(3, '0')}@mail.example.tw`);
      // Every ticket has its customer's message exactly once.
      for (const t of tickets) {
        const events = (await store.streams.range(`ticket-events:${t.number}`, 0, 1000)).map(
          (e) => e.value as { type: string },
        );
        expect(
          events.filter((e) => e.type === 'message'),
          t.number,
        ).to.have.length(1);
        expect(
          events.filter((e) => e.type === 'created'),
          t.number,
        ).to.have.length(1);
      }
      const ledger = (await store.records.list(LEDGER_COLLECTION)).map((r) => r.value as unknown as LedgerEntry);
      expect(ledger).to.have.length(MAILS);
      expect(ledger.every((e) => e.state === 'filed' || e.state === 'ticketed')).to.equal(true);
      for (const r of await store.records.list(OUTBOX_COLLECTION)) {
        const status = (r.value as { status: string }).status;
        outboxStates[status] = (outboxStates[status] ?? 0) + 1;
      }
    } finally {
      await store.close();
    }
    // At most one acknowledgement per customer. An acknowledgement whose process died while
    // it was in the SMTP conversation (any kill can hit the sender running alongside) is
    // recorded as 'unknown' and never sent again; every other one was sent exactly once.
    const acks = smtp.messages.filter((m) => m.parsed.headers.get('auto-submitted') === 'auto-replied');
    const perRecipient = new Map<string, number>();
    for (const a of acks) for (const r of a.rcptTo) perRecipient.set(r, (perRecipient.get(r) ?? 0) + 1);
    expect([...perRecipient.values()].every((n) => n === 1)).to.equal(true);
    expect(outboxStates.sent ?? 0).to.be.at.most(acks.length);
    expect((outboxStates.sent ?? 0) + (outboxStates.unknown ?? 0)).to.equal(MAILS);
    expect(outboxStates.unknown ?? 0).to.be.at.most(killedAt.length);
    expect(acks.length).to.be.at.least(MAILS - killedAt.length);
    expect(await folderCount(dovecot, 'INBOX')).to.equal(0);
    expect(await folderCount(dovecot, 'Kefu/Processed')).to.equal(MAILS);
  });
});
