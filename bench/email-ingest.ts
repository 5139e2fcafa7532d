/**
 * Email ingestion benchmark: mails per second from a real Dovecot to tickets (ledger, raw
 * file, parse, threading, ticket, acknowledgement queued in the outbox, \Seen + move), against
 * a raw imapflow fetch + mailparser parse of the same mails in the same run; and the peak
 * memory (RSS) of each, with some 10 MB attachments in the mailbox. Target: at least half the
 * raw rate, and memory bounded (no growth with the mailbox size: sources are fetched in
 * byte-bounded chunks).
 *
 *   npx tsx bench/email-ingest.ts            # 5,000 mails, 20 with 10 MB attachments
 *   npx tsx bench/email-ingest.ts --quick    # 500 mails, 3 with 10 MB attachments
 *
 * `run({ quick })` is what bench/run.ts calls; it measures on SQLite and on Redis.
 */
import fs from 'node:fs';
import inspector from 'node:inspector';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import { systemClock } from '../app/clock';
import { HealthRegistry } from '../app/health';
import { createLogger } from '../app/logger';
import { TimerRunner } from '../app/timer-runner';
import { startEmailChannel } from '../channels/email';
import { LEDGER_COLLECTION } from '../channels/email/ingest';
import { createSlaPolicy, DEFAULT_SLA_MINUTES } from '../handoff/tickets/sla';
import { createTicketService } from '../handoff/tickets/ticket-service';
import { openRedisStore } from '../storage/redis/redis-store';
import { openSqliteStore } from '../storage/sqlite/sqlite-store';
import { startDovecot, type TestDovecot } from '../test/support/dovecot';
import { startRedis } from '../test/support/redis-server';
import { emailEnv, sampleCalendar } from '../test/channels/email/support/harness';

export interface EmailBenchResult {
  store: 'sqlite' | 'redis';
  mails: number;
  bigMails: number;
  totalMb: number;
  raw: { seconds: number; mailsPerS: number; peakRssMb: number };
  kefu: {
    seconds: number;
    mailsPerS: number;
    peakRssMb: number;
    tickets: number;
    acksQueued: number;
    /** Share of the run the main thread was busy (1 = CPU-bound or blocked in synchronous I/O). */
    eventLoopBusy: number;
  };
  ratio: number;
}

function mail(i: number, big: boolean): Buffer {
  const n = String(i).padStart(5, '0');
  const text = Buffer.from(
    `您好，我是第 ${i} 位客戶，想詢問保單借款的利率與還款方式，以及如何變更繳費帳戶。\n謝謝。`,
  ).toString('base64');
  const head = [
    `From: =?UTF-8?B?${Buffer.from(`客戶${n}`).toString('base64')}?= <bench-${n}@mail.example.tw>`,
    'To: service@test.local',
    `Subject: =?UTF-8?B?${Buffer.from(`保單問題 ${n}`).toString('base64')}?=`,
    'Date: Fri, 27 Nov 2026 10:15:00 +0800',
    `Message-ID: <bench-${n}@mail.example.tw>`,
    'MIME-Version: 1.0',
  ];
  if (!big) {
    return Buffer.from(
      [...head, 'Content-Type: text/plain; charset=UTF-8', 'Content-Transfer-Encoding: base64', '', text, ''].join(
        '\r\n',
      ),
    );
  }
  const attachment = Buffer.alloc(10 * 1024 * 1024, i % 251)
    .toString('base64')
    .replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    [
      ...head,
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
      `Content-Disposition: attachment; filename="scan-${n}.pdf"`,
      '',
      attachment,
      '--b--',
      '',
    ].join('\r\n'),
  );
}

/** Seeds the mailbox the way a local MDA delivers: files in Maildir/new (fast for thousands). */
function seed(dovecot: TestDovecot, count: number, bigEvery: number): { bytes: number; big: number } {
  const maildir = path.join(dovecot.dir, 'mail', dovecot.users[0]?.user ?? '', 'Maildir');
  const owner = fs.statSync(path.join(dovecot.dir, 'mail'));
  for (const sub of ['new', 'cur', 'tmp']) {
    fs.mkdirSync(path.join(maildir, sub), { recursive: true });
    fs.chownSync(path.join(maildir, sub), owner.uid, owner.gid);
  }
  fs.chownSync(maildir, owner.uid, owner.gid);
  let bytes = 0;
  let big = 0;
  for (let i = 1; i <= count; i++) {
    const isBig = i % bigEvery === 0;
    const data = mail(i, isBig);
    if (isBig) big++;
    bytes += data.length;
    const file = path.join(maildir, 'new', `${1_700_000_000 + i}.M${i}P1.bench`);
    fs.writeFileSync(file, data);
    fs.chownSync(file, owner.uid, owner.gid);
  }
  return { bytes, big };
}

function rssSampler(): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss);
    },
  };
}

async function rawFetchAndParse(dovecot: TestDovecot): Promise<number> {
  const client = new ImapFlow(dovecot.imapOptions());
  client.on('error', () => undefined);
  await client.connect();
  let count = 0;
  const lock = await client.getMailboxLock('INBOX');
  try {
    for await (const msg of client.fetch('1:*', { uid: true, source: true })) {
      if (msg.source) await simpleParser(msg.source);
      count++;
    }
  } finally {
    lock.release();
    await client.logout();
  }
  return count;
}

/** Runs the benchmark on SQLite (the default store) and on Redis. */
export async function run(
  options: { quick?: boolean; print?: boolean; stores?: Array<'sqlite' | 'redis'> } = {},
): Promise<EmailBenchResult[]> {
  const stores = options.stores ?? ['sqlite', 'redis'];
  const results: EmailBenchResult[] = [];
  if (stores.includes('sqlite')) results.push(await runOn('sqlite', options));
  if (stores.includes('redis')) {
    const redis = await startRedis();
    try {
      results.push(await runOn('redis', options, redis.url));
    } finally {
      await redis.stop();
    }
  }
  if (options.print !== false) console.log(JSON.stringify(results, null, 2));
  return results;
}

async function runOn(
  kind: 'sqlite' | 'redis',
  options: { quick?: boolean },
  redisUrl?: string,
): Promise<EmailBenchResult> {
  const count = options.quick ? 500 : 5000;
  const bigEvery = options.quick ? 170 : 250;
  const dovecot = await startDovecot();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-email-bench-'));
  try {
    const seeded = seed(dovecot, count, bigEvery);
    global.gc?.();

    // Baseline: the same mails, fetched and parsed with nothing else.
    let sampler = rssSampler();
    let t0 = performance.now();
    const rawCount = await rawFetchAndParse(dovecot);
    const rawS = (performance.now() - t0) / 1000;
    const rawPeak = sampler.stop();
    if (rawCount !== count) throw new Error(`raw fetch saw ${rawCount} of ${count} mails`);
    global.gc?.();

    const log = createLogger({ level: process.env.KEFU_BENCH_LOG ?? 'silent' });
    const store =
      kind === 'redis' && redisUrl
        ? await openRedisStore({ url: redisUrl, keyPrefix: `bench-email-${Date.now()}:`, log })
        : await openSqliteStore({ file: path.join(dir, 'kefu.sqlite'), log });
    const calendar = sampleCalendar('24h');
    const tickets = createTicketService({
      store,
      clock: systemClock,
      sla: createSlaPolicy(calendar, DEFAULT_SLA_MINUTES),
    });
    const timers = new TimerRunner({ store, clock: systemClock, log });
    // Every mail is acknowledged (queued in the outbox); the breaker is not what is measured.
    const config = emailEnv(dovecot, undefined, { IMAP_CHECK_INTERVAL_S: '1', EMAIL_ACK_MAX_PER_HOUR: '1000000' });
    sampler = rssSampler();
    const profile = await startCpuProfile(kind);
    const elu = performance.eventLoopUtilization();
    t0 = performance.now();
    const channel = startEmailChannel({
      config,
      store,
      tickets,
      calendar,
      clock: systemClock,
      log,
      health: new HealthRegistry(),
      timers,
      dataDir: path.join(dir, 'mail'),
    });
    const startedAt = Date.now();
    for (;;) {
      await new Promise((r) => setTimeout(r, 50));
      // Cheap in-memory signal first; the store is only asked once the poller says it is done.
      const s = channel.pollerState();
      if (!s?.lastSuccessAt || s.lastSuccessAt < startedAt || s.backlog !== 0) continue;
      const filed = await store.records.count(LEDGER_COLLECTION, { name: 'state', value: 'filed' });
      if (filed >= count) break;
    }
    const kefuS = (performance.now() - t0) / 1000;
    const kefuPeak = sampler.stop();
    const busy = performance.eventLoopUtilization(elu).utilization;
    await profile.stop();
    const ticketCount = await store.records.count('tickets');
    const acksQueued = await channel.outbox.pendingCount();
    await channel.stop();
    await store.close();

    const mb = (b: number) => Math.round(b / 1048576);
    const result: EmailBenchResult = {
      store: kind,
      mails: count,
      bigMails: seeded.big,
      totalMb: mb(seeded.bytes),
      raw: { seconds: round(rawS), mailsPerS: Math.round(count / rawS), peakRssMb: mb(rawPeak) },
      kefu: {
        seconds: round(kefuS),
        mailsPerS: Math.round(count / kefuS),
        peakRssMb: mb(kefuPeak),
        tickets: ticketCount,
        acksQueued,
        eventLoopBusy: round(busy),
      },
      ratio: round(rawS / kefuS),
    };
    return result;
  } finally {
    await dovecot.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * With KEFU_BENCH_CPU_PROFILE=<folder>, a V8 CPU profile of the ingestion phase alone (not the
 * seeding or the raw baseline) is written there as email-<store>.cpuprofile, for Chrome DevTools.
 */
async function startCpuProfile(kind: string): Promise<{ stop(): Promise<void> }> {
  const dir = process.env.KEFU_BENCH_CPU_PROFILE;
  if (!dir) return { stop: async () => undefined };
  const session = new inspector.Session();
  session.connect();
  const post = (method: string) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, (err, result) => (err ? reject(err) : resolve(result))),
    );
  await post('Profiler.enable');
  await post('Profiler.start');
  return {
    async stop() {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `email-${kind}.cpuprofile`), JSON.stringify(profile));
      session.disconnect();
    },
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

if (require.main === module) {
  const only = process.argv.find((a) => a.startsWith('--store='))?.slice('--store='.length);
  run({
    quick: process.argv.includes('--quick'),
    ...(only === 'sqlite' || only === 'redis' ? { stores: [only] } : {}),
  }).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
