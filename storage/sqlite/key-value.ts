/**
 * Key/value with expiry, counters and sequences. Expiry runs on the wall clock: a row whose
 * `expires_at` has passed is treated as absent by every read and write, and expired rows are
 * swept lazily (at most once per SWEEP_INTERVAL_MS per connection, on a write) so the table does
 * not grow without bound. Read-modify-write steps run in `BEGIN IMMEDIATE`.
 */
import type { Json, KeyValueStore } from '../port';
import type { SqliteConnection } from './connection';
import { fromText, toText } from './json';

/** How often a connection deletes expired rows (ms). */
export const SWEEP_INTERVAL_MS = 60_000;
/** Rows deleted per sweep, so one write never pays for a huge backlog. */
const SWEEP_BATCH = 500;

interface KvRow {
  value: string;
  expires_at: number | null;
}

export function sqliteKeyValue(conn: SqliteConnection, now: () => number = Date.now): KeyValueStore {
  let lastSweep = 0;

  /** The live row, or undefined when missing or expired. Call inside a transaction or read. */
  const live = (key: string, at: number): KvRow | undefined => {
    const row = conn.stmt('SELECT value, expires_at FROM kv WHERE key = ?').get(key) as KvRow | undefined;
    if (!row || (row.expires_at !== null && row.expires_at <= at)) return undefined;
    return row;
  };

  const put = (key: string, value: unknown, expiresAt: number | null): void => {
    conn
      .stmt(
        'INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at',
      )
      .run(key, toText(value), expiresAt);
  };

  const sweep = (at: number): void => {
    if (at - lastSweep < SWEEP_INTERVAL_MS) return;
    lastSweep = at;
    conn.stmt('DELETE FROM kv WHERE key IN (SELECT key FROM kv WHERE expires_at <= ? LIMIT ?)').run(at, SWEEP_BATCH);
  };

  const expiry = (at: number, ttlMs: number | undefined): number | null => (ttlMs === undefined ? null : at + ttlMs);

  return {
    async get<T extends Json>(key: string) {
      return conn.read(() => {
        const row = live(key, now());
        return row ? fromText<T>(row.value) : undefined;
      });
    },

    async set(key, value, ttlMs) {
      conn.write(() => {
        const at = now();
        put(key, value, expiry(at, ttlMs));
        sweep(at);
      });
    },

    async setIfAbsent(key, value, ttlMs) {
      return conn.write(() => {
        const at = now();
        if (live(key, at)) return false;
        put(key, value, expiry(at, ttlMs));
        sweep(at);
        return true;
      });
    },

    async delete(key) {
      return conn.write(() => {
        const existed = live(key, now()) !== undefined;
        conn.stmt('DELETE FROM kv WHERE key = ?').run(key);
        return existed;
      });
    },

    async increment(key, by = 1, ttlMs) {
      return conn.write(() => {
        const at = now();
        const row = live(key, at);
        if (!row) {
          put(key, by, expiry(at, ttlMs));
          sweep(at);
          return by;
        }
        const current = Number(fromText(row.value));
        const next = (Number.isFinite(current) ? current : 0) + by;
        conn.stmt('UPDATE kv SET value = ? WHERE key = ?').run(toText(next), key);
        return next;
      });
    },

    async counters(keys) {
      return conn.read(() => {
        const at = now();
        const out: Record<string, number> = {};
        for (const key of keys) {
          const row = live(key, at);
          const value = row ? Number(fromText(row.value)) : 0;
          out[key] = Number.isFinite(value) ? value : 0;
        }
        return out;
      });
    },

    async nextSequence(name) {
      return conn.write(() => {
        const row = conn
          .stmt(
            'INSERT INTO sequences (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value',
          )
          .get(name) as { value: number };
        return row.value;
      });
    },
  };
}
