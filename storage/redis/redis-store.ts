/**
 * The Redis adapter of the storage port, for several app instances sharing one Redis.
 *
 * Why it exists: with REDIS_URL set, every durable thing of Kefu lives in Redis so that any
 * instance behind the load balancer sees the same state. What it guarantees (see
 * `storage/port.ts`, checked by `test/storage/conformance.ts`):
 * - Every multi-key atomic step (eTag/version compare-and-set, timer claims, assignment) is one
 *   Lua script from `storage/redis/scripts/`, so it is atomic across all clients. Capacity is
 *   checked inside the assignment scripts.
 * - A unit of work (`commit`) is one run of `commit-n.lua`: every precondition is checked before
 *   anything is written, so a refused commit leaves no trace. The single record create/replace,
 *   stream append and timer schedule/cancel/complete are commits of one write, so each of those
 *   writes exists once, in that script.
 * - Key names come only from `keys.ts`; negative script codes are mapped in `codes.ts`.
 * - A dropped connection never kills the process: every client has an `error` listener and
 *   reconnects with capped exponential backoff. While Redis is unreachable, calls fail fast with
 *   ERR_STORE_UNAVAILABLE (no offline queue, so nothing hangs) and `health()` says ok: false.
 *   After Redis comes back (even without its script cache) calls work again: scripts are
 *   re-registered on reconnect and EVALSHA falls back to EVAL on NOSCRIPT.
 * - Pub/sub runs on its own connection (`duplicate()`); node-redis re-subscribes after a
 *   reconnect. The bus is at-most-once, as the port says.
 * - Times are the caller's `now` (leases, timers, assignment); only kv TTLs use Redis' clock.
 */
import { randomUUID } from 'node:crypto';
import { createClient, ErrorReply } from 'redis';
import { isKefuError, KefuError } from '../../app/errors';
import type { Logger } from '../../app/logger';
import type {
  AgentSlot,
  Assignment,
  AssignmentStore,
  BotStateStorage,
  Bus,
  Json,
  KeyValueStore,
  LeaseStore,
  QueueStore,
  RecordIndexes,
  RecordStore,
  Store,
  StoreHealth,
  StoreItem,
  StoreWrite,
  StoreWriteResult,
  StreamStore,
  TimerRecord,
  TimerStore,
  VersionedRecord,
} from '../port';
import { isScriptCode, scriptFailure } from './codes';
import { agentItemPrefix, indexMember, indexMemberPrefix, type RedisKeys, redisKeys } from './keys';
import { ScriptRunner } from './script-loader';
import { assertDistinctTargets } from '../write-targets';

/** How long opening may wait for Redis before start-up fails. */
const OPEN_TIMEOUT_MS = 10_000;
/** How long `health()` waits for PING. */
const HEALTH_TIMEOUT_MS = 2_000;
/** Reconnect backoff: first delay, cap. */
const RECONNECT_BASE_MS = 50;
const RECONNECT_MAX_MS = 3_000;
/** Default and maximum page of `streams.range`. */
const STREAM_RANGE_DEFAULT = 1000;
/** A lexicographic upper bound above every member that starts with a given prefix (0xFF never occurs in UTF-8). */
const LEX_TOP = Buffer.from([0xff]);

export interface RedisStoreOptions {
  /** redis://[user:password@]host:port[/db] */
  url: string;
  /** Prefix of every key (for example `kefu:`), so deployments and tests can share one Redis. */
  keyPrefix: string;
  log: Logger;
  /** How long opening waits for Redis before failing (default 10 s). */
  openTimeoutMs?: number;
}

type Client = ReturnType<typeof createClient>;

/** The URL without user name and password, for health reports and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return 'redis (unparseable URL)';
  }
}

/** Capped exponential backoff with jitter; never gives up (the process must outlive an outage). */
function reconnectDelay(retries: number): number {
  return Math.min(RECONNECT_BASE_MS * 2 ** Math.min(retries, 16), RECONNECT_MAX_MS) + Math.floor(Math.random() * 50);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Builds the set of index members of a record (undefined values are not indexed). */
function membersOf(id: string, indexes: RecordIndexes | undefined): string[] {
  const members: string[] = [];
  for (const [name, value] of Object.entries(indexes ?? {})) {
    if (value !== undefined) members.push(indexMember(name, value, id));
  }
  return members;
}

/** What a write names, for the context of its error. */
function describeWrite(write: StoreWrite): Record<string, unknown> {
  switch (write.kind) {
    case 'record.create':
      return { kind: write.kind, collection: write.collection, id: write.id };
    case 'record.replace':
      return { kind: write.kind, collection: write.collection, id: write.id, expectedVersion: write.expectedVersion };
    case 'stream.append':
      return { kind: write.kind, stream: write.stream };
    case 'timer.schedule':
      return { kind: write.kind, timerId: write.timer.id };
    case 'timer.cancel':
      return { kind: write.kind, timerId: write.id };
  }
}

/** The port's result of one write from the script's integer for it (see commit-n.lua). */
function resultOf(write: StoreWrite, reply: number): StoreWriteResult {
  switch (write.kind) {
    case 'record.create':
      return reply === 1
        ? { kind: write.kind, created: true, version: 1 }
        : { kind: write.kind, created: false, version: 0 };
    case 'record.replace':
      return { kind: write.kind, version: reply };
    case 'stream.append':
      return { kind: write.kind, seq: reply };
    case 'timer.schedule':
      return { kind: write.kind };
    case 'timer.cancel':
      return { kind: write.kind, existed: reply === 1 };
  }
}

function parseJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

/**
 * Opens the Redis store: connects the command and pub/sub clients and registers the scripts.
 * @throws ERR_STORE_UNAVAILABLE when Redis cannot be reached within `openTimeoutMs` (10 s).
 */
export async function openRedisStore(options: RedisStoreOptions): Promise<Store> {
  const location = redactRedisUrl(options.url);
  const log = options.log.child({ component: 'redis-store', location });
  const keys = redisKeys(options.keyPrefix);

  const attachLogging = (client: Client, role: string): void => {
    let reported = false;
    client.on('error', (err: Error) => {
      // Logged once per outage: node-redis emits an error on every failed reconnect attempt.
      if (!reported) log.warn({ err: err.message, role }, 'Redis connection error; reconnecting');
      reported = true;
    });
    client.on('ready', () => {
      if (reported) log.info({ role }, 'Redis connection restored');
      reported = false;
    });
  };

  const client: Client = createClient({
    url: options.url,
    disableOfflineQueue: true,
    socket: { reconnectStrategy: reconnectDelay, connectTimeout: 5_000 },
  });
  attachLogging(client, 'commands');
  const subscriber: Client = client.duplicate();
  attachLogging(subscriber, 'pubsub');

  const scripts = new ScriptRunner(client);
  try {
    await withTimeout(
      Promise.all([client.connect(), subscriber.connect()]),
      options.openTimeoutMs ?? OPEN_TIMEOUT_MS,
      'connecting to Redis',
    );
    await scripts.loadAll();
  } catch (err) {
    client.destroy();
    subscriber.destroy();
    throw new KefuError(
      'ERR_STORE_UNAVAILABLE',
      `cannot open the Redis store at ${location}`,
      { location },
      { cause: err },
    );
  }
  // After a reconnect the server may be a fresh one without our scripts: register them again.
  client.on('ready', () => {
    scripts.loadAll().catch((err: unknown) => log.warn({ err: String(err) }, 'reloading Redis scripts failed'));
  });

  return new RedisStore(client, subscriber, scripts, keys, location, log);
}

class RedisStore implements Store {
  readonly kind = 'redis' as const;
  readonly botState: BotStateStorage;
  readonly records: RecordStore;
  readonly streams: StreamStore;
  readonly kv: KeyValueStore;
  readonly timers: TimerStore;
  readonly queues: QueueStore;
  readonly leases: LeaseStore;
  readonly assignment: AssignmentStore;
  readonly bus: Bus;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly client: Client,
    private readonly subscriber: Client,
    private readonly scripts: ScriptRunner,
    private readonly keys: RedisKeys,
    private readonly location: string,
    private readonly log: Logger,
  ) {
    this.botState = this.makeBotState();
    this.records = this.makeRecords();
    this.streams = this.makeStreams();
    this.kv = this.makeKv();
    this.timers = this.makeTimers();
    this.queues = this.makeQueues();
    this.leases = this.makeLeases();
    this.assignment = this.makeAssignment();
    this.bus = this.makeBus();
  }

  /**
   * Runs one store operation, translating driver failures into KefuErrors.
   * @throws ERR_STORE_UNAVAILABLE when closed or Redis is unreachable; ERR_STORE_SCRIPT when
   *   Redis rejects a command; KefuErrors from the operation as they are.
   */
  private async op<T>(name: string, fn: () => Promise<T>): Promise<T> {
    if (this.closing) {
      throw new KefuError('ERR_STORE_UNAVAILABLE', 'the Redis store is closed', { op: name });
    }
    try {
      return await fn();
    } catch (err) {
      if (isKefuError(err)) throw err;
      if (err instanceof ErrorReply) {
        throw new KefuError('ERR_STORE_SCRIPT', `Redis rejected ${name}: ${err.message}`, { op: name }, { cause: err });
      }
      throw new KefuError(
        'ERR_STORE_UNAVAILABLE',
        `Redis is unreachable (${name}): ${err instanceof Error ? err.message : String(err)}`,
        { op: name, location: this.location },
        { cause: err },
      );
    }
  }

  private run(script: string, keys: string[], args: Array<string | number>): Promise<unknown> {
    return this.scripts.run(script, keys, args);
  }

  // -------------------------------------------------------------------------------------------
  /**
   * Applies the writes as one atomic step (see UnitOfWorkStore).
   * @throws ERR_STORE_BAD_COMMIT when a record or timer appears twice; ERR_STORE_EXISTS,
   *   ERR_STORE_CONFLICT, ERR_STORE_NOT_FOUND when a precondition fails, with the failing write's
   *   position as `index` in the error's context.
   */
  commit(writes: StoreWrite[]): Promise<StoreWriteResult[]> {
    return this.op('commit', async () => {
      const replies = await this.applyWrites(writes);
      // applyWrites returns exactly one integer per write.
      return writes.map((write, i) => resultOf(write, replies[i] as number));
    });
  }

  /** One write as its own commit (the single operations); returns the script's integer for it. */
  private async applyOne(write: StoreWrite): Promise<number> {
    const [reply] = await this.applyWrites([write]);
    return reply as number;
  }

  /**
   * Runs `commit-n.lua` over the writes and returns its integer per write. The single
   * operations call this directly with one write, so each write kind is implemented once.
   * @throws as `commit` does.
   */
  private async applyWrites(writes: StoreWrite[]): Promise<number[]> {
    if (writes.length === 0) return [];
    assertDistinctTargets(writes);
    const keys = this.timerKeys();
    const args: string[] = [];
    for (const write of writes) {
      switch (write.kind) {
        case 'record.create':
          keys.push(...this.recordKeys(write.collection, write.id));
          args.push(
            write.kind,
            write.id,
            write.ifAbsent ? '1' : '0',
            JSON.stringify(write.value),
            JSON.stringify(membersOf(write.id, write.indexes)),
          );
          break;
        case 'record.replace':
          keys.push(...this.recordKeys(write.collection, write.id));
          args.push(
            write.kind,
            write.id,
            String(write.expectedVersion),
            JSON.stringify(write.value),
            JSON.stringify(membersOf(write.id, write.indexes)),
          );
          break;
        case 'stream.append':
          keys.push(this.keys.stream(write.stream));
          args.push(write.kind, '', '', JSON.stringify(write.value), '');
          break;
        case 'timer.schedule': {
          const { id, kind, dueAt, payload } = write.timer;
          args.push(write.kind, id, String(dueAt), JSON.stringify({ kind, dueAt, payload }), '');
          break;
        }
        case 'timer.cancel':
          args.push(write.kind, write.id, '', '', '');
          break;
      }
    }
    const reply = await this.run('commit-n', keys, args);
    if (!Array.isArray(reply)) {
      throw new KefuError('ERR_STORE_SCRIPT', 'commit-n returned no array', { writes: writes.length });
    }
    const [code, index] = reply;
    if (isScriptCode(code)) {
      const at = Number(index);
      const write = writes[at];
      scriptFailure('commit-n', code, { index: at, ...(write ? describeWrite(write) : {}) });
    }
    if (reply.length !== writes.length || !reply.every((r) => typeof r === 'number' && r >= 0)) {
      throw new KefuError('ERR_STORE_SCRIPT', 'commit-n returned an unexpected reply', { writes: writes.length });
    }
    return reply as number[];
  }

  /** The four timer structures, in the KEYS order of the timer scripts. */
  private timerKeys(): string[] {
    return [this.keys.timersPending(), this.keys.timersLeased(), this.keys.timersData(), this.keys.timersAttempts()];
  }

  /** KEYS of one record write: its hash, the collection's id set and its index set. */
  private recordKeys(collection: string, id: string): string[] {
    return [this.keys.record(collection, id), this.keys.recordIds(collection), this.keys.recordIndex(collection)];
  }

  // -------------------------------------------------------------------------------------------
  private makeBotState(): BotStateStorage {
    return {
      read: (keys) =>
        this.op('botState.read', async () => {
          const rows = await Promise.all(keys.map((key) => this.client.hmGet(this.keys.botState(key), ['e', 'd'])));
          const out: Record<string, StoreItem> = {};
          keys.forEach((key, i) => {
            const [eTag, data] = rows[i] ?? [];
            if (typeof eTag === 'string' && typeof data === 'string') {
              out[key] = { ...parseJson<Record<string, unknown>>(data), eTag };
            }
          });
          return out;
        }),
      write: (changes) =>
        this.op('botState.write', async () => {
          const entries = Object.entries(changes);
          if (entries.length === 0) return;
          const args: string[] = [];
          for (const [, item] of entries) {
            const { eTag, ...value } = item;
            args.push(eTag === undefined || eTag === '*' ? '' : eTag, randomUUID(), JSON.stringify(value));
          }
          const reply = await this.run(
            'bot-state-write-n',
            entries.map(([key]) => this.keys.botState(key)),
            args,
          );
          if (reply !== 1) scriptFailure('bot-state-write-n', Number(reply), { keys: entries.map(([k]) => k) });
        }),
      delete: (keys) =>
        this.op('botState.delete', async () => {
          if (keys.length > 0) await this.client.del(keys.map((key) => this.keys.botState(key)));
        }),
    };
  }

  // -------------------------------------------------------------------------------------------
  private makeRecords(): RecordStore {
    const fetch = async <T extends Json>(collection: string, id: string): Promise<VersionedRecord<T> | undefined> => {
      const [version, data] = await this.client.hmGet(this.keys.record(collection, id), ['v', 'd']);
      if (typeof version !== 'string' || typeof data !== 'string') return undefined;
      return { id, version: Number(version), value: parseJson<T>(data) };
    };
    const fetchMany = async <T extends Json>(collection: string, ids: string[]) =>
      Promise.all(ids.map((id) => fetch<T>(collection, id)));

    return {
      get: (collection, id) => this.op('records.get', () => fetch(collection, id)),
      getMany: (collection, ids) => this.op('records.getMany', () => fetchMany(collection, ids)),
      create: (collection, id, value, indexes) =>
        this.op('records.create', async () => {
          await this.applyOne({ kind: 'record.create', collection, id, value, indexes });
          return { id, version: 1, value };
        }),
      replace: (collection, id, expectedVersion, value, indexes) =>
        this.op('records.replace', async () => {
          const version = await this.applyOne({
            kind: 'record.replace',
            collection,
            id,
            expectedVersion,
            value,
            indexes,
          });
          return { id, version, value };
        }),
      remove: (collection, id) =>
        this.op('records.remove', async () => {
          return (await this.run('record-remove-3', this.recordKeys(collection, id), [id])) === 1;
        }),
      list: (collection, options = {}) =>
        this.op('records.list', async () => {
          const limit = options.limit === undefined ? undefined : { offset: 0, count: options.limit };
          if (limit && limit.count <= 0) return [];
          let ids: string[];
          if (options.index) {
            const prefix = indexMemberPrefix(options.index.name, options.index.value);
            const min = options.afterId === undefined ? `[${prefix}` : `(${prefix}${options.afterId}`;
            const max = Buffer.concat([Buffer.from(`(${prefix}`), LEX_TOP]);
            const members = await this.client.zRange(this.keys.recordIndex(collection), min, max, {
              BY: 'LEX',
              ...(limit ? { LIMIT: limit } : {}),
            });
            ids = members.map((m) => m.slice(prefix.length));
          } else {
            const min = options.afterId === undefined ? '-' : `(${options.afterId}`;
            ids = await this.client.zRange(this.keys.recordIds(collection), min, '+', {
              BY: 'LEX',
              ...(limit ? { LIMIT: limit } : {}),
            });
          }
          // A record removed between the two reads is skipped, never returned half-read.
          const records = await fetchMany(collection, ids);
          return records.filter((r) => r !== undefined) as Array<VersionedRecord<never>>;
        }),
      count: (collection, index) =>
        this.op('records.count', async () => {
          if (!index) return this.client.zCard(this.keys.recordIds(collection));
          const prefix = indexMemberPrefix(index.name, index.value);
          return this.client.zLexCount(
            this.keys.recordIndex(collection),
            `[${prefix}`,
            Buffer.concat([Buffer.from(`(${prefix}`), LEX_TOP]),
          );
        }),
    };
  }

  // -------------------------------------------------------------------------------------------
  private makeStreams(): StreamStore {
    return {
      append: (stream, value) =>
        this.op('streams.append', () => this.applyOne({ kind: 'stream.append', stream, value })),
      range: (stream, afterSeq = 0, limit = STREAM_RANGE_DEFAULT) =>
        this.op('streams.range', async () => {
          if (limit <= 0) return [];
          const start = Math.max(0, afterSeq);
          const items = await this.client.lRange(this.keys.stream(stream), start, start + limit - 1);
          return items.map((text, i) => ({ seq: start + i + 1, value: parseJson(text) }));
        }),
      lastSeq: (stream) => this.op('streams.lastSeq', () => this.client.lLen(this.keys.stream(stream))),
    };
  }

  // -------------------------------------------------------------------------------------------
  private makeKv(): KeyValueStore {
    return {
      get: (key) =>
        this.op('kv.get', async () => {
          const text = await this.client.get(this.keys.kv(key));
          return text === null ? undefined : parseJson(text);
        }),
      set: (key, value, ttlMs) =>
        this.op('kv.set', async () => {
          const text = JSON.stringify(value);
          if (ttlMs !== undefined)
            await this.client.set(this.keys.kv(key), text, { expiration: { type: 'PX', value: ttlMs } });
          else await this.client.set(this.keys.kv(key), text);
        }),
      setIfAbsent: (key, value, ttlMs) =>
        this.op('kv.setIfAbsent', async () => {
          const reply = await this.client.set(this.keys.kv(key), JSON.stringify(value), {
            condition: 'NX',
            ...(ttlMs !== undefined ? { expiration: { type: 'PX' as const, value: ttlMs } } : {}),
          });
          return reply === 'OK';
        }),
      delete: (key) => this.op('kv.delete', async () => (await this.client.del(this.keys.kv(key))) > 0),
      increment: (key, by = 1, ttlMs) =>
        this.op('kv.increment', async () =>
          Number(await this.run('kv-increment-1', [this.keys.kv(key)], [by, ttlMs ?? 0])),
        ),
      counters: (keys) =>
        this.op('kv.counters', async () => {
          if (keys.length === 0) return {};
          const values = await this.client.mGet(keys.map((key) => this.keys.kv(key)));
          const out: Record<string, number> = {};
          keys.forEach((key, i) => {
            const v = values[i];
            out[key] = v === null || v === undefined ? 0 : Number(v);
          });
          return out;
        }),
      nextSequence: (name) => this.op('kv.nextSequence', () => this.client.incr(this.keys.sequence(name))),
    };
  }

  // -------------------------------------------------------------------------------------------
  private makeTimers(): TimerStore {
    type TimerData = { kind: string; dueAt: number; payload: Json };
    return {
      schedule: (timer) =>
        this.op('timers.schedule', async () => {
          await this.applyOne({ kind: 'timer.schedule', timer });
        }),
      cancel: (id) => this.op('timers.cancel', async () => (await this.applyOne({ kind: 'timer.cancel', id })) === 1),
      get: <T extends Json>(id: string) =>
        this.op('timers.get', async () => {
          const [data, attempts] = await Promise.all([
            this.client.hGet(this.keys.timersData(), id),
            this.client.hGet(this.keys.timersAttempts(), id),
          ]);
          if (typeof data !== 'string') return undefined;
          const parsed = parseJson<TimerData>(data);
          const record: TimerRecord<T> = {
            id,
            kind: parsed.kind,
            dueAt: parsed.dueAt,
            payload: parsed.payload as T,
            attempts: Number(attempts ?? 0),
          };
          return record;
        }),
      claimDue: <T extends Json>(now: number, limit: number, leaseMs: number) =>
        this.op('timers.claimDue', async () => {
          const flat = (await this.run('timer-claim-4', this.timerKeys(), [
            now,
            Math.trunc(limit),
            leaseMs,
          ])) as unknown[];
          const out: Array<TimerRecord<T>> = [];
          for (let i = 0; i + 2 < flat.length; i += 3) {
            const parsed = parseJson<TimerData>(String(flat[i + 1]));
            out.push({
              id: String(flat[i]),
              kind: parsed.kind,
              dueAt: parsed.dueAt,
              payload: parsed.payload as T,
              attempts: Number(flat[i + 2]),
            });
          }
          return out;
        }),
      complete: (id) =>
        this.op('timers.complete', async () => {
          // Removing a finished timer is what cancelling does.
          await this.applyOne({ kind: 'timer.cancel', id });
        }),
      pendingCount: () => this.op('timers.pendingCount', () => this.client.zCard(this.keys.timersPending())),
    };
  }

  // -------------------------------------------------------------------------------------------
  private makeQueues(): QueueStore {
    return {
      enqueue: (queue, itemId, score) =>
        this.op('queues.enqueue', async () => {
          await this.client.zAdd(this.keys.queue(queue), { score, value: itemId }, { condition: 'NX' });
        }),
      remove: (queue, itemId) =>
        this.op('queues.remove', async () => (await this.client.zRem(this.keys.queue(queue), itemId)) > 0),
      position: (queue, itemId) =>
        this.op('queues.position', async () => {
          const rank = await this.client.zRank(this.keys.queue(queue), itemId);
          return rank === null ? undefined : rank + 1;
        }),
      list: (queue, limit) =>
        this.op('queues.list', async () => {
          if (limit !== undefined && limit <= 0) return [];
          const rows = await this.client.zRangeWithScores(
            this.keys.queue(queue),
            0,
            limit === undefined ? -1 : limit - 1,
          );
          return rows.map((r) => ({ itemId: r.value, score: r.score }));
        }),
      length: (queue) => this.op('queues.length', () => this.client.zCard(this.keys.queue(queue))),
      popOldest: (queue) =>
        this.op('queues.popOldest', async () => {
          const row = await this.client.zPopMin(this.keys.queue(queue));
          return row ? { itemId: row.value, score: row.score } : undefined;
        }),
    };
  }

  // -------------------------------------------------------------------------------------------
  private makeLeases(): LeaseStore {
    return {
      acquire: (name, owner, ttlMs, now) =>
        this.op(
          'leases.acquire',
          async () => (await this.run('lease-acquire-1', [this.keys.lease(name)], [owner, ttlMs, now])) === 1,
        ),
      release: (name, owner) =>
        this.op(
          'leases.release',
          async () => (await this.run('lease-release-1', [this.keys.lease(name)], [owner])) === 1,
        ),
      holder: (name, now) =>
        this.op('leases.holder', async () => {
          const [owner, until] = await this.client.hmGet(this.keys.lease(name), ['owner', 'until']);
          return typeof owner === 'string' && Number(until) > now ? owner : undefined;
        }),
    };
  }

  // -------------------------------------------------------------------------------------------
  private makeAssignment(): AssignmentStore {
    type AgentMeta = Pick<AgentSlot, 'status' | 'skills' | 'capacity'>;
    const slotOf = (agentId: string, meta: string, load: unknown, idle: unknown): AgentSlot => {
      const parsed = parseJson<AgentMeta>(meta);
      return {
        agentId,
        status: parsed.status,
        skills: parsed.skills,
        capacity: parsed.capacity,
        load: Number(load ?? 0),
        lastAssignedAt: Number(idle ?? 0),
      };
    };
    const agentKeys = (queue: string | undefined): string[] => [
      this.keys.agentsMeta(),
      this.keys.agentsLoad(),
      this.keys.agentsIdle(),
      this.keys.assignments(),
      this.keys.agentItems(),
      queue === undefined ? '' : this.keys.queue(queue),
    ];
    const parseAssignment = (itemId: string, text: string): Assignment => {
      const parsed = parseJson<{ agentId: string; assignedAt: number }>(text);
      return { itemId, agentId: parsed.agentId, assignedAt: parsed.assignedAt };
    };

    return {
      upsertAgent: (slot) =>
        this.op('assignment.upsertAgent', async () => {
          const meta: AgentMeta = { status: slot.status, skills: [...slot.skills], capacity: slot.capacity };
          const reply = (await this.run(
            'agent-upsert-3',
            [this.keys.agentsMeta(), this.keys.agentsLoad(), this.keys.agentsIdle()],
            [slot.agentId, JSON.stringify(meta), slot.resetIdleAt === undefined ? '' : slot.resetIdleAt],
          )) as unknown[];
          return { agentId: slot.agentId, ...meta, load: Number(reply[0]), lastAssignedAt: Number(reply[1]) };
        }),
      getAgent: (agentId) =>
        this.op('assignment.getAgent', async () => {
          const [meta, load, idle] = await this.client
            .multi()
            .hGet(this.keys.agentsMeta(), agentId)
            .hGet(this.keys.agentsLoad(), agentId)
            .hGet(this.keys.agentsIdle(), agentId)
            .exec();
          return typeof meta === 'string' ? slotOf(agentId, meta, load, idle) : undefined;
        }),
      listAgents: () =>
        this.op('assignment.listAgents', async () => {
          const [metas, loads, idles] = (await this.client
            .multi()
            .hGetAll(this.keys.agentsMeta())
            .hGetAll(this.keys.agentsLoad())
            .hGetAll(this.keys.agentsIdle())
            .exec()) as unknown as Array<Record<string, string>>;
          return Object.keys(metas ?? {})
            .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
            .map((agentId) => slotOf(agentId, metas![agentId]!, loads?.[agentId], idles?.[agentId]));
        }),
      assign: (args) =>
        this.op('assignment.assign', async () => {
          const reply = await this.run('assign-6', agentKeys(args.queue), [
            args.itemId,
            args.now,
            JSON.stringify(args.requiredSkills),
            JSON.stringify(args.excludeAgentIds ?? []),
          ]);
          if (typeof reply !== 'string') return scriptFailure('assign-6', Number(reply), { itemId: args.itemId });
          return { itemId: args.itemId, agentId: reply, assignedAt: args.now };
        }),
      claim: (args) =>
        this.op('assignment.claim', async () => {
          const reply = await this.run('claim-6', agentKeys(args.queue), [args.itemId, args.agentId, args.now]);
          if (reply !== 1)
            return scriptFailure('claim-6', Number(reply), { itemId: args.itemId, agentId: args.agentId });
          return { itemId: args.itemId, agentId: args.agentId, assignedAt: args.now };
        }),
      release: (itemId) =>
        this.op('assignment.release', async () => {
          const reply = await this.run(
            'release-3',
            [this.keys.agentsLoad(), this.keys.assignments(), this.keys.agentItems()],
            [itemId],
          );
          return typeof reply === 'string' ? parseAssignment(itemId, reply) : undefined;
        }),
      getAssignment: (itemId) =>
        this.op('assignment.getAssignment', async () => {
          const text = await this.client.hGet(this.keys.assignments(), itemId);
          return typeof text === 'string' ? parseAssignment(itemId, text) : undefined;
        }),
      assignmentsOf: (agentId) =>
        this.op('assignment.assignmentsOf', async () => {
          const prefix = agentItemPrefix(agentId);
          const members = await this.client.zRange(
            this.keys.agentItems(),
            `[${prefix}`,
            Buffer.concat([Buffer.from(`(${prefix}`), LEX_TOP]),
            { BY: 'LEX' },
          );
          const itemIds = members.map((m) => m.slice(prefix.length));
          if (itemIds.length === 0) return [];
          const texts = await this.client.hmGet(this.keys.assignments(), itemIds);
          const out: Assignment[] = [];
          itemIds.forEach((itemId, i) => {
            const text = texts[i];
            if (typeof text !== 'string') return;
            const assignment = parseAssignment(itemId, text);
            if (assignment.agentId === agentId) out.push(assignment);
          });
          return out.sort(
            (a, b) => a.assignedAt - b.assignedAt || (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0),
          );
        }),
    };
  }

  // -------------------------------------------------------------------------------------------
  private makeBus(): Bus {
    return {
      publish: (channel, message) =>
        this.op('bus.publish', async () => {
          await this.client.publish(this.keys.busChannel(channel), JSON.stringify(message));
        }),
      subscribe: (channel, handler) =>
        this.op('bus.subscribe', async () => {
          const name = this.keys.busChannel(channel);
          const listener = (text: string): void => {
            try {
              handler(parseJson<Json>(text));
            } catch (err) {
              this.log.error({ err, channel }, 'bus handler failed');
            }
          };
          await this.subscriber.subscribe(name, listener);
          let done = false;
          return async () => {
            if (done || this.closing) return;
            done = true;
            await this.op('bus.unsubscribe', () => this.subscriber.unsubscribe(name, listener));
          };
        }),
    };
  }

  // -------------------------------------------------------------------------------------------
  async health(): Promise<StoreHealth> {
    const base = { kind: this.kind, location: this.location };
    if (this.closing) return { ...base, ok: false, error: 'store is closed' };
    if (!this.client.isReady) return { ...base, ok: false, error: 'not connected to Redis' };
    const started = performance.now();
    try {
      await withTimeout(this.client.ping(), HEALTH_TIMEOUT_MS, 'PING');
      return { ...base, ok: true, latencyMs: Math.round((performance.now() - started) * 100) / 100 };
    } catch (err) {
      return { ...base, ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const c of [this.subscriber, this.client]) {
        try {
          if (c.isReady) await c.close();
          else if (c.isOpen) c.destroy();
        } catch (err) {
          // Closing a broken connection cannot fail the shutdown; make sure the socket is gone.
          this.log.debug({ err: String(err) }, 'closing a Redis connection failed; destroying it');
          if (c.isOpen) c.destroy();
        }
      }
    })();
    return this.closing;
  }
}
