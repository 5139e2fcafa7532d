/**
 * botbuilder's `Storage` on SQLite with real eTag compare-and-set. A write checks every eTag and
 * applies every item inside one `BEGIN IMMEDIATE` transaction, so a stale eTag anywhere rejects
 * the whole call and two writers holding the same eTag cannot both win.
 */
import { KefuError } from '../../app/errors';
import type { BotStateStorage, StoreItem } from '../port';
import type { SqliteConnection } from './connection';
import { fromText, newETag, toText } from './json';

export function sqliteBotState(conn: SqliteConnection): BotStateStorage {
  return {
    async read(keys) {
      return conn.read(() => {
        const out: Record<string, StoreItem> = {};
        const select = conn.stmt('SELECT etag, doc FROM bot_state WHERE key = ?');
        for (const key of keys) {
          const row = select.get(key) as { etag: string; doc: string } | undefined;
          if (row) out[key] = { ...fromText<Record<string, unknown>>(row.doc), eTag: row.etag };
        }
        return out;
      });
    },

    /** @throws ERR_STORE_CONFLICT when an item's eTag is not the key's current one. */
    async write(changes) {
      conn.write(() => {
        const select = conn.stmt('SELECT etag FROM bot_state WHERE key = ?');
        const upsert = conn.stmt(
          'INSERT INTO bot_state (key, etag, doc) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, doc = excluded.doc',
        );
        for (const [key, item] of Object.entries(changes)) {
          const { eTag, ...doc } = item;
          if (eTag !== undefined && eTag !== '*') {
            const row = select.get(key) as { etag: string } | undefined;
            if (row?.etag !== eTag) {
              throw new KefuError('ERR_STORE_CONFLICT', 'bot state was changed by another writer', {
                key,
                exists: row !== undefined,
              });
            }
          }
          upsert.run(key, newETag(), toText(doc));
        }
      });
    },

    async delete(keys) {
      conn.write(() => {
        const remove = conn.stmt('DELETE FROM bot_state WHERE key = ?');
        for (const key of keys) remove.run(key);
      });
    },
  };
}
