/**
 * Versioned JSON records with caller-extracted secondary indexes. A create, replace or remove
 * changes the record row and its index rows in one `BEGIN IMMEDIATE` transaction — its own, or
 * the transaction of a `commit` (`unit-of-work.ts`) that includes it — so an index never points
 * at a missing record or an old value, and of two replaces with the same version exactly one
 * wins. `createRecord` and `replaceRecord` are the one implementation of both paths.
 */
import { KefuError } from '../../app/errors';
import type { Json, RecordIndexes, RecordStore, VersionedRecord } from '../port';
import type { SqliteConnection } from './connection';
import { fromText, toText } from './json';

interface RecordRow {
  id: string;
  version: number;
  value: string;
}

function toRecord<T extends Json>(row: RecordRow): VersionedRecord<T> {
  return { id: row.id, version: row.version, value: fromText<T>(row.value) };
}

/** Replaces the record's index rows with `indexes` (entries whose value is undefined are left out). */
function writeIndexes(
  conn: SqliteConnection,
  collection: string,
  id: string,
  indexes: RecordIndexes | undefined,
  replacing: boolean,
): void {
  // A record being created has no index rows (removing a record removes its rows).
  if (replacing) conn.stmt('DELETE FROM record_indexes WHERE collection = ? AND id = ?').run(collection, id);
  const insert = conn.stmt('INSERT INTO record_indexes (collection, name, value, id) VALUES (?, ?, ?, ?)');
  for (const [name, value] of Object.entries(indexes ?? {})) {
    if (value !== undefined) insert.run(collection, name, value, id);
  }
}

/**
 * Creates the record at version 1 with its indexes; returns false, writing nothing, when the id
 * is taken and `ifAbsent` is set. Runs inside the caller's `conn.write` transaction.
 * @throws ERR_STORE_EXISTS when the id is taken (without `ifAbsent`).
 */
export function createRecord(
  conn: SqliteConnection,
  collection: string,
  id: string,
  value: Json,
  indexes: RecordIndexes | undefined,
  ifAbsent = false,
): boolean {
  const inserted = conn
    .stmt('INSERT INTO records (collection, id, version, value) VALUES (?, ?, 1, ?) ON CONFLICT DO NOTHING')
    .run(collection, id, toText(value));
  if (inserted.changes === 0) {
    if (ifAbsent) return false;
    throw new KefuError('ERR_STORE_EXISTS', 'a record with this id already exists', { collection, id });
  }
  writeIndexes(conn, collection, id, indexes, false);
  return true;
}

/**
 * Replaces the record and its indexes if its version is still `expectedVersion`; returns the new
 * version. Runs inside the caller's `conn.write` transaction, whose write lock makes the version
 * check and the update one step.
 * @throws ERR_STORE_CONFLICT on a version mismatch, ERR_STORE_NOT_FOUND when absent.
 */
export function replaceRecord(
  conn: SqliteConnection,
  collection: string,
  id: string,
  expectedVersion: number,
  value: Json,
  indexes: RecordIndexes | undefined,
): number {
  const row = conn.stmt('SELECT version FROM records WHERE collection = ? AND id = ?').get(collection, id) as
    | { version: number }
    | undefined;
  if (!row) throw new KefuError('ERR_STORE_NOT_FOUND', 'no such record', { collection, id });
  if (row.version !== expectedVersion) {
    throw new KefuError('ERR_STORE_CONFLICT', 'the record changed since it was read', {
      collection,
      id,
      expectedVersion,
      actualVersion: row.version,
    });
  }
  const version = expectedVersion + 1;
  conn
    .stmt('UPDATE records SET version = ?, value = ? WHERE collection = ? AND id = ?')
    .run(version, toText(value), collection, id);
  writeIndexes(conn, collection, id, indexes, true);
  return version;
}

export function sqliteRecords(conn: SqliteConnection): RecordStore {
  return {
    async get<T extends Json>(collection: string, id: string) {
      return conn.read(() => {
        const row = conn
          .stmt('SELECT id, version, value FROM records WHERE collection = ? AND id = ?')
          .get(collection, id) as RecordRow | undefined;
        return row ? toRecord<T>(row) : undefined;
      });
    },

    async getMany<T extends Json>(collection: string, ids: string[]) {
      return conn.read(() => {
        const select = conn.stmt('SELECT id, version, value FROM records WHERE collection = ? AND id = ?');
        return ids.map((id) => {
          const row = select.get(collection, id) as RecordRow | undefined;
          return row ? toRecord<T>(row) : undefined;
        });
      });
    },

    /** @throws ERR_STORE_EXISTS when the id is taken. */
    async create<T extends Json>(collection: string, id: string, value: T, indexes?: RecordIndexes) {
      return conn.write(() => {
        createRecord(conn, collection, id, value, indexes);
        return { id, version: 1, value };
      });
    },

    /** @throws ERR_STORE_CONFLICT on a version mismatch, ERR_STORE_NOT_FOUND when absent. */
    async replace<T extends Json>(
      collection: string,
      id: string,
      expectedVersion: number,
      value: T,
      indexes?: RecordIndexes,
    ) {
      return conn.write(() => {
        const version = replaceRecord(conn, collection, id, expectedVersion, value, indexes);
        return { id, version, value };
      });
    },

    async remove(collection, id) {
      return conn.write(() => {
        const removed = conn.stmt('DELETE FROM records WHERE collection = ? AND id = ?').run(collection, id);
        conn.stmt('DELETE FROM record_indexes WHERE collection = ? AND id = ?').run(collection, id);
        return removed.changes > 0;
      });
    },

    async list<T extends Json>(collection: string, options: Parameters<RecordStore['list']>[1] = {}) {
      return conn.read(() => {
        const limit = options.limit ?? -1;
        const afterId = options.afterId ?? null;
        const rows = options.index
          ? conn
              .stmt(
                `SELECT r.id, r.version, r.value FROM record_indexes i
                 JOIN records r ON r.collection = i.collection AND r.id = i.id
                 WHERE i.collection = ? AND i.name = ? AND i.value = ? AND (? IS NULL OR i.id > ?)
                 ORDER BY i.id LIMIT ?`,
              )
              .all(collection, options.index.name, options.index.value, afterId, afterId, limit)
          : conn
              .stmt(
                `SELECT id, version, value FROM records
                 WHERE collection = ? AND (? IS NULL OR id > ?) ORDER BY id LIMIT ?`,
              )
              .all(collection, afterId, afterId, limit);
        return (rows as RecordRow[]).map((row) => toRecord<T>(row));
      });
    },

    async count(collection, index) {
      return conn.read(() => {
        const row = index
          ? conn
              .stmt('SELECT COUNT(*) AS n FROM record_indexes WHERE collection = ? AND name = ? AND value = ?')
              .get(collection, index.name, index.value)
          : conn.stmt('SELECT COUNT(*) AS n FROM records WHERE collection = ?').get(collection);
        return (row as { n: number }).n;
      });
    },
  };
}
