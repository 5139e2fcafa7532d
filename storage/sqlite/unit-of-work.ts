/**
 * The unit of work on SQLite: every write of a `commit` runs, in order, inside one
 * `BEGIN IMMEDIATE` transaction, so other connections see all of them or none, and the whole
 * commit costs one durable write (one fsync with `synchronous = FULL`) instead of one per write.
 *
 * Each write goes through the same function as its single operation (`createRecord`,
 * `replaceRecord`, `appendEntry`, `scheduleTimer`, `cancelTimer`), so a commit checks the same
 * preconditions and throws the same errors, with `index` (the failing write's position) added
 * to the error's context. Throwing inside the transaction rolls back the writes already applied,
 * which is how "checked for all writes before any is applied" holds. A record or timer named
 * twice is refused before the transaction starts.
 */
import { isKefuError, KefuError } from '../../app/errors';
import type { StoreWrite, StoreWriteResult, UnitOfWorkStore } from '../port';
import { assertDistinctTargets } from '../write-targets';
import type { SqliteConnection } from './connection';
import { createRecord, replaceRecord } from './records';
import { appendEntry } from './streams';
import { cancelTimer, scheduleTimer } from './timers';

export function sqliteUnitOfWork(conn: SqliteConnection): UnitOfWorkStore {
  return {
    /**
     * @throws ERR_STORE_BAD_COMMIT when a record or timer is named twice; ERR_STORE_EXISTS,
     * ERR_STORE_CONFLICT or ERR_STORE_NOT_FOUND (context `index`) when a write's precondition fails.
     */
    async commit(writes) {
      assertDistinctTargets(writes);
      return conn.write(() =>
        writes.map((write, index) => {
          try {
            return apply(conn, write);
          } catch (err) {
            if (!isKefuError(err)) throw err;
            throw new KefuError(err.code, err.message, { ...err.context, index }, { cause: err });
          }
        }),
      );
    },
  };
}

/** Applies one write inside the commit's transaction. */
function apply(conn: SqliteConnection, write: StoreWrite): StoreWriteResult {
  switch (write.kind) {
    case 'record.create': {
      const created = createRecord(conn, write.collection, write.id, write.value, write.indexes, write.ifAbsent);
      return { kind: 'record.create', created, version: created ? 1 : 0 };
    }
    case 'record.replace': {
      const version = replaceRecord(
        conn,
        write.collection,
        write.id,
        write.expectedVersion,
        write.value,
        write.indexes,
      );
      return { kind: 'record.replace', version };
    }
    case 'stream.append':
      return { kind: 'stream.append', seq: appendEntry(conn, write.stream, write.value) };
    case 'timer.schedule':
      scheduleTimer(conn, write.timer);
      return { kind: 'timer.schedule' };
    case 'timer.cancel':
      return { kind: 'timer.cancel', existed: cancelTimer(conn, write.id) };
  }
}
