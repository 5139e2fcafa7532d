/**
 * The email channel end to end against a real Dovecot (IMAP + LMTP delivery) and a real
 * smtp-server: mail becomes tickets, acknowledgements go out once, replies thread back.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { FAILING_ADDRESSES_COLLECTION, LEDGER_COLLECTION, type LedgerEntry } from '../../../channels/email/ingest';
import { RawMailStore, type RawRef } from '../../../channels/email/raw-store';
import type { Ticket } from '../../../handoff/tickets/ticket';
import type { TicketEvent } from '../../../handoff/tickets/ticket-service';
import { createKnowledgeService, type KnowledgeServiceHandle } from '../../../knowledge';
import { type TestDovecot, startDovecot } from '../../support/dovecot';
import { type SmtpCapture, startSmtpCapture } from '../../support/smtp-capture';
import {
  eventually,
  FIXTURES,
  fixture,
  folderCount,
  folderSources,
  type Harness,
  nth,
  startHarness,
} from './support/harness';

const WANG = 'xiaoming.wang@mail.example.tw';

async function ledgerEntries(h: Harness): Promise<LedgerEntry[]> {
  const recs = await h.store.records.list(LEDGER_COLLECTION);
  return recs.map((r) => r.value as unknown as LedgerEntry);
}

async function settled(h: Harness, count: number): Promise<LedgerEntry[]> {
  return eventually(
    async () => {
      const all = await ledgerEntries(h);
      const done = all.filter((e) => e.state === 'filed' || e.state === 'quarantined');
      return done.length >= count && h.channel.pollerState()?.backlog === 0 ? all : undefined;
    },
    `${count} messages filed`,
    60_000,
  );
}

async function ticketOfMessageId(h: Harness, messageId: string): Promise<Ticket | undefined> {
  const entry = (await ledgerEntries(h)).find((e) => e.messageId === messageId);
  return entry?.ticket ? h.tickets.find(entry.ticket) : undefined;
}

function messagesOf(events: TicketEvent[]) {
  return events.filter((e) => e.type === 'message');
}

function deliverToMaildir(dovecot: TestDovecot, raw: Buffer): void {
  const maildir = path.join(dovecot.dir, 'mail', dovecot.users[0]?.user ?? '', 'Maildir');
  const owner = fs.statSync(path.join(dovecot.dir, 'mail'));
  const name = `${Date.now()}.kefu-test-${process.pid}.localhost`;
  const tmp = path.join(maildir, 'tmp', name);
  fs.writeFileSync(tmp, raw);
  fs.chownSync(tmp, owner.uid, owner.gid);
  fs.renameSync(tmp, path.join(maildir, 'new', name));
}

describe('channels/email channel (real Dovecot + smtp-server)', function () {
  this.timeout(120_000);
  let dovecot: TestDovecot;
  let smtp: SmtpCapture;
  let knowledge: KnowledgeServiceHandle;

  before(async () => {
    knowledge = await createKnowledgeService();
  });
  after(() => knowledge.close());

  beforeEach(async () => {
    dovecot = await startDovecot();
    smtp = await startSmtpCapture();
  });
  afterEach(async () => {
    await smtp.close();
    await dovecot.dispose();
  });

  it('turns an email into a ticket, acknowledges it with the ticket number, and threads the reply onto the same ticket', async () => {
    const h = await startHarness({ dovecot, smtp, knowledge });
    try {
      await dovecot.deliver(fixture('plain-zh-tw-utf8.eml'));
      const ack = await smtp.waitFor((m) => m.rcptTo.includes(WANG), 30_000);
      const number = /\[#(K-\d+)\]/.exec(ack.parsed.subject ?? '')?.[1] ?? '';
      expect(number).to.match(/^K-\d{6}$/);
      const ticket = await h.tickets.get(number);
      expect(ticket).to.deep.include({ type: 'email', channel: 'email', subject: '請問保單借款的申請方式' });
      expect(ticket.customer).to.deep.include({ email: WANG, name: '王小明', lang: 'zh-TW' });
      expect(ack.parsed.text).to.contain(number).and.contain('保單借款申請');
      expect(ack.parsed.inReplyTo).to.equal('<plain-zh-tw-utf8@mail.example.tw>');

      // The customer answers the acknowledgement.
      await dovecot.deliver(
        fixture('reply-by-in-reply-to.eml', {
          FROM: WANG,
          IN_REPLY_TO: ack.parsed.messageId?.replace(/[<>]/g, '') ?? '',
        }),
      );
      await eventually(async () => messagesOf(await h.tickets.history(number)).length === 2, 'the reply on the ticket');
      const events = messagesOf(await h.tickets.history(number));
      expect(nth(events, 1).data.text).to.contain('明天會把文件寄過去');
      expect(nth(events, 1).data.threadedVia).to.equal('in-reply-to');

      // An agent answers by email; the customer's answer to it threads back too.
      const sent = await h.channel.replyByEmail(
        number,
        { id: 'agent-01', name: '客服林小姐' },
        '王先生您好，保單借款需要身分證正本與保單。',
      );
      const agentMail = await smtp.waitFor((m) => m.parsed.messageId === `<${sent.messageId}>`, 30_000);
      expect(agentMail.parsed.subject).to.equal(`Re: [#${number}] 請問保單借款的申請方式`);
      expect(agentMail.parsed.inReplyTo).to.equal('<reply-irt-001@mail.example.tw>');
      expect(agentMail.parsed.references).to.include('<plain-zh-tw-utf8@mail.example.tw>');
      await dovecot.deliver(fixture('reply-by-references-only.eml', { FROM: WANG, REFERENCES: sent.messageId }));
      await eventually(
        async () => messagesOf(await h.tickets.history(number)).length === 4,
        'the answer to the agent on the ticket',
      );
      expect(await h.tickets.list({ customerEmail: WANG })).to.have.length(1);
      // One acknowledgement per sender per thread per day.
      expect(smtp.messages.filter((m) => m.parsed.headers.get('auto-submitted') === 'auto-replied')).to.have.length(1);
      expect(await folderCount(dovecot, 'INBOX')).to.equal(0);
      expect(await folderCount(dovecot, 'Kefu/Processed')).to.equal(3);
    } finally {
      await h.stop();
    }
  });

  it('imports the whole fixture corpus: one ticket per mail, machine mail never acknowledged, hostile mail quarantined', async () => {
    const h = await startHarness({ dovecot, smtp, knowledge, env: { EMAIL_MAX_BYTES: '102400' } });
    try {
      const names = fs
        .readdirSync(FIXTURES)
        .filter((n) => n.endsWith('.eml') && !fs.readFileSync(path.join(FIXTURES, n), 'latin1').includes('{{'))
        .sort();
      expect(names.length).to.be.at.least(45);
      for (const name of names) {
        await dovecot.deliver(fixture(name), name === 'return-path-null.eml' ? { envelopeFrom: '' } : {});
      }
      const entries = await settled(h, names.length);
      expect(entries).to.have.length(names.length);
      const byState = (s: string) => entries.filter((e) => e.state === s).length;
      expect(byState('quarantined')).to.equal(2); // the MIME bomb and the header bomb
      // The raw bytes of quarantined mail are kept, as the server has them.
      const quarantinedSources = await folderSources(dovecot, 'Kefu/Quarantine');
      for (const e of entries.filter((x) => x.state === 'quarantined')) {
        expect(e.parseFailures).to.equal(3);
        expect(e.raw, 'raw mail reference').to.not.equal(undefined);
        const kept = await new RawMailStore(path.join(h.dir, 'mail')).read(e.raw as RawRef);
        // The whole message, or only its header block when it was over the size limit.
        const sameAsServer = (source: Buffer) =>
          source.equals(kept) ||
          (source.length > kept.length &&
            source.subarray(0, kept.length).equals(kept) &&
            kept.toString('latin1').endsWith('\r\n\r\n'));
        expect(quarantinedSources.some(sameAsServer), `${kept.length} bytes kept`).to.equal(true);
      }
      expect(await folderCount(dovecot, 'Kefu/Quarantine')).to.equal(2);
      expect(await folderCount(dovecot, 'INBOX')).to.equal(0);

      // Exactly one of the two identical deliveries became a ticket; the reused Message-ID with
      // different content was still imported.
      const dupes = entries.filter((e) => e.messageId === 'dup-001@mail.example.tw');
      expect(dupes.map((d) => d.state).sort()).to.deep.equal(['filed', 'filed', 'filed']);
      expect(new Set(dupes.map((d) => d.ticket)).size).to.equal(2);
      const tickets = await h.tickets.list({ type: 'email' });
      expect(tickets).to.have.length(names.length - 2 - 1);

      // Machine mail is on a ticket and was never acknowledged.
      const machineSenders = [
        'manager@corp.example.tw',
        'mailer-daemon@mx.example.tw',
        'postmaster@mx.example.tw',
        'service@kangfu-life.example',
      ];
      await eventually(
        async () => (await h.channel.outbox.pendingCount()) === 0 && smtp.messages.length > 0,
        'acks sent',
      );
      for (const m of smtp.messages) for (const s of machineSenders) expect(m.rcptTo).to.not.include(s);
      const ooo = tickets.filter((t) => t.customer.email === 'manager@corp.example.tw');
      expect(ooo.length).to.equal(19);
      for (const t of ooo) expect((t.data.email as { machine?: string }).machine).to.be.a('string');
      // Every human mail got exactly one acknowledgement.
      const acks = smtp.messages.filter((m) => m.parsed.headers.get('auto-submitted') === 'auto-replied');
      const humanTickets = tickets.filter((t) => !(t.data.email as { machine?: string }).machine);
      const unacked = humanTickets.filter((t) => !acks.some((a) => a.parsed.subject?.includes(`[#${t.number}]`)));
      expect(unacked.map((t) => `${t.subject} <${t.customer.email}>`)).to.deep.equal([]);
      expect(acks).to.have.length(humanTickets.length);
      expect(new Set(acks.map((a) => a.parsed.subject?.slice(0, 11))).size).to.equal(acks.length);

      // Legacy charsets decoded on the ticket.
      expect((await ticketOfMessageId(h, 'big5-qp-001@mail.example.tw'))?.subject).to.equal('保單續保與理賠詢問');
      expect((await ticketOfMessageId(h, 'gb2312-gbk-001@mail.example.cn'))?.customer.name).to.equal('李喆');
      expect((await ticketOfMessageId(h, 'big5-raw-001@mail.example.tw'))?.subject).to.equal('請問保費繳納方式');

      // Mail without Message-ID is imported, not skipped.
      expect(tickets.some((t) => t.subject === '沒有 Message-ID 的來信')).to.equal(true);

      // Attachments: Chinese names stored, executables refused.
      const claim = await ticketOfMessageId(h, 'att-2231-001@mail.example.tw');
      const claimMsg = nth(messagesOf(await h.tickets.history(claim?.number ?? '')), 0);
      const att = nth(claimMsg.data.attachments as Array<{ filename: string; path?: string }>, 0);
      expect(att.filename).to.equal('理賠申請書.pdf');
      expect(fs.readFileSync(path.join(h.dir, 'mail', att.path ?? '')).toString()).to.contain('%PDF');
      const exe = await ticketOfMessageId(h, 'att-exe-001@mail.example.tw');
      const exeAtt = nth(
        nth(messagesOf(await h.tickets.history(exe?.number ?? '')), 0).data.attachments as Array<{ skipped?: string }>,
        0,
      );
      expect(exeAtt.skipped).to.equal('blocked-type');

      // Stored HTML is sanitised.
      const xss = await ticketOfMessageId(h, 'html-xss-001@mail.example.tw');
      const html = String(nth(messagesOf(await h.tickets.history(xss?.number ?? '')), 0).data.html);
      expect(html).to.contain('請協助確認保單').and.not.contain('<script').and.not.contain('onclick');

      // Oversized: headers only, a note, and the sender is told.
      const big = await ticketOfMessageId(h, 'oversized-001@mail.example.tw');
      const bigEvents = await h.tickets.history(big?.number ?? '');
      expect(
        bigEvents.some((e) => e.type === 'note' && String(e.data.text).includes('over the 102400-byte limit')),
      ).to.equal(true);
      expect(nth(messagesOf(bigEvents), 0).data.attachments).to.equal(undefined);
      const bigAck = acks.find((a) => a.parsed.subject?.includes(big?.number ?? 'none'));
      expect(bigAck?.parsed.text).to.contain('附件未能收到');

      // /healthz shows the mailbox.
      const report = await h.health.report();
      const imap = Object.entries(report.dependencies).find(([k]) => k.startsWith('email-imap:'))?.[1];
      expect(imap).to.deep.include({ connected: true, backlog: 0, quarantined: 2, status: 'degraded', role: 'active' });
      expect(imap?.lastSuccessfulCheckAt).to.be.a('string');
      expect(report.dependencies['email-smtp']).to.deep.include({ status: 'ok', outboxPending: 0 });
    } finally {
      await h.stop();
    }
  });

  it('threads by subject number, In-Reply-To and References; a stranger gets a linked ticket; a reply reopens a resolved ticket; a bounce marks the address failing', async () => {
    const h = await startHarness({ dovecot, smtp, knowledge });
    try {
      await dovecot.deliver(fixture('plain-zh-tw-utf8.eml'));
      const ack = await smtp.waitFor((m) => m.rcptTo.includes(WANG), 30_000);
      const number = /\[#(K-\d+)\]/.exec(ack.parsed.subject ?? '')?.[1] ?? '';
      const ackId = ack.parsed.messageId?.replace(/[<>]/g, '') ?? '';

      await dovecot.deliver(fixture('reply-by-subject-number.eml', { FROM: WANG, TICKET: number }));
      await eventually(async () => messagesOf(await h.tickets.history(number)).length === 2, 'reply by subject');
      expect(nth(messagesOf(await h.tickets.history(number)), 1).data.threadedVia).to.equal('subject');

      await dovecot.deliver(fixture('reply-by-references-only.eml', { FROM: WANG, REFERENCES: ackId }));
      await eventually(async () => messagesOf(await h.tickets.history(number)).length === 3, 'reply by references');
      expect(nth(messagesOf(await h.tickets.history(number)), 2).data.threadedVia).to.equal('references');

      await dovecot.deliver(fixture('stranger-quotes-ticket-number.eml', { TICKET: number }));
      const stranger = await eventually(
        async () => (await h.tickets.list({ customerEmail: 'stranger@other.example.tw' }))[0],
        'stranger ticket',
      );
      expect(stranger.number).to.not.equal(number);
      expect(stranger.links).to.deep.equal([{ number, relation: 'related' }]);
      expect(messagesOf(await h.tickets.history(number))).to.have.length(3);

      await h.tickets.changeStatus(number, 'resolved', { kind: 'agent', id: 'agent-01' });
      await dovecot.deliver(fixture('reply-by-in-reply-to.eml', { FROM: WANG, IN_REPLY_TO: ackId }));
      await eventually(async () => (await h.tickets.get(number)).status === 'queued', 'reopened');
      expect(messagesOf(await h.tickets.history(number))).to.have.length(4);

      await dovecot.deliver(fixture('own-acknowledgement-reflected.eml', { TICKET: number }));
      await eventually(
        async () => messagesOf(await h.tickets.history(number)).length === 5,
        'own mail stored on the ticket',
      );
      expect(nth(messagesOf(await h.tickets.history(number)), 4).data.machine).to.equal('own');

      await dovecot.deliver(fixture('dsn-bounce.eml', { FROM: WANG, TICKET: number, IN_REPLY_TO: ackId }));
      await eventually(
        async () => messagesOf(await h.tickets.history(number)).length === 6,
        'bounce stored on the ticket',
      );
      expect(nth(messagesOf(await h.tickets.history(number)), 5).data.machine).to.equal('bounce');
      expect(await h.store.records.get(FAILING_ADDRESSES_COLLECTION, WANG)).to.not.equal(undefined);

      // One acknowledgement for the customer's thread, one for the stranger; none for machine mail.
      await eventually(async () => (await h.channel.outbox.pendingCount()) === 0, 'outbox drained');
      const acks = smtp.messages.filter((m) => m.parsed.headers.get('auto-submitted') === 'auto-replied');
      expect(acks.map((a) => a.rcptTo[0]).sort()).to.deep.equal(['stranger@other.example.tw', WANG]);
    } finally {
      await h.stop();
    }
  });

  it('when the mailbox is deleted and re-created (new UIDVALIDITY), new mail still becomes tickets and old mail is not imported twice', async () => {
    await dovecot.doveadm(['mailbox', 'create', '-u', nth(dovecot.users, 0).user, 'Support']);
    const h = await startHarness({ dovecot, smtp, env: { IMAP_MAILBOX: 'Support' } });
    try {
      await dovecot.save(fixture('plain-zh-tw-utf8.eml'), { mailbox: 'Support' });
      await settled(h, 1);
      const before = h.channel.pollerState()?.uidValidity;
      await dovecot.doveadm(['mailbox', 'delete', '-u', nth(dovecot.users, 0).user, 'Support']);
      await dovecot.doveadm(['mailbox', 'create', '-u', nth(dovecot.users, 0).user, 'Support']);
      await dovecot.save(fixture('plain-zh-tw-utf8.eml'), { mailbox: 'Support' }); // the old mail again
      await dovecot.save(fixture('big5-base64.eml'), { mailbox: 'Support' });
      await eventually(
        async () => {
          const s = h.channel.pollerState();
          return (
            s?.uidValidity !== before &&
            s?.backlog === 0 &&
            (await ledgerEntries(h)).filter((e) => e.state === 'filed').length === 3
          );
        },
        'mail after the UIDVALIDITY change filed',
        60_000,
      ).catch(async (err: Error) => {
        throw new Error(
          `${err.message}; poller ${JSON.stringify(h.channel.pollerState())}; ledger ${JSON.stringify((await ledgerEntries(h)).map((e) => [e.uidValidity, e.uid, e.state]))}`,
        );
      });
      const entries = await ledgerEntries(h);
      expect(new Set(entries.map((e) => e.uidValidity)).size).to.equal(2);
      expect(entries.filter((e) => e.uid === 1)).to.have.length(2); // UIDs restarted at 1
      expect(await h.tickets.list({ type: 'email' })).to.have.length(2);
      expect(entries.filter((e) => e.duplicateOf)).to.have.length(1);
    } finally {
      await h.stop();
    }
  });

  it('when Dovecot restarts while the poller is in IDLE, mail delivered during the outage becomes tickets and the process keeps running', async () => {
    const h = await startHarness({ dovecot, smtp, checkIntervalMs: 1000 });
    try {
      await dovecot.deliver(fixture('plain-english.eml'));
      await settled(h, 1);
      await dovecot.stop({ hard: true });
      await eventually(async () => h.channel.pollerState()?.connected === false, 'poller noticed the outage');
      // Delivered while IMAP is down, the way a local MDA does: straight into Maildir/new.
      deliverToMaildir(dovecot, fixture('big5-quoted-printable.eml'));
      await dovecot.start();
      await settled(h, 2);
      expect(await h.tickets.list({ type: 'email' })).to.have.length(2);
      const state = h.channel.pollerState();
      expect(state?.connected).to.equal(true);
      expect(state?.reconnects).to.be.at.least(1);
    } finally {
      await h.stop();
    }
  });

  it('with two instances on one store, exactly one polls the mailbox and each mail becomes one ticket', async () => {
    const a = await startHarness({ dovecot, smtp, instanceId: 'instance-a' });
    const b = await startHarness({ dovecot, smtp, dir: a.dir, instanceId: 'instance-b' });
    try {
      await eventually(async () => {
        const roles = [a.channel.pollerState()?.role, b.channel.pollerState()?.role].sort();
        return roles[0] === 'active' && roles[1] === 'standby';
      }, 'one active, one standby');
      for (const name of ['plain-english.eml', 'big5-base64.eml', 'html-only.eml', 'no-message-id.eml'])
        await dovecot.deliver(fixture(name));
      await settled(a, 4);
      expect(await a.tickets.list({ type: 'email' })).to.have.length(4);
      const standby = [a, b].find((x) => x.channel.pollerState()?.role === 'standby');
      expect(standby?.channel.pollerState()?.connected).to.equal(false);
    } finally {
      await b.stop();
      await a.stop();
    }
  });
});
