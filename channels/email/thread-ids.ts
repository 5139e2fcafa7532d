/**
 * Message-IDs we sent and received, each pointing at its ticket: what In-Reply-To and
 * References are matched against. Keyed by a hash of the normalised Message-ID (create-once,
 * so a retry after a crash is harmless) and indexed by ticket for building References.
 */
import { createHash } from 'node:crypto';
import type { Json, Store, StoreWrite } from '../../storage/port';

export const THREAD_IDS_COLLECTION = 'email-thread-ids';

export interface ThreadIdEntry {
  ticket: string;
  messageId?: string;
  direction: 'in' | 'out';
  at: number;
}

function key(messageId: string): string {
  return createHash('sha256').update(messageId.trim().toLowerCase()).digest('hex');
}

/**
 * The write that records `messageId` as belonging to a ticket, for a unit of work: the first
 * record wins (a Message-ID seen again, or a retry, changes nothing).
 */
export function threadIdWrite(messageId: string, entry: Omit<ThreadIdEntry, 'messageId'>): StoreWrite {
  return {
    kind: 'record.create',
    collection: THREAD_IDS_COLLECTION,
    id: key(messageId),
    value: { ...entry, messageId } as Json,
    indexes: { ticket: entry.ticket },
    ifAbsent: true,
  };
}

export async function lookupThreadId(
  store: Pick<Store, 'records'>,
  messageId: string,
): Promise<ThreadIdEntry | undefined> {
  const rec = await store.records.get<Json>(THREAD_IDS_COLLECTION, key(messageId));
  return rec ? (rec.value as unknown as ThreadIdEntry) : undefined;
}

/** Every Message-ID of a ticket's thread, oldest first. */
export async function threadIdsOf(store: Pick<Store, 'records'>, ticket: string): Promise<ThreadIdEntry[]> {
  const recs = await store.records.list<Json>(THREAD_IDS_COLLECTION, { index: { name: 'ticket', value: ticket } });
  return recs.map((r) => r.value as unknown as ThreadIdEntry).sort((a, b) => a.at - b.at);
}
