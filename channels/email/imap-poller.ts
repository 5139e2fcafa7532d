/**
 * The IMAP poller (imapflow 2): watches one mailbox and feeds each message through the ingest
 * use case. The only file that imports imapflow.
 *
 * Guarantees (reliability-lessons.md, "IMAP connections die quietly"):
 * - A fresh ImapFlow client per connection (a closed one cannot be reused), with an `error`
 *   listener always attached, so a dropped connection never kills the process.
 * - New mail is noticed by IDLE (`exists` events) AND by a full check every check interval;
 *   a NOOP heartbeat and a time limit on every IMAP step catch a connection that died
 *   silently. Any failure closes the client and reconnects with exponential backoff.
 * - The mailbox lock is always released in `finally`.
 * - Exactly one instance polls a mailbox: a lease in the store, renewed while working and
 *   expiring if its holder dies.
 * - Size is read from IMAP metadata before any download; oversized mail is never downloaded
 *   (only its headers). Sources are fetched in chunks bounded by bytes, so memory does not
 *   grow with the mailbox (at most two chunks in memory: the next one is fetched while one is
 *   ingested). Ledger entries are begun several at a time (copies sharing a Message-ID in UID
 *   order); within a chunk, different senders are ingested concurrently, one sender's
 *   messages in UID order, and chunks one after the other. Messages are flagged \Seen and
 *   moved out of the mailbox last, in batches (up to MOVE_BATCH_COUNT, after MOVE_BATCH_MS,
 *   and at the end of each check), after the ledger says they became tickets (a crash before
 *   the move means they are seen again and the ledger files them); nothing is ever deleted.
 * - UIDVALIDITY is read at every check and is part of every ledger key.
 */
import { randomBytes } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import type { Clock } from '../../app/clock';
import type { Logger } from '../../app/logger';
import type { Store } from '../../storage/port';
import type { Ingest, MailLocation } from './ingest';

export interface MailboxSettings {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  password?: string;
  accessToken?: string;
  mailbox: string;
  processedFolder: string;
  quarantineFolder: string;
  /** Tests against a plain-text Dovecot. */
  disableStartTls?: boolean;
}

export interface PollerOptions {
  settings: MailboxSettings;
  ingest: Ingest;
  store: Pick<Store, 'leases'>;
  clock: Clock;
  log: Logger;
  /** Largest message downloaded, bytes (EMAIL_MAX_BYTES). */
  maxBytes: number;
  checkIntervalMs: number;
  heartbeatMs?: number;
  /** This instance's name for the lease (default: random per process). */
  instanceId?: string;
  leaseTtlMs?: number;
  backoff?: { initialMs: number; maxMs: number };
  /** Bytes of message sources fetched per round trip. */
  chunkBytes?: number;
  /** Messages of different senders ingested at once (store round trips overlap). Default 16. */
  concurrency?: number;
  /** Longest any single IMAP step may take before the connection is considered dead. */
  stepTimeoutMs?: number;
  /** Test hook, called at 'fetched' and 'moved'. */
  stageHook?: (stage: string) => void;
}

export interface PollerState {
  account: string;
  mailbox: string;
  role: 'starting' | 'active' | 'standby' | 'stopped';
  connected: boolean;
  lastCheckAt?: number;
  lastSuccessAt?: number;
  backlog: number;
  uidValidity?: string;
  reconnects: number;
  lastError?: string;
}

/** Most messages per metadata group and per source fetch (flag + move go by MOVE_BATCH_COUNT). */
const CHUNK_COUNT = 400;
/** Filed messages are flagged + moved once this many wait (or at the end of a check)… */
const MOVE_BATCH_COUNT = 1000;
/** … or once the oldest has waited this long (ms). */
const MOVE_BATCH_MS = 5000;
/** Messages (of different senders) in flight at once by default. */
const DEFAULT_CONCURRENCY = 32;

export class ImapPoller {
  private stopped = false;
  private running: Promise<void> | undefined;
  private client: ImapFlow | undefined;
  private readonly waiters = new Set<{ wakeable: boolean; done: () => void }>();
  private wakePending = false;
  private readonly s: PollerState;
  private readonly instanceId: string;
  private readonly leaseName: string;
  private readonly heartbeatMs: number;
  private readonly leaseTtlMs: number;
  private readonly stepTimeoutMs: number;
  private readonly backoff: { initialMs: number; maxMs: number };
  private readonly concurrency: number;

  constructor(private readonly o: PollerOptions) {
    const { settings } = o;
    this.s = {
      account: settings.user,
      mailbox: settings.mailbox,
      role: 'starting',
      connected: false,
      backlog: 0,
      reconnects: 0,
    };
    this.instanceId = o.instanceId ?? `poller-${process.pid}-${randomBytes(4).toString('hex')}`;
    this.leaseName = `email-poll:${settings.user}/${settings.mailbox}`;
    this.heartbeatMs = o.heartbeatMs ?? Math.max(1000, Math.min(o.checkIntervalMs, 60_000));
    this.leaseTtlMs = o.leaseTtlMs ?? Math.max(30_000, o.checkIntervalMs * 3);
    this.stepTimeoutMs = o.stepTimeoutMs ?? 120_000;
    this.backoff = o.backoff ?? { initialMs: 1000, maxMs: 60_000 };
    this.concurrency = o.concurrency ?? DEFAULT_CONCURRENCY;
  }

  start(): void {
    if (this.running || this.stopped) return;
    this.running = this.run().catch((err) => {
      this.o.log.error({ err }, 'email poller: loop ended unexpectedly');
    });
  }

  /** Asks for a check now (new mail announced elsewhere, tests). */
  wake(): void {
    this.wakePending = true;
    for (const w of [...this.waiters]) if (w.wakeable || this.stopped) w.done();
  }

  state(): PollerState {
    return { ...this.s };
  }

  /** Stops polling: finishes the message in hand, logs out, releases the lease. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    const grace = setTimeout(() => this.client?.close(), 5000);
    await this.running;
    clearTimeout(grace);
    this.s.role = 'stopped';
  }

  private async run(): Promise<void> {
    const { log } = this.o;
    let delay = this.backoff.initialMs;
    while (!this.stopped) {
      if (!(await this.holdLease())) {
        this.s.role = 'standby';
        await this.sleep(Math.min(this.o.checkIntervalMs, this.leaseTtlMs / 2));
        continue;
      }
      this.s.role = 'active';
      const ok = await this.session();
      if (this.stopped) break;
      if (ok) delay = this.backoff.initialMs;
      this.s.reconnects++;
      const wait = delay + Math.floor(Math.random() * (delay / 4));
      log.info({ mailbox: this.s.mailbox, retryInMs: wait }, 'email poller: reconnecting');
      await this.sleep(wait);
      delay = Math.min(this.backoff.maxMs, delay * 2);
    }
    await this.o.store.leases.release(this.leaseName, this.instanceId).catch(() => false);
  }

  /** One connection, from connect to close. Returns whether it got connected at all. */
  private async session(): Promise<boolean> {
    const { settings, log } = this.o;
    let closed = false;
    let connected = false;
    const client = new ImapFlow({
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      ...(settings.disableStartTls ? { doSTARTTLS: false } : {}),
      auth: settings.accessToken
        ? { user: settings.user, accessToken: settings.accessToken }
        : { user: settings.user, pass: settings.password ?? '' },
      logger: false,
      maxIdleTime: Math.max(1000, this.o.checkIntervalMs),
    });
    this.client = client;
    client.on('error', (err: Error) => {
      this.s.lastError = err.message;
      log.warn({ err: { message: err.message }, mailbox: settings.mailbox }, 'email poller: IMAP connection error');
    });
    client.on('close', () => {
      closed = true;
      this.s.connected = false;
      this.wake();
    });
    client.on('exists', () => this.wake());
    try {
      await this.step(client.connect(), 'connect');
      connected = true;
      this.s.connected = true;
      this.s.lastError = undefined;
      await this.ensureFolder(client, settings.processedFolder);
      await this.ensureFolder(client, settings.quarantineFolder);
      let lastBeat = Date.now();
      let lastCheck = 0;
      while (!this.stopped && !closed) {
        if (this.wakePending || Date.now() - lastCheck >= this.o.checkIntervalMs) {
          this.wakePending = false;
          await this.checkOnce(client);
          lastCheck = Date.now();
        }
        const untilCheck = this.o.checkIntervalMs - (Date.now() - lastCheck);
        const untilBeat = this.heartbeatMs - (Date.now() - lastBeat);
        await this.sleep(Math.max(50, Math.min(untilCheck, untilBeat)), true);
        if (this.stopped || closed) break;
        if (!(await this.holdLease())) {
          log.warn({ mailbox: settings.mailbox }, 'email poller: lost the mailbox lease; another instance polls now');
          break;
        }
        if (Date.now() - lastBeat >= this.heartbeatMs) {
          await this.step(client.noop(), 'noop');
          lastBeat = Date.now();
        }
      }
    } catch (err) {
      this.s.lastError = (err as Error).message;
      log.warn({ err: { message: (err as Error).message }, mailbox: settings.mailbox }, 'email poller: session ended');
    } finally {
      this.s.connected = false;
      this.client = undefined;
      if (!closed) {
        await Promise.race([client.logout().catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
      }
      try {
        client.close();
      } catch {
        // already closed
      }
    }
    return connected;
  }

  private async checkOnce(client: ImapFlow): Promise<void> {
    const { settings, ingest, maxBytes } = this.o;
    this.s.lastCheckAt = this.o.clock.now();
    const checkStart = Date.now();
    // A selection can outlive a deleted and re-created mailbox without any notification (and
    // Dovecot answers STATUS of the selected mailbox from that stale view), so each check
    // selects the mailbox afresh: briefly selecting the processed folder read-only deselects
    // it without the expunge a CLOSE would do.
    if (client.mailbox && client.mailbox.path === settings.mailbox) {
      const away = await this.step(client.getMailboxLock(settings.processedFolder, { readOnly: true }), 'reselect');
      away.release();
    }
    const lock = await this.step(client.getMailboxLock(settings.mailbox), 'lock');
    try {
      const mb = client.mailbox;
      if (!mb) throw new Error('mailbox not selected');
      const uidValidity = String(mb.uidValidity);
      if (this.s.uidValidity && this.s.uidValidity !== uidValidity) {
        this.o.log.warn(
          { mailbox: settings.mailbox, from: this.s.uidValidity, to: uidValidity },
          'email poller: UIDVALIDITY changed',
        );
      }
      this.s.uidValidity = uidValidity;
      const loc = (uid: number): MailLocation => ({
        account: settings.user,
        mailbox: settings.mailbox,
        uidValidity,
        uid,
      });
      if (mb.exists === 0) {
        this.s.backlog = 0;
        this.s.lastSuccessAt = this.o.clock.now();
        return;
      }
      // The UIDs first; then, a group at a time, each message's size and Message-ID (no body),
      // so that reading them overlaps the ingestion of the group before.
      const uids = await this.step(client.search({ all: true }, { uid: true }), 'search');
      const allUids = (uids || []).sort((a, b) => a - b);
      this.s.backlog = allUids.length;
      type Meta = { uid: number; size: number; messageId?: string; from: string };
      const metadata = async (group: number[]): Promise<Meta[]> => {
        const metas: Meta[] = [];
        await this.step(
          (async () => {
            for await (const m of client.fetch(
              uidSet(group),
              { uid: true, size: true, envelope: true },
              { uid: true },
            )) {
              metas.push({
                uid: m.uid,
                size: m.size ?? 0,
                messageId: m.envelope?.messageId || undefined,
                from: m.envelope?.from?.[0]?.address?.toLowerCase() ?? '',
              });
            }
          })(),
          'fetch metadata',
        );
        return metas.sort((a, b) => a.uid - b.uid);
      };

      const timing = { metadataMs: Date.now() - checkStart, beginMs: 0, fetchMs: 0, ingestMs: 0, moveMs: 0 };
      let mark = Date.now();
      const lap = (k: 'metadataMs' | 'beginMs' | 'fetchMs' | 'ingestMs' | 'moveMs') => {
        timing[k] += Date.now() - mark;
        mark = Date.now();
      };
      // Ledger entries are written a chunk at a time, one commit each, just before the chunk is
      // fetched (so that work overlaps the ingestion of the chunk before), in UID order: of
      // messages that share a Message-ID the lowest UID claims it and the later copies are the
      // duplicates. Only messages the ledger says to download are fetched.
      const begin = async (batch: Meta[]): Promise<Meta[]> => {
        const ds = await ingest.beginMany(
          batch.map((m) => ({ loc: loc(m.uid), size: m.size, ...(m.messageId ? { messageId: m.messageId } : {}) })),
        );
        const download: Meta[] = [];
        const file: number[] = [];
        const quarantine: number[] = [];
        for (const [i, m] of batch.entries()) {
          const d = ds[i];
          if (d === 'download') download.push(m);
          else if (d === 'file') file.push(m.uid);
          else if (d === 'quarantine') quarantine.push(m.uid);
        }
        park(file, quarantine);
        lap('beginMs');
        return download;
      };
      // Filed and quarantined messages wait here and are flagged + moved in large batches: a
      // MOVE costs Dovecot about the same whatever its size (it rewrites the mailbox index),
      // so moving 200 at a time was most of the time spent on a 5,000-mail mailbox. Waiting
      // costs nothing in safety: until moved, a message is seen again and the ledger files it.
      const parked = { file: [] as number[], quarantine: [] as number[], since: 0 };
      const park = (fileUids: number[], quarantineUids: number[]) => {
        if (parked.file.length + parked.quarantine.length === 0) parked.since = Date.now();
        parked.file.push(...fileUids);
        parked.quarantine.push(...quarantineUids);
      };
      const flush = async (force: boolean) => {
        const n = parked.file.length + parked.quarantine.length;
        if (n === 0 || (!force && n < MOVE_BATCH_COUNT && Date.now() - parked.since < MOVE_BATCH_MS)) return;
        const fileUids = parked.file.sort((a, b) => a - b);
        const quarantineUids = parked.quarantine.sort((a, b) => a - b);
        parked.file = [];
        parked.quarantine = [];
        await this.moveOut(client, fileUids, quarantineUids, loc);
        lap('moveMs');
      };

      // Two stages overlap: while one chunk is ingested (store work), the next one is fetched
      // and filed messages are moved (IMAP work). Chunks are still ingested one after the
      // other — within a chunk one sender's messages in UID order (a reply must see the ticket
      // its earlier mail opened), different senders side by side — so that order holds across
      // chunks too. At most two byte-bounded chunks of sources are in memory.
      // Ingestion overlaps the IMAP work and flows across chunk boundaries: a chunk starts as
      // soon as it is fetched, while the one before may still be finishing (its 10 MB mail, say),
      // within one limit on messages in flight. One sender's messages still go one after the
      // other in UID order, across chunks too (a reply must see the ticket its earlier mail
      // opened); a message whose sender's earlier one failed is not started. Before a chunk is
      // fetched, the chunk two back must be done, so at most two chunks of sources are held.
      const slots = limiter(this.concurrency);
      /** Over the size limit: only their headers are fetched, after the rest. */
      const oversized: Meta[] = [];
      const senderTails = new Map<string, Promise<void>>();
      const inFlight: Array<Promise<void>> = [];
      let ingestError: unknown;
      const ingestChunk = (chunk: Meta[], sources: Map<number, Buffer>): Promise<void> => {
        const done: number[] = [];
        const bad: number[] = [];
        const tasks = chunk
          .filter((m) => sources.has(m.uid))
          .map((m) => {
            const sender = m.from || `uid:${m.uid}`;
            const task = (senderTails.get(sender) ?? Promise.resolve()).then(() =>
              slots(async () => {
                const source = sources.get(m.uid);
                sources.delete(m.uid);
                if (!source || this.stopped) return;
                const d = await ingest.process(loc(m.uid), source);
                if (d === 'file') done.push(m.uid);
                else if (d === 'quarantine') bad.push(m.uid);
              }),
            );
            senderTails.set(sender, task);
            void task.then(
              () => senderTails.get(sender) === task && senderTails.delete(sender),
              () => undefined,
            );
            return task;
          });
        return Promise.all(tasks).then(
          () => park(done, bad),
          (err: unknown) => {
            // What did finish is filed; the rest is seen again at the next check.
            park(done, bad);
            ingestError ??= err;
          },
        );
      };
      /** Waits for the chunks before `keep` last ones; a failure ends the check like any other. */
      const settle = async (keep: number): Promise<void> => {
        while (inFlight.length > keep) await inFlight.shift();
        lap('ingestMs');
        if (ingestError !== undefined) throw ingestError;
      };
      try {
        for (let g = 0; g < allUids.length && !this.stopped; g += CHUNK_COUNT) {
          const metas = await metadata(allUids.slice(g, g + CHUNK_COUNT));
          lap('metadataMs');
          for (const listed of chunks(metas, this.o.chunkBytes ?? 8 * 1024 * 1024)) {
            await settle(1);
            if (this.stopped) break;
            const wanted = await begin(listed);
            oversized.push(...wanted.filter((m) => m.size > maxBytes));
            const chunk = wanted.filter((m) => m.size <= maxBytes);
            if (chunk.length === 0) continue;
            const sources = new Map<number, Buffer>();
            await this.step(
              (async () => {
                for await (const msg of client.fetch(
                  uidSet(chunk.map((m) => m.uid)),
                  { uid: true, source: true },
                  { uid: true },
                )) {
                  if (msg.source) sources.set(msg.uid, msg.source);
                  this.o.stageHook?.('fetched');
                }
              })(),
              'fetch sources',
            );
            lap('fetchMs');
            inFlight.push(ingestChunk(chunk, sources));
            await flush(false);
            await this.holdLease();
          }
        }
        await settle(0);
        if (this.stopped) {
          await flush(true);
          return;
        }
      } finally {
        // Never leave a chunk being ingested behind: the next session would process the same
        // ledger entries alongside it.
        await Promise.all(inFlight);
      }
      for (const m of oversized) {
        if (this.stopped) break;
        const msg = await this.step(
          client.fetchOne(String(m.uid), { uid: true, headers: true }, { uid: true }),
          'fetch headers',
        );
        if (msg === false || !msg.headers) continue;
        const d = await ingest.process(loc(m.uid), msg.headers, { oversized: true });
        park(d === 'file' ? [m.uid] : [], d === 'quarantine' ? [m.uid] : []);
      }
      await flush(true);
      if (this.stopped) return;
      this.s.lastSuccessAt = this.o.clock.now();
      if (allUids.length > 0) {
        this.o.log.debug(
          { mailbox: settings.mailbox, messages: allUids.length, ...timing },
          'email poller: check done',
        );
      }
    } finally {
      lock.release();
    }
  }

  /** Flags and moves messages out of the watched mailbox — the last step, after the ledger. */
  private async moveOut(
    client: ImapFlow,
    file: number[],
    quarantine: number[],
    loc: (uid: number) => MailLocation,
  ): Promise<void> {
    const { settings, ingest } = this.o;
    for (const [uids, folder] of [
      [file, settings.processedFolder],
      [quarantine, settings.quarantineFolder],
    ] as const) {
      if (uids.length === 0) continue;
      const range = uidSet(uids);
      await this.step(client.messageFlagsAdd(range, ['\\Seen'], { uid: true, silent: true }), 'flag');
      await this.step(client.messageMove(range, folder, { uid: true }), 'move');
      this.o.stageHook?.('moved');
      await ingest.filedMany(uids.map(loc));
      this.s.backlog = Math.max(0, this.s.backlog - uids.length);
    }
  }

  private async ensureFolder(client: ImapFlow, folder: string): Promise<void> {
    const st = await this.step(
      client.status(folder, { messages: true }).catch(() => false as const),
      'status',
    );
    if (st) return;
    try {
      await this.step(client.mailboxCreate(folder), 'create folder');
    } catch (err) {
      // Another instance may have created it meanwhile; a real failure shows at the move.
      this.o.log.debug({ err: { message: (err as Error).message }, folder }, 'email poller: could not create folder');
    }
  }

  private async holdLease(): Promise<boolean> {
    try {
      return await this.o.store.leases.acquire(this.leaseName, this.instanceId, this.leaseTtlMs, this.o.clock.now());
    } catch (err) {
      this.s.lastError = `lease: ${(err as Error).message}`;
      return false;
    }
  }

  /** Bounds one IMAP step in time: a silently dead connection must not hang the poller. */
  private step<T>(promise: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.client?.close();
        reject(new Error(`IMAP ${what} took longer than ${this.stepTimeoutMs} ms`));
      }, this.stepTimeoutMs);
    });
    return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
  }

  /**
   * Waits `ms`. A wakeable wait (between checks) ends early on new mail; any wait ends on
   * stop. Backoff and standby waits are not wakeable, so a flapping connection cannot spin.
   */
  private sleep(ms: number, wakeable = false): Promise<void> {
    if (this.stopped || (wakeable && this.wakePending)) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = { wakeable, done: (): void => undefined };
      const timer = setTimeout(() => waiter.done(), ms);
      waiter.done = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve();
      };
      this.waiters.add(waiter);
    });
  }
}

/** An IMAP sequence set of sorted UIDs, runs written as ranges ("3:7,9,12:20"). */
function uidSet(uids: readonly number[]): string {
  const parts: string[] = [];
  let start = uids[0] ?? 0;
  let prev = start;
  for (let i = 1; i <= uids.length; i++) {
    const uid = uids[i];
    if (uid !== undefined && uid === prev + 1) {
      prev = uid;
      continue;
    }
    parts.push(start === prev ? String(start) : `${start}:${prev}`);
    if (uid !== undefined) {
      start = uid;
      prev = uid;
    }
  }
  return parts.join(',');
}

/** Runs `fn` over `items` with at most `limit` running at once. */
/** Runs at most `limit` of the functions given to it at once, the others in the order given. */
function limiter(limit: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (fn) => {
    // A finishing function hands its slot straight to the first waiter (no count in between).
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

/** Groups messages so that one round trip fetches at most `maxBytes` (or CHUNK_COUNT messages). */
function* chunks<T extends { size: number }>(items: T[], maxBytes: number): Generator<T[]> {
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    if (current.length > 0 && (bytes + item.size > maxBytes || current.length >= CHUNK_COUNT)) {
      yield current;
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.size;
  }
  if (current.length > 0) yield current;
}
