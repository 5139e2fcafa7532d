/**
 * The embedded SQLite adapter of the storage port (the default store): one file, created with
 * its folder on first open, in WAL mode with a busy timeout, migrated to the current schema.
 *
 * Guarantees (checked by `test/storage/conformance.ts`): every multi-step operation runs in a
 * `BEGIN IMMEDIATE` transaction, so two connections to the file — in one process or several —
 * never both win a compare-and-set or a claim, and a `commit` is one transaction (all its writes
 * or none, one durable write); all state lives in the file, so a restart loses nothing and
 * overdue timers are claimed after it. The bus is in-process (see `bus.ts`):
 * SQLite means one app instance; use Redis for several.
 *
 * Why a worker thread: better-sqlite3 is synchronous, so on the main thread every statement and
 * every commit's fsync (`synchronous = FULL`) blocks the event loop — about 0.9 ms a mail in
 * email ingestion, nearly half of the loop's time. `openSqliteStore` therefore runs the store
 * built here (`openSqliteStoreInThread`, the one implementation) in a worker thread and returns
 * a proxy (`threaded-store.ts`) with the same contract. The cost: two thread hops per call and a
 * thread per open store (see `threaded-store.ts`). The worker also commits the calls that
 * arrive together as one transaction, each a savepoint of it (group commit, `worker.ts`): one
 * fsync for many callers, each answered only once it is durable.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { KefuError } from '../../app/errors';
import type { Logger } from '../../app/logger';
import type { Store, StoreHealth } from '../port';
import { sqliteAssignment } from './assignment';
import { sqliteBotState } from './bot-state';
import { sqliteBus } from './bus';
import { connect } from './connection';
import { sqliteKeyValue } from './key-value';
import { sqliteLeases } from './leases';
import { sqliteQueues } from './queues';
import { sqliteRecords } from './records';
import { migrate } from './schema';
import { sqliteStreams } from './streams';
import { openThreadedSqliteStore } from './threaded-store';
import { sqliteTimers } from './timers';
import { sqliteUnitOfWork } from './unit-of-work';

export interface SqliteStoreOptions {
  /** The database file; its folder is created when missing. */
  file: string;
  log: Logger;
}

/**
 * Opens (creating when needed) the SQLite store at `options.file`; its SQLite work runs in a
 * worker thread.
 * @throws ERR_STORE_UNAVAILABLE when the worker cannot start or the folder or file cannot be
 * created or opened.
 */
export function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  return openThreadedSqliteStore(options);
}

/**
 * Opens the store on the calling thread: every call blocks it for its SQLite work. Its bus
 * reaches only stores of the same thread.
 * @throws ERR_STORE_UNAVAILABLE when the folder or file cannot be created or opened.
 */
export async function openSqliteStoreInThread(options: SqliteStoreOptions): Promise<Store> {
  return (await openSqliteInThread(options)).store;
}

/** A store on the calling thread, and a way to run several of its calls as one transaction. */
export interface InThreadSqlite {
  store: Store;
  /**
   * Runs `fn` inside one `BEGIN IMMEDIATE … COMMIT`. Store calls made synchronously inside it
   * (every method of this store does its SQL before returning its promise) become savepoints of
   * that transaction: each call's writes still stand or fall alone, and all of them reach the
   * disk with one commit. This is the worker's group commit (`worker.ts`).
   * @throws when the shared transaction cannot commit (then none of its calls took effect).
   */
  together<T>(fn: () => T): T;
}

/** What the worker thread runs (`worker.ts`). @throws ERR_STORE_UNAVAILABLE as above. */
export async function openSqliteInThread(options: SqliteStoreOptions): Promise<InThreadSqlite> {
  const file = path.resolve(options.file);
  const log = options.log.child({ store: 'sqlite' });
  let conn: ReturnType<typeof connect>;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    conn = connect(file);
    migrate(conn);
  } catch (err) {
    if (err instanceof KefuError) throw err;
    throw new KefuError(
      'ERR_STORE_UNAVAILABLE',
      `cannot open the SQLite store: ${(err as Error).message}`,
      { file },
      { cause: err },
    );
  }

  const assertOpen = (): void => {
    if (!conn.isOpen) throw new KefuError('ERR_STORE_UNAVAILABLE', 'the SQLite store is closed', { file });
  };
  const bus = sqliteBus(file, log, assertOpen);
  log.debug({ file }, 'SQLite store open');

  const store: Store = {
    kind: 'sqlite',
    botState: sqliteBotState(conn),
    records: sqliteRecords(conn),
    streams: sqliteStreams(conn),
    kv: sqliteKeyValue(conn),
    timers: sqliteTimers(conn),
    queues: sqliteQueues(conn),
    leases: sqliteLeases(conn),
    assignment: sqliteAssignment(conn),
    bus,
    commit: sqliteUnitOfWork(conn).commit,

    async health(): Promise<StoreHealth> {
      const started = performance.now();
      try {
        conn.read(() => conn.stmt('SELECT 1').get());
        return { kind: 'sqlite', ok: true, location: file, latencyMs: performance.now() - started };
      } catch (err) {
        return { kind: 'sqlite', ok: false, location: file, error: (err as Error).message };
      }
    },

    async close() {
      if (!conn.isOpen) return;
      bus.close();
      conn.close();
      log.debug({ file }, 'SQLite store closed');
    },
  };
  return { store, together: (fn) => conn.write(fn) };
}
