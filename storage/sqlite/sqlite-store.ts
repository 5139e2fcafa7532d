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
import { sqliteTimers } from './timers';
import { sqliteUnitOfWork } from './unit-of-work';

export interface SqliteStoreOptions {
  /** The database file; its folder is created when missing. */
  file: string;
  log: Logger;
}

/**
 * Opens (creating when needed) the SQLite store at `options.file`.
 * @throws ERR_STORE_UNAVAILABLE when the folder or file cannot be created or opened.
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
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

  return {
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
}
