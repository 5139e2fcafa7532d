/**
 * Work queues ordered by score (waiting since), ties by item id. `popOldest` selects and deletes
 * inside one `BEGIN IMMEDIATE` transaction, so two callers never get the same item.
 */
import type { QueueStore } from '../port';
import type { SqliteConnection } from './connection';

type QueueRow = { itemId: string; score: number };

export function sqliteQueues(conn: SqliteConnection): QueueStore {
  return {
    async enqueue(queue, itemId, score) {
      conn.write(() => {
        conn
          .stmt('INSERT INTO queue_items (queue, item_id, score) VALUES (?, ?, ?) ON CONFLICT DO NOTHING')
          .run(queue, itemId, score);
      });
    },

    async remove(queue, itemId) {
      return conn.write(
        () => conn.stmt('DELETE FROM queue_items WHERE queue = ? AND item_id = ?').run(queue, itemId).changes > 0,
      );
    },

    async position(queue, itemId) {
      return conn.read(() => {
        const row = conn.stmt('SELECT score FROM queue_items WHERE queue = ? AND item_id = ?').get(queue, itemId) as
          | { score: number }
          | undefined;
        if (!row) return undefined;
        const ahead = conn
          .stmt('SELECT COUNT(*) AS n FROM queue_items WHERE queue = ? AND (score < ? OR (score = ? AND item_id < ?))')
          .get(queue, row.score, row.score, itemId) as { n: number };
        return ahead.n + 1;
      });
    },

    async list(queue, limit) {
      return conn.read(
        () =>
          conn
            .stmt('SELECT item_id AS itemId, score FROM queue_items WHERE queue = ? ORDER BY score, item_id LIMIT ?')
            .all(queue, limit ?? -1) as QueueRow[],
      );
    },

    async length(queue) {
      return conn.read(
        () => (conn.stmt('SELECT COUNT(*) AS n FROM queue_items WHERE queue = ?').get(queue) as { n: number }).n,
      );
    },

    async popOldest(queue) {
      return conn.write(() => {
        const row = conn
          .stmt('SELECT item_id AS itemId, score FROM queue_items WHERE queue = ? ORDER BY score, item_id LIMIT 1')
          .get(queue) as QueueRow | undefined;
        if (row) conn.stmt('DELETE FROM queue_items WHERE queue = ? AND item_id = ?').run(queue, row.itemId);
        return row;
      });
    },
  };
}
