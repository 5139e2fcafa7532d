/**
 * One SQLite connection with the two guarantees every module of the adapter relies on:
 * - after `close()` every call fails with ERR_STORE_UNAVAILABLE (never a driver TypeError);
 * - `write(fn)` runs `fn` inside `BEGIN IMMEDIATE`, so the write lock is taken before the first
 *   read: two connections (two processes on one file) cannot both read the old state and both
 *   win a compare-and-set. A busy file waits up to the busy timeout, then fails as unavailable.
 * better-sqlite3 is synchronous, so inside one process a transaction is never interleaved with
 * another call; across processes the file lock does the work.
 */
import Database from 'better-sqlite3';
import { KefuError, isKefuError } from '../../app/errors';

/** How long a connection waits for another one's write lock before giving up (ms). */
export const BUSY_TIMEOUT_MS = 5000;

type Db = Database.Database;

export class SqliteConnection {
  private db: Db | undefined;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    readonly file: string,
    db: Db,
  ) {
    this.db = db;
  }

  get isOpen(): boolean {
    return this.db !== undefined;
  }

  /** A cached prepared statement. @throws ERR_STORE_UNAVAILABLE when closed. */
  stmt(sql: string): Database.Statement {
    const db = this.open();
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Runs `fn` in a read transaction (`BEGIN DEFERRED`): in WAL mode its statements all see one
   * snapshot, and it never blocks or waits for a writer.
   */
  read<T>(fn: () => T): T {
    const db = this.open();
    try {
      return db.transaction(fn).deferred();
    } catch (err) {
      throw translate(err, this.file);
    }
  }

  /** Runs `fn` inside `BEGIN IMMEDIATE … COMMIT`; rolls back when it throws. */
  write<T>(fn: () => T): T {
    const db = this.open();
    try {
      return db.transaction(fn).immediate();
    } catch (err) {
      throw translate(err, this.file);
    }
  }

  /** Runs raw SQL (schema work). */
  exec(sql: string): void {
    this.open().exec(sql);
  }

  pragma(source: string): unknown {
    return this.open().pragma(source, { simple: true });
  }

  close(): void {
    const db = this.db;
    this.db = undefined;
    this.statements.clear();
    db?.close();
  }

  private open(): Db {
    if (!this.db) throw new KefuError('ERR_STORE_UNAVAILABLE', 'the SQLite store is closed', { file: this.file });
    return this.db;
  }
}

/** Opens the file (folders must exist) with WAL and the busy timeout. */
export function connect(file: string): SqliteConnection {
  const db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
  try {
    // WAL: readers never block the writer; FULL: a committed ticket survives a power cut too.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  } catch (err) {
    db.close();
    throw translate(err, file);
  }
  return new SqliteConnection(file, db);
}

/** Our own errors pass through; driver errors on locks and I/O become ERR_STORE_UNAVAILABLE. */
function translate(err: unknown, file: string): unknown {
  if (isKefuError(err)) return err;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('SQLITE_')) {
    return new KefuError(
      'ERR_STORE_UNAVAILABLE',
      `SQLite failed: ${(err as Error).message}`,
      { file, code },
      { cause: err },
    );
  }
  return err;
}
