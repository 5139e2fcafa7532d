/**
 * The main side of the SQLite store: a `Store` whose calls are posted to a worker thread
 * (`worker.ts`) that runs the in-thread store, so SQLite's synchronous work — statements and the
 * fsync of every commit — no longer blocks the app's event loop.
 *
 * Guarantees, on top of the in-thread store's (which the worker runs unchanged):
 * - The contract is the same: each call is posted as `{ id, method, args }` and settles with
 *   the worker's answer; a KefuError arrives with its code, message and context, other errors
 *   as an `Error` with their message. Arguments are structured clones; one that cannot be
 *   cloned (a function inside bot state) is sent as its JSON, which is what the store keeps.
 * - The bus stays here (`bus.ts`): it is an in-process emitter and never touches the file.
 * - After `close()` (idempotent: the worker closes the database, then is terminated) every call
 *   fails with ERR_STORE_UNAVAILABLE without being posted and `health()` says not ok. A worker
 *   that dies fails its pending calls and every later one the same way.
 * - The worker keeps the process alive only while a call is pending: an idle store never holds
 *   a process open, and a process never exits under a pending call.
 *
 * Cost: every call is two thread hops and two structured clones (tens of microseconds), and
 * opening starts a thread (about 80 ms under tsx). A thread stopped inside a statement takes the
 * process down (better-sqlite3 cannot throw into a dying thread), so the worker is only ever
 * terminated once it has closed the database; a `process.exit` under a pending call can still
 * end in an abort instead of the exit code (the file stays consistent: SQLite is atomic).
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import { KefuError } from '../../app/errors';
import type {
  AssignmentStore,
  BotStateStorage,
  KeyValueStore,
  LeaseStore,
  QueueStore,
  RecordStore,
  Store,
  StoreHealth,
  StreamStore,
  TimerStore,
} from '../port';
import { sqliteBus } from './bus';
import type { SqliteStoreOptions } from './sqlite-store';
import { fromWire, startWorker } from '../../app/worker-thread';
import type { WorkerData, WorkerMessage, WorkerRequest } from './worker-protocol';

/** Every method of each part of the store: the compiler checks that none is missing. */
type Methods<T> = Record<keyof T, true>;
const BOT_STATE: Methods<BotStateStorage> = { read: true, write: true, delete: true };
const RECORDS: Methods<RecordStore> = {
  get: true,
  getMany: true,
  create: true,
  replace: true,
  remove: true,
  list: true,
  count: true,
};
const STREAMS: Methods<StreamStore> = { append: true, range: true, lastSeq: true };
const KEY_VALUE: Methods<KeyValueStore> = {
  get: true,
  set: true,
  setIfAbsent: true,
  delete: true,
  increment: true,
  counters: true,
  nextSequence: true,
};
const TIMERS: Methods<TimerStore> = {
  schedule: true,
  cancel: true,
  get: true,
  claimDue: true,
  complete: true,
  pendingCount: true,
};
const QUEUES: Methods<QueueStore> = {
  enqueue: true,
  remove: true,
  position: true,
  list: true,
  length: true,
  popOldest: true,
};
const LEASES: Methods<LeaseStore> = { acquire: true, release: true, holder: true };
const ASSIGNMENT: Methods<AssignmentStore> = {
  upsertAgent: true,
  getAgent: true,
  listAgents: true,
  assign: true,
  claim: true,
  release: true,
  getAssignment: true,
  assignmentsOf: true,
};

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/**
 * Opens the SQLite store in a worker thread. `onStart` gets the worker as soon as it is
 * started (tests use it to stop the worker under the store).
 * @throws ERR_STORE_UNAVAILABLE when the worker cannot start or the store cannot be opened.
 */
export async function openThreadedSqliteStore(
  options: SqliteStoreOptions,
  onStart?: (worker: Worker) => void,
): Promise<Store> {
  const file = path.resolve(options.file);
  const log = options.log.child({ store: 'sqlite' });
  const data: WorkerData = { file, logLevel: options.log.level };
  const worker = startWorker(path.join(__dirname, `worker${path.extname(__filename)}`), data);
  onStart?.(worker);
  const pending = new Map<number, Pending>();
  let nextId = 1;
  /** Why calls fail without being posted: closed, or the worker stopped. */
  let unavailable: KefuError | undefined;
  let closing: Promise<void> | undefined;
  let exited = false;
  let opened: Pending | undefined;

  /** The worker stopped: pending and later calls fail (silently when closed or never opened). */
  const stop = (reason: string): void => {
    if (!unavailable) {
      unavailable = new KefuError('ERR_STORE_UNAVAILABLE', `the SQLite worker stopped: ${reason}`, { file });
      log.error({ file, reason }, 'SQLite worker stopped');
    }
    opened?.reject(unavailable);
    for (const call of pending.values()) call.reject(unavailable);
    pending.clear();
    worker.unref();
  };

  worker.on('message', (message: WorkerMessage) => {
    if (message.type === 'log') {
      const target = options.log.child(message.bindings) as unknown as Record<string, unknown>;
      const write = target[message.level];
      if (typeof write === 'function') write.apply(target, message.args);
    } else if (message.type === 'opened') {
      if (message.error) {
        unavailable = new KefuError('ERR_STORE_UNAVAILABLE', 'the SQLite store could not be opened', { file });
        opened?.reject(fromWire(message.error));
      } else {
        opened?.resolve(undefined);
      }
      opened = undefined;
    } else {
      const call = pending.get(message.id);
      if (!call) return;
      pending.delete(message.id);
      if (pending.size === 0) worker.unref();
      if (message.ok) call.resolve(message.value);
      else call.reject(fromWire(message.error));
    }
  });
  worker.on('error', (err) => stop(err.message));
  // A lost reply leaves its caller unanswered: fail every call; `close` still stops the worker.
  worker.on('messageerror', (err) => stop(`a reply could not be read: ${err.message}`));
  worker.on('exit', (code) => {
    exited = true;
    stop(`exited with code ${code}`);
  });

  try {
    await new Promise((resolve, reject) => {
      opened = { resolve, reject };
    });
  } catch (err) {
    await worker.terminate();
    if (err instanceof KefuError) throw err;
    throw new KefuError('ERR_STORE_UNAVAILABLE', `cannot open the SQLite store: ${(err as Error).message}`, { file });
  }
  worker.unref();

  /** Posts one call; `unavailable` is checked by the caller so `close` can still post. */
  const post = (method: string, args: unknown[]): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const request: WorkerRequest = { id, method, args };
      try {
        worker.postMessage(request);
      } catch (err) {
        if ((err as Error).name !== 'DataCloneError') throw err;
        worker.postMessage({ ...request, args: args.map(asJson) });
      }
      pending.set(id, { resolve, reject });
      if (pending.size === 1) worker.ref();
    });

  const call = (method: string, args: unknown[]): Promise<unknown> => {
    if (unavailable) return Promise.reject(unavailable);
    return post(method, args);
  };

  const proxy = <T>(part: string, methods: Methods<T>): T =>
    Object.fromEntries(
      Object.keys(methods).map((name) => [name, (...args: unknown[]) => call(`${part}.${name}`, args)]),
    ) as T;

  const bus = sqliteBus(file, log, () => {
    if (unavailable) throw unavailable;
  });
  log.debug({ file }, 'SQLite store open in a worker thread');

  return {
    kind: 'sqlite',
    botState: proxy('botState', BOT_STATE),
    records: proxy('records', RECORDS),
    streams: proxy('streams', STREAMS),
    kv: proxy('kv', KEY_VALUE),
    timers: proxy('timers', TIMERS),
    queues: proxy('queues', QUEUES),
    leases: proxy('leases', LEASES),
    assignment: proxy('assignment', ASSIGNMENT),
    bus,
    commit: (writes) => call('commit', [writes]) as ReturnType<Store['commit']>,

    async health(): Promise<StoreHealth> {
      if (unavailable) return { kind: 'sqlite', ok: false, location: file, error: unavailable.message };
      const started = performance.now();
      try {
        const health = (await call('health', [])) as StoreHealth;
        return health.ok ? { ...health, latencyMs: performance.now() - started } : health;
      } catch (err) {
        return { kind: 'sqlite', ok: false, location: file, error: (err as Error).message };
      }
    },

    /**
     * The worker is terminated only once it has answered `close`: terminating it inside a
     * statement aborts the whole process (better-sqlite3 cannot throw into a dying thread).
     */
    close() {
      closing ??= (async () => {
        unavailable = new KefuError('ERR_STORE_UNAVAILABLE', 'the SQLite store is closed', { file });
        bus.close();
        if (!exited) {
          try {
            await post('close', []);
          } catch (err) {
            log.warn({ err, file }, 'SQLite store did not close cleanly');
          }
        }
        // How busy the worker was over its life: near 1, the store is what limits the app.
        const busy = exited ? undefined : worker.performance.eventLoopUtilization().utilization;
        await worker.terminate();
        log.debug({ file, workerBusy: busy }, 'SQLite store closed');
      })();
      return closing;
    },
  };
}

/** An argument as the store would keep it: its JSON (undefined stays undefined). */
function asJson(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? undefined : JSON.parse(text);
}
