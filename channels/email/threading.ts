/**
 * Decides which ticket a received email belongs to — the threading rule, pure.
 *
 * Order (reliability-lessons.md, "Threading"): the ticket number in the subject
 * (`[#K-000123]`) first, then In-Reply-To, then References (newest first) against the
 * Message-IDs we sent and received. A candidate is only joined when the sender is the
 * ticket's customer or a participant of its thread; otherwise (another customer quoting a
 * ticket number, Zammad #5064) a new ticket is opened that links the old one. A reply to a
 * resolved or closed ticket reopens it.
 */
import { findTicketNumber, isOpenStatus, type TicketStatus } from '../../handoff/tickets/ticket';

export type ThreadVia = 'subject' | 'in-reply-to' | 'references';

/** A ticket the mail points at, with what the decision needs to know about it. */
export interface ThreadCandidate {
  number: string;
  via: ThreadVia;
  status: TicketStatus;
  /** The ticket's customer address and the thread's other participants, lower case. */
  participants: string[];
}

export type ThreadDecision =
  | { kind: 'append'; number: string; via: ThreadVia; reopen: boolean }
  | { kind: 'new'; linkTo?: { number: string; via: ThreadVia } };

const BRACKETED = /\[#\s*(K-\d{6,})\s*\]/i;

/** The ticket number a subject refers to: `[#K-000123]` first, then a bare K-000123. */
export function ticketNumberInSubject(subject: string): string | undefined {
  const m = BRACKETED.exec(subject);
  if (m?.[1]) return m[1].toUpperCase();
  return findTicketNumber(subject);
}

/**
 * Picks the ticket to join. `candidates` are in priority order (subject, In-Reply-To,
 * References newest first) and only those that exist.
 */
export function decideThread(sender: string | undefined, candidates: readonly ThreadCandidate[]): ThreadDecision {
  const who = sender?.toLowerCase();
  for (const c of candidates) {
    if (who && c.participants.includes(who)) {
      return { kind: 'append', number: c.number, via: c.via, reopen: !isOpenStatus(c.status) };
    }
  }
  const first = candidates[0];
  return first ? { kind: 'new', linkTo: { number: first.number, via: first.via } } : { kind: 'new' };
}
