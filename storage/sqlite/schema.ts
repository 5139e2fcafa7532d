/**
 * The SQLite schema and its migrations. A `schema_version` table records the newest migration
 * applied; `migrate` runs the missing ones in order, each in its own `BEGIN IMMEDIATE`
 * transaction that re-reads the version first, so two connections opening a fresh file at the
 * same moment apply each migration exactly once. Migrations are append-only: never edit one
 * that has shipped, add the next.
 */
import type { SqliteConnection } from './connection';

/** Migration N is at index N − 1. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE bot_state (
    key TEXT PRIMARY KEY,
    etag TEXT NOT NULL,
    doc TEXT NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE records (
    collection TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (collection, id)
  ) WITHOUT ROWID;

  CREATE TABLE record_indexes (
    collection TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    id TEXT NOT NULL,
    PRIMARY KEY (collection, name, value, id)
  ) WITHOUT ROWID;
  CREATE INDEX record_indexes_by_record ON record_indexes (collection, id);

  CREATE TABLE stream_entries (
    stream TEXT NOT NULL,
    seq INTEGER NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (stream, seq)
  ) WITHOUT ROWID;

  CREATE TABLE kv (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    expires_at INTEGER
  ) WITHOUT ROWID;
  CREATE INDEX kv_by_expiry ON kv (expires_at) WHERE expires_at IS NOT NULL;

  CREATE TABLE sequences (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE timers (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    due_at INTEGER NOT NULL,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_until INTEGER
  ) WITHOUT ROWID;
  CREATE INDEX timers_by_due ON timers (due_at, id);

  CREATE TABLE queue_items (
    queue TEXT NOT NULL,
    item_id TEXT NOT NULL,
    score INTEGER NOT NULL,
    PRIMARY KEY (queue, item_id)
  ) WITHOUT ROWID;
  CREATE INDEX queue_items_by_order ON queue_items (queue, score, item_id);

  CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE agents (
    agent_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    skills TEXT NOT NULL,
    capacity INTEGER NOT NULL,
    load INTEGER NOT NULL DEFAULT 0,
    last_assigned_at INTEGER NOT NULL DEFAULT 0
  ) WITHOUT ROWID;

  CREATE TABLE assignments (
    item_id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL,
    assigned_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX assignments_by_agent ON assignments (agent_id, assigned_at, item_id);
  `,
];

/** The schema version this code expects. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the file up to SCHEMA_VERSION; a no-op when it already is. Returns the version. */
export function migrate(conn: SqliteConnection): number {
  conn.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  for (;;) {
    const applied = conn.write(() => {
      const row = conn.stmt('SELECT version FROM schema_version').get() as { version: number } | undefined;
      const current = row?.version ?? 0;
      if (current >= MIGRATIONS.length) return false;
      conn.exec(MIGRATIONS[current]!);
      if (row) conn.stmt('UPDATE schema_version SET version = ?').run(current + 1);
      else conn.stmt('INSERT INTO schema_version (version) VALUES (?)').run(current + 1);
      return true;
    });
    if (!applied) break;
  }
  return SCHEMA_VERSION;
}
