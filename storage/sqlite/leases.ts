/**
 * Named leases with an owner and an expiry (`now` is passed in). Acquire reads and writes in one
 * `BEGIN IMMEDIATE` transaction, so of two owners asking at once exactly one gets the lease.
 */
import type { LeaseStore } from '../port';
import type { SqliteConnection } from './connection';

type LeaseRow = { owner: string; expires_at: number };

export function sqliteLeases(conn: SqliteConnection): LeaseStore {
  const current = (name: string): LeaseRow | undefined =>
    conn.stmt('SELECT owner, expires_at FROM leases WHERE name = ?').get(name) as LeaseRow | undefined;

  return {
    async acquire(name, owner, ttlMs, now) {
      return conn.write(() => {
        const row = current(name);
        if (row && row.owner !== owner && row.expires_at > now) return false;
        conn
          .stmt(
            'INSERT INTO leases (name, owner, expires_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at',
          )
          .run(name, owner, now + ttlMs);
        return true;
      });
    },

    async release(name, owner) {
      return conn.write(
        () => conn.stmt('DELETE FROM leases WHERE name = ? AND owner = ?').run(name, owner).changes > 0,
      );
    },

    async holder(name, now) {
      return conn.read(() => {
        const row = current(name);
        return row && row.expires_at > now ? row.owner : undefined;
      });
    },
  };
}
