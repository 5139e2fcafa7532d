/**
 * The one rule both adapters check before a commit touches the store: a record (collection +
 * id) or a timer id appears at most once per unit of work (see `UnitOfWorkStore` in port.ts).
 */
import { KefuError } from '../app/errors';
import type { StoreWrite } from './port';

/**
 * Refuses a commit naming one record (collection + id) or one timer id twice: the result of two
 * writes to one target would depend on their order, so callers fold them into one first.
 * @throws ERR_STORE_BAD_COMMIT
 */
export function assertDistinctTargets(writes: StoreWrite[]): void {
  if (writes.length < 2) return;
  const records = new Map<string, Set<string>>();
  const timers = new Set<string>();
  writes.forEach((write, index) => {
    switch (write.kind) {
      case 'record.create':
      case 'record.replace': {
        let ids = records.get(write.collection);
        if (!ids) {
          ids = new Set();
          records.set(write.collection, ids);
        }
        if (ids.has(write.id)) {
          throw new KefuError('ERR_STORE_BAD_COMMIT', 'a commit names one record twice', {
            collection: write.collection,
            id: write.id,
            index,
          });
        }
        ids.add(write.id);
        break;
      }
      case 'timer.schedule':
      case 'timer.cancel': {
        const id = write.kind === 'timer.schedule' ? write.timer.id : write.id;
        if (timers.has(id)) {
          throw new KefuError('ERR_STORE_BAD_COMMIT', 'a commit names one timer twice', { timerId: id, index });
        }
        timers.add(id);
        break;
      }
      case 'stream.append':
        break;
    }
  });
}
