/**
 * The thread side of the SQLite store: opens the store in this worker thread with
 * `openSqliteInThread` (the one implementation of the adapter) and answers the main side's
 * calls in the order they arrive.
 *
 * Group commit: the calls that arrived since the last turn run together inside one
 * transaction (`together`), each as its own savepoint — a failing call rolls back alone, the
 * others stand — and reach the disk with one fsync instead of one each. With sixteen emails in
 * flight that is most of the cost of a commit. A call is answered only after the shared
 * transaction has committed, so a caller that sees success still has a durable write. Should
 * the shared commit fail, none of its calls took effect and each runs again on its own (every
 * call does all its SQL synchronously, so nothing of the first run is left half done).
 * `health` and `close` never join a group: they run on their own, in their place in the order.
 *
 * Logging: the store's log calls are posted to the main side, which writes them through the
 * app's logger (redaction and masking happen there). Nothing this thread logs carries a secret:
 * it only knows the database file.
 */
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import type { Store } from '../port';
import { type InThreadSqlite, openSqliteInThread } from './sqlite-store';
import { toWire } from '../../app/worker-thread';
import type { WorkerData, WorkerMessage, WorkerRequest } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('storage/sqlite/worker.ts runs as a worker thread only');
const { file, logLevel } = workerData as WorkerData;

function post(message: WorkerMessage): void {
  port?.postMessage(message);
}

/** A pino logger whose calls are posted to the main side instead of written here. */
function forwardingLogger(level: string): pino.Logger {
  return pino({
    level,
    base: undefined,
    hooks: {
      logMethod(args, _write, levelNumber) {
        const message: WorkerMessage = {
          type: 'log',
          level: this.levels.labels[levelNumber] ?? 'info',
          bindings: this.bindings(),
          args: args.map(plainErrors),
        };
        try {
          post(message);
        } catch {
          // A log argument that cannot be cloned: keep the line's text at least.
          post({ ...message, args: args.filter((arg) => typeof arg === 'string') });
        }
      },
    },
  });
}

/** Errors inside a log object become pino's serialised form (a clone would drop code and context). */
function plainErrors(arg: unknown): unknown {
  if (arg instanceof Error) return pino.stdSerializers.err(arg);
  if (arg === null || typeof arg !== 'object' || Array.isArray(arg)) return arg;
  return Object.fromEntries(
    Object.entries(arg).map(([key, value]) => [key, value instanceof Error ? pino.stdSerializers.err(value) : value]),
  );
}

/** The store method a request names (`records.get`, `commit`, `health`, `close`). */
function methodOf(store: Store, path: string): (...args: unknown[]) => Promise<unknown> {
  const [first, second] = path.split('.');
  const owner: unknown = second === undefined ? store : store[first as keyof Store];
  const method = (owner as Record<string, unknown> | undefined)?.[second ?? (first as string)];
  if (typeof method !== 'function') throw new Error(`the SQLite store has no method ${path}`);
  return (...args) => method.apply(owner, args) as Promise<unknown>;
}

function reply(id: number, outcome: Promise<unknown>): Promise<void> {
  return outcome.then(
    (value) => post({ type: 'reply', id, ok: true, value }),
    (err: unknown) => post({ type: 'reply', id, ok: false, error: toWire(err) }),
  );
}

/** Starts a call; its SQL runs before this returns (see `InThreadSqlite.together`). */
function start(store: Store, request: WorkerRequest): Promise<unknown> {
  try {
    return methodOf(store, request.method)(...request.args);
  } catch (err) {
    return Promise.reject(err);
  }
}

const ALONE = new Set(['health', 'close']);

/** Requests that arrived and are not started yet, and whether a turn to run them is booked. */
const waiting: WorkerRequest[] = [];
let booked = false;

async function runWaiting(sqlite: InThreadSqlite): Promise<void> {
  while (waiting.length > 0) {
    const first = waiting[0] as WorkerRequest;
    if (ALONE.has(first.method)) {
      waiting.shift();
      await reply(first.id, start(sqlite.store, first));
      continue;
    }
    const end = waiting.findIndex((r) => ALONE.has(r.method));
    const group = waiting.splice(0, end === -1 ? waiting.length : end);
    let outcomes: Array<Promise<unknown>>;
    try {
      outcomes = sqlite.together(() => group.map((r) => start(sqlite.store, r)));
    } catch {
      // The shared commit failed, so none of the group took effect: each on its own.
      outcomes = group.map((r) => start(sqlite.store, r));
    }
    // Settled already (the SQL is done); answering does not wait for anything else.
    await Promise.all(group.map((r, i) => reply(r.id, outcomes[i] as Promise<unknown>)));
  }
}

/** Books a turn to run the waiting requests, unless one is booked (it runs them all). */
function book(sqlite: InThreadSqlite): void {
  if (booked) return;
  booked = true;
  setImmediate(() => {
    void runWaiting(sqlite).finally(() => {
      booked = false;
      if (waiting.length > 0) book(sqlite);
    });
  });
}

openSqliteInThread({ file, log: forwardingLogger(logLevel) }).then(
  (sqlite) => {
    port.on('message', (request: WorkerRequest) => {
      waiting.push(request);
      book(sqlite);
    });
    post({ type: 'opened' });
  },
  (err: unknown) => post({ type: 'opened', error: toWire(err) }),
);
