/**
 * Durable timers. A claim is a lease, not a delete: `claimDue` stamps `lease_until` and bumps
 * `attempts` inside one `BEGIN IMMEDIATE` transaction, so concurrent claimers (connections or
 * processes) each get distinct timers, and a claimer that dies leaves its timers to be claimed
 * again once the lease passes. Timers live only in the file, so ones that fell due while the
 * app was down are simply due at the next claim. Scheduling and cancelling are also writes of a
 * `commit` (`unit-of-work.ts`); `scheduleTimer` and `cancelTimer` serve both paths.
 */
import type { Json, TimerRecord, TimerStore } from '../port';
import type { SqliteConnection } from './connection';
import { fromText, toText } from './json';

interface TimerRow {
  id: string;
  kind: string;
  due_at: number;
  payload: string;
  attempts: number;
}

function toTimer<T extends Json>(row: TimerRow): TimerRecord<T> {
  return { id: row.id, kind: row.kind, dueAt: row.due_at, payload: fromText<T>(row.payload), attempts: row.attempts };
}

/**
 * Creates or replaces the timer; a reschedule resets attempts and drops a claim. Runs inside the
 * caller's `conn.write` transaction.
 */
export function scheduleTimer(
  conn: SqliteConnection,
  timer: { id: string; kind: string; dueAt: number; payload: Json },
): void {
  conn
    .stmt(
      `INSERT INTO timers (id, kind, due_at, payload, attempts, lease_until) VALUES (?, ?, ?, ?, 0, NULL)
       ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, due_at = excluded.due_at,
         payload = excluded.payload, attempts = 0, lease_until = NULL`,
    )
    .run(timer.id, timer.kind, timer.dueAt, toText(timer.payload));
}

/**
 * Removes a pending or claimed timer; returns whether it existed. Runs inside the caller's
 * `conn.write` transaction.
 */
export function cancelTimer(conn: SqliteConnection, id: string): boolean {
  return conn.stmt('DELETE FROM timers WHERE id = ?').run(id).changes > 0;
}

export function sqliteTimers(conn: SqliteConnection): TimerStore {
  return {
    async schedule(timer) {
      conn.write(() => scheduleTimer(conn, timer));
    },

    async cancel(id) {
      return conn.write(() => cancelTimer(conn, id));
    },

    async get<T extends Json>(id: string) {
      return conn.read(() => {
        const row = conn.stmt('SELECT id, kind, due_at, payload, attempts FROM timers WHERE id = ?').get(id) as
          | TimerRow
          | undefined;
        return row ? toTimer<T>(row) : undefined;
      });
    },

    async claimDue<T extends Json>(now: number, limit: number, leaseMs: number) {
      if (limit <= 0) return [];
      return conn.write(() => {
        const rows = conn
          .stmt(
            `SELECT id, kind, due_at, payload, attempts FROM timers
             WHERE due_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
             ORDER BY due_at, id LIMIT ?`,
          )
          .all(now, now, limit) as TimerRow[];
        const lease = conn.stmt('UPDATE timers SET lease_until = ?, attempts = attempts + 1 WHERE id = ?');
        for (const row of rows) lease.run(now + leaseMs, row.id);
        return rows.map((row) => toTimer<T>(row));
      });
    },

    async complete(id) {
      conn.write(() => cancelTimer(conn, id));
    },

    async pendingCount() {
      return conn.read(() => (conn.stmt('SELECT COUNT(*) AS n FROM timers').get() as { n: number }).n);
    },
  };
}
