/**
 * Message-IDs we sent and received, each pointing at its ticket: what In-Reply-To and
 * References are matched against. Keyed by a hash of the normalised Message-ID (create-once,
 * so a retry after a crash is harmless) and indexed by ticket for building References.
 */
import { createHash } from 'node:crypto';
import { isKefuError } from '../../app/errors';
import type { Json, Store } from '../../storage/port';

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

/** Records that `messageId` belongs to a ticket; the first record wins. */
export async function recordThreadId(
  store: Pick<Store, 'records'>,
  messageId: string,
  entry: Omit<ThreadIdEntry, 'messageId'>,
): Promise<void> {
  try {
    await store.records.create<Json>(THREAD_IDS_COLLECTION, key(messageId), { ...entry, messageId } as Json, {
      ticket: entry.ticket,
    });
  } catch (err) {
    if (!isKefuError(err, 'ERR_STORE_EXISTS')) throw err;
  }
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
