/**
 * The ingest use case on its own (a real SQLite store and the real ticket service, no IMAP):
 * one mail's ticket, history, acknowledgement and ledger entry are one commit — a crash just
 * before it leaves nothing, just after it leaves everything, and a retry makes no second
 * ticket or acknowledgement; batches of ledger entries keep the Message-ID rule; and the "one
 * acknowledgement per sender per thread per day" rule holds across mails and midnight.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../../app/clock';
import { createIngest, type Ingest, LEDGER_COLLECTION, type MailLocation } from '../../../channels/email/ingest';
import { createOutbox, OUTBOX_COLLECTION } from '../../../channels/email/outbox';
import { createSlaPolicy, DEFAULT_SLA_MINUTES } from '../../../handoff/tickets/sla';
import { createTicketService, ticketEventsStream } from '../../../handoff/tickets/ticket-service';
import type { Store } from '../../../storage/port';
import { openSqliteStore } from '../../../storage/sqlite/sqlite-store';
import { OWN_DOMAIN, sampleCalendar, silentLog } from './support/harness';

const CUSTOMER = 'mei-ling.chen@mail.example.tw';

function mail(n: number, subject: string, extra: string[] = [], from = CUSTOMER): Buffer {
  return Buffer.from(
    [
      `From: =?UTF-8?B?${Buffer.from('陳美玲').toString('base64')}?= <${from}>`,
      'To: service@kangfu-life.example',
      `Subject: =?UTF-8?B?${Buffer.from(subject).toString('base64')}?=`,
      'Date: Fri, 27 Nov 2026 23:58:00 +0800',
      `Message-ID: <ingest-${n}@mail.example.tw>`,
      ...extra,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=UTF-8',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('您好，想詢問保單借款的利率與還款方式。').toString('base64'),
      '',
    ].join('\r\n'),
  );
}

describe('channels/email ingest (SQLite store, real ticket service)', () => {
  let dir: string;
  let store: Store;
  // 23:58 in Taipei on 27 November 2026: the desk-local day ends two minutes later.
  let clock: ManualClock;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-ingest-'));
    store = await openSqliteStore({ file: path.join(dir, 'k.sqlite'), log: silentLog });
    clock = new ManualClock(Date.UTC(2026, 10, 27, 15, 58, 0));
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** One process's ingest; a new call is a restarted process (nothing kept in memory). */
  function startIngest(o: { store?: Store; crashAt?: string; ackMaxPerHour?: number } = {}): Ingest {
    const s = o.store ?? store;
    const calendar = sampleCalendar('24h');
    const tickets = createTicketService({ store: s, clock, sla: createSlaPolicy(calendar, DEFAULT_SLA_MINUTES) });
    const outbox = createOutbox({
      store: s,
      clock,
      log: silentLog,
      from: 'service@kangfu-life.example',
      messageIdDomain: OWN_DOMAIN,
    });
    return createIngest({
      store: s,
      tickets,
      outbox,
      clock,
      log: silentLog,
      calendar,
      dataDir: path.join(dir, 'mail'),
      config: {
        maxBytes: 25 * 1024 * 1024,
        maxAttachmentBytes: 10 * 1024 * 1024,
        maxParts: 200,
        ackMaxPerHour: o.ackMaxPerHour ?? 1000,
        messageIdDomain: OWN_DOMAIN,
        brand: { zh: '康福人壽', en: 'Kangfu Life' },
        ownAddresses: ['service@kangfu-life.example'],
      },
      stageHook: (stage) => {
        if (stage === o.crashAt) throw new Error(`simulated crash at ${stage}`);
      },
    });
  }

  const at = (uid: number): MailLocation => ({
    account: 'service@kangfu-life.example',
    mailbox: 'INBOX',
    uidValidity: '7',
    uid,
  });

  async function deliver(ingest: Ingest, uid: number, raw: Buffer): Promise<string> {
    const d = await ingest.begin(at(uid), { size: raw.length, messageId: `<ingest-${uid}@mail.example.tw>` });
    if (d !== 'download') return d;
    return ingest.process(at(uid), raw);
  }

  async function ticketsAndMessages() {
    const tickets = await store.records.list('tickets');
    const messages: number[] = [];
    for (const t of tickets) {
      const events = await store.streams.range(ticketEventsStream(t.id), 0, 1000);
      messages.push(events.filter((e) => (e.value as { type: string }).type === 'message').length);
    }
    return { tickets: tickets.length, messages };
  }

  for (const crashAt of ['planned', 'ticketed']) {
    it(`a crash ${crashAt === 'planned' ? 'just before' : 'just after'} the commit, then a retry: one ticket, one message, one acknowledgement`, async () => {
      const raw = mail(1, '保單借款利率');
      const first = startIngest({ crashAt });
      expect(await first.begin(at(1), { size: raw.length, messageId: '<ingest-1@mail.example.tw>' })).to.equal(
        'download',
      );
      await first.process(at(1), raw).then(
        () => expect.fail('the simulated crash did not happen'),
        (err: Error) => expect(err.message).to.include('simulated crash'),
      );
      // All or nothing: the ledger, the ticket and the acknowledgement agree.
      const committed = crashAt === 'ticketed';
      expect((await first.ledger(at(1)))?.state).to.equal(committed ? 'ticketed' : 'received');
      expect((await ticketsAndMessages()).tickets).to.equal(committed ? 1 : 0);
      expect(await store.records.count(OUTBOX_COLLECTION)).to.equal(committed ? 1 : 0);

      const restarted = startIngest();
      expect(await deliver(restarted, 1, raw)).to.equal('file');
      expect(await ticketsAndMessages()).to.deep.equal({ tickets: 1, messages: [1] });
      const entry = await restarted.ledger(at(1));
      expect(entry?.state).to.equal('ticketed');
      // A number reserved by an attempt that never committed is skipped, never reused.
      expect(entry?.ticket).to.equal(committed ? 'K-000001' : 'K-000002');
      expect(await store.records.count(OUTBOX_COLLECTION)).to.equal(1);
    });
  }

  it('a commit that fails writes nothing, and the retry past midnight queues exactly one acknowledgement', async () => {
    const raw = mail(1, '保單借款利率');
    let failNext = true;
    const flaky: Store = {
      ...store,
      commit: async (writes) => {
        if (failNext && writes.some((w) => w.kind === 'record.replace' && w.collection === LEDGER_COLLECTION)) {
          failNext = false;
          throw new Error('simulated store failure during the commit');
        }
        return store.commit(writes);
      },
    } as Store;
    await deliver(startIngest({ store: flaky }), 1, raw).then(
      () => expect.fail('the simulated failure did not happen'),
      (err: Error) => expect(err.message).to.include('simulated store failure'),
    );
    expect(await store.records.count('tickets')).to.equal(0);
    expect(await store.records.count(OUTBOX_COLLECTION)).to.equal(0);

    clock.advance(5 * 60_000); // 00:03 the next desk-local day
    expect(await deliver(startIngest(), 1, raw)).to.equal('file');
    expect(await ticketsAndMessages()).to.deep.equal({ tickets: 1, messages: [1] });
    expect(await store.records.count(OUTBOX_COLLECTION)).to.equal(1);
  });

  it('begins a batch in one commit: the first of two copies of a Message-ID claims it, a second look changes nothing', async () => {
    const ingest = startIngest();
    const raw = mail(1, '保單借款利率');
    const items = [1, 2, 3].map((uid) => ({
      loc: at(uid),
      size: raw.length,
      messageId: uid === 3 ? '<ingest-3@mail.example.tw>' : '<ingest-1@mail.example.tw>',
    }));
    expect(await ingest.beginMany(items)).to.deep.equal(['download', 'download', 'download']);
    expect((await ingest.ledger(at(1)))?.duplicateOf).to.equal(undefined);
    expect((await ingest.ledger(at(2)))?.duplicateOf).to.equal('service@kangfu-life.example/INBOX/7/1');
    expect((await ingest.ledger(at(3)))?.duplicateOf).to.equal(undefined);
    expect(await store.records.count(LEDGER_COLLECTION)).to.equal(3);
    // Begun again (the next check sees the same mail): the entries stand as they were.
    expect(await startIngest().beginMany(items)).to.deep.equal(['download', 'download', 'download']);
    expect(await store.records.count(LEDGER_COLLECTION)).to.equal(3);

    expect(await ingest.process(at(1), raw)).to.equal('file');
    expect(await ingest.process(at(2), raw)).to.equal('file');
    expect((await ingest.ledger(at(2)))?.state).to.equal('duplicate');
    await ingest.filedMany([at(1), at(2)]);
    expect((await ingest.ledger(at(1)))?.state).to.equal('filed');
    expect((await ingest.ledger(at(2)))?.state).to.equal('filed');
    expect((await ticketsAndMessages()).tickets).to.equal(1);
  });

  it('acknowledges a sender once per thread per day: a same-day reply gets none, a next-day reply gets one', async () => {
    const ingest = startIngest();
    expect(await deliver(ingest, 1, mail(1, '保單借款利率'))).to.equal('file');
    clock.advance(60_000); // 23:59, same day
    expect(await deliver(ingest, 2, mail(2, '[#K-000001] 補充資料'))).to.equal('file');
    expect(await store.records.count(OUTBOX_COLLECTION)).to.equal(1);

    clock.advance(10 * 60_000); // 00:09, the next day
    expect(await deliver(ingest, 3, mail(3, '[#K-000001] 再補充'))).to.equal('file');
    expect(await ticketsAndMessages()).to.deep.equal({ tickets: 1, messages: [3] });
    const acks = (await store.records.list(OUTBOX_COLLECTION)).map((r) => r.value as { to: string; ticket: string });
    expect(acks).to.have.length(2);
    expect(acks.every((a) => a.to === CUSTOMER && a.ticket === 'K-000001')).to.equal(true);
  });

  it('the global breaker stops acknowledgements past the hourly limit, and a retry does not slip one through', async () => {
    let failNext = false;
    const flaky: Store = {
      ...store,
      commit: async (writes) => {
        const ticketing = writes.some(
          (w) => w.kind === 'record.replace' && (w.value as { state?: string }).state === 'ticketed',
        );
        if (failNext && ticketing) {
          failNext = false;
          throw new Error('simulated store failure during the commit');
        }
        return store.commit(writes);
      },
    } as Store;
    const ingest = startIngest({ store: flaky, ackMaxPerHour: 2 });
    for (const uid of [1, 2, 3]) {
      expect(await deliver(ingest, uid, mail(uid, '保單借款利率', [], `customer-${uid}@mail.example.tw`))).to.equal(
        'file',
      );
    }
    expect(await store.records.count(OUTBOX_COLLECTION)).to.equal(2);
    // The fourth sender's first attempt fails after the breaker said no; its retry still
    // finds the breaker open.
    failNext = true;
    const raw = mail(4, '保單借款利率', [], 'customer-4@mail.example.tw');
    await deliver(ingest, 4, raw).then(
      () => expect.fail('the simulated failure did not happen'),
      (err: Error) => expect(err.message).to.include('simulated store failure'),
    );
    expect(await ingest.process(at(4), raw)).to.equal('file');
    expect((await ticketsAndMessages()).tickets).to.equal(4);
    expect(await store.records.count(OUTBOX_COLLECTION)).to.equal(2);
    // The next hour the breaker is closed again.
    clock.advance(3_600_000);
    expect(await deliver(ingest, 5, mail(5, '保單借款利率', [], 'customer-5@mail.example.tw'))).to.equal('file');
    expect(await store.records.count(OUTBOX_COLLECTION)).to.equal(3);
  });
});
