/**
 * The audit log (稽核紀錄): an append-only store stream `audit` of who saw or changed what
 * that the personal-data rules require to be traceable — every unmasking of personal data,
 * every integration token created or revoked. Entries are never edited or removed; readers
 * page through them by sequence number.
 */
import type { Json, StreamStore } from '../storage/port';

export const AUDIT_STREAM = 'audit';

export interface AuditEntry {
  at: number;
  /** Who: account id, role and how they signed in. */
  actor: { userId: string; role: string; via: string };
  /** What was done, e.g. `unmask`, `token-create`. */
  action: string;
  /** On what, e.g. `{ ticket: 'K-000123' }`. */
  target: { [key: string]: Json };
  /** Which fields were revealed, the reason given, the client address … */
  detail: { [key: string]: Json };
}

export interface AuditLog {
  write(entry: AuditEntry): Promise<number>;
  /** Entries after `afterSeq`, oldest first. */
  read(afterSeq?: number, limit?: number): Promise<Array<{ seq: number } & AuditEntry>>;
}

export function createAuditLog(streams: StreamStore): AuditLog {
  return {
    write: (entry) => streams.append<Json>(AUDIT_STREAM, entry as unknown as Json),
    async read(afterSeq = 0, limit = 200) {
      const rows = await streams.range<Json>(AUDIT_STREAM, afterSeq, limit);
      return rows.map((r) => ({ seq: r.seq, ...(r.value as unknown as AuditEntry) }));
    },
  };
}
