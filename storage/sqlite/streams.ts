/**
 * Append-only streams. Entries are never deleted, so the next sequence number is the stream's
 * maximum plus one, read and inserted inside one `BEGIN IMMEDIATE` transaction — the append's
 * own, or that of a `commit` (`unit-of-work.ts`), where several appends to one stream therefore
 * get consecutive numbers (the primary key on (stream, seq) would reject a duplicate anyway).
 */
import type { Json, StreamEntry, StreamStore } from '../port';
import type { SqliteConnection } from './connection';
import { fromText, toText } from './json';

/** Entries returned by `range` when no limit is given. */
export const DEFAULT_RANGE_LIMIT = 1000;

function lastSeq(conn: SqliteConnection, stream: string): number {
  return (
    (conn.stmt('SELECT MAX(seq) AS seq FROM stream_entries WHERE stream = ?').get(stream) as { seq: number | null })
      .seq ?? 0
  );
}

/**
 * Appends `value` and returns its sequence number. Runs inside the caller's `conn.write`
 * transaction, whose write lock keeps the read maximum current until the insert.
 */
export function appendEntry(conn: SqliteConnection, stream: string, value: Json): number {
  const seq = lastSeq(conn, stream) + 1;
  conn.stmt('INSERT INTO stream_entries (stream, seq, value) VALUES (?, ?, ?)').run(stream, seq, toText(value));
  return seq;
}

export function sqliteStreams(conn: SqliteConnection): StreamStore {
  return {
    async append(stream, value) {
      return conn.write(() => appendEntry(conn, stream, value));
    },

    async range<T extends Json>(stream: string, afterSeq = 0, limit = DEFAULT_RANGE_LIMIT) {
      return conn.read(() => {
        const rows = conn
          .stmt('SELECT seq, value FROM stream_entries WHERE stream = ? AND seq > ? ORDER BY seq LIMIT ?')
          .all(stream, afterSeq, limit) as Array<{ seq: number; value: string }>;
        return rows.map((row): StreamEntry<T> => ({ seq: row.seq, value: fromText<T>(row.value) }));
      });
    },

    async lastSeq(stream) {
      return conn.read(() => lastSeq(conn, stream));
    },
  };
}
