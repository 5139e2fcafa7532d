/**
 * The ticket (問題單): the one record every channel's unresolved work becomes — a chat handed
 * to a person, a callback, an email, a complaint, an address change, a travel application,
 * an inquiry. This module holds its shape and the lifecycle, enforced here and nowhere else:
 *
 *   new → queued → assigned → in-progress → waiting-customer → resolved → closed
 *   (plus reopen: resolved/closed → queued, and the shortcuts the desk really takes)
 *
 * Pure: no store, no clock; use cases in `ticket-service.ts` persist and record events.
 */
import { KefuError } from '../../app/errors';
import type { Lang } from '../../knowledge/types';

export const TICKET_TYPES = [
  'chat-handoff',
  'callback',
  'email',
  'complaint', // 申訴
  'address-change', // 地址變更
  'travel-application', // 旅平險投保
  'inquiry',
] as const;
export type TicketType = (typeof TICKET_TYPES)[number];

export const TICKET_STATUSES = [
  'new',
  'queued',
  'assigned',
  'in-progress',
  'waiting-customer',
  'resolved',
  'closed',
] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Work queues; an agent needs the matching skill `queue:<name>`. */
export const QUEUES = ['general', 'travel', 'complaints', 'agent-support'] as const;
export type QueueName = (typeof QUEUES)[number];

export type Channel = 'webchat' | 'email' | 'phone' | 'api' | 'bot-framework';

export interface TicketCustomer {
  /** Display name as given (masked in lists). */
  name?: string;
  email?: string;
  phone?: string;
  /** Web chat user id / conversation id when the ticket came from chat. */
  userId?: string;
  conversationId?: string;
  lang: Lang;
}

export interface TicketLink {
  number: string;
  relation: 'follows-up' | 'related' | 'duplicate-of';
}

export interface Ticket {
  /** Human-friendly number and record id, e.g. K-000123. */
  number: string;
  type: TicketType;
  status: TicketStatus;
  priority: Priority;
  channel: Channel;
  queue: QueueName;
  subject: string;
  customer: TicketCustomer;
  assigneeId?: string;
  createdAt: number;
  updatedAt: number;
  /** When the SLA for this ticket's type runs out (epoch ms). */
  slaDueAt: number;
  firstResponseAt?: number;
  resolvedAt?: number;
  closedAt?: number;
  links: TicketLink[];
  /** Type-specific data (callback window, application id, email thread ids …). */
  data: Record<string, unknown>;
  // Index signature so a Ticket is a JSON record for the store.
  [key: string]: unknown;
}

/** Which moves are allowed. Reopen goes back to `queued` so the ticket is handed out again. */
const TRANSITIONS: Record<TicketStatus, readonly TicketStatus[]> = {
  new: ['queued', 'assigned', 'in-progress', 'resolved', 'closed'],
  queued: ['assigned', 'in-progress', 'resolved', 'closed'],
  assigned: ['in-progress', 'queued', 'resolved', 'closed'],
  'in-progress': ['waiting-customer', 'resolved', 'queued', 'closed'],
  'waiting-customer': ['in-progress', 'resolved', 'queued', 'closed'],
  resolved: ['closed', 'queued'],
  closed: ['queued'],
};

/** Whether the lifecycle allows `from → to`. */
export function canTransition(from: TicketStatus, to: TicketStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The statuses that count as open work. */
export function isOpenStatus(status: TicketStatus): boolean {
  return status !== 'resolved' && status !== 'closed';
}

/**
 * Applies a status change to a ticket (pure); timestamps follow the lifecycle.
 * @throws ERR_TICKET_TRANSITION when the lifecycle does not allow the move.
 */
export function transition(ticket: Ticket, to: TicketStatus, now: number): Ticket {
  if (ticket.status === to) return ticket;
  if (!canTransition(ticket.status, to)) {
    throw new KefuError('ERR_TICKET_TRANSITION', `A ticket cannot go from ${ticket.status} to ${to}`, {
      number: ticket.number,
      from: ticket.status,
      to,
    });
  }
  const next: Ticket = { ...ticket, status: to, updatedAt: now };
  if (to === 'resolved') next.resolvedAt = now;
  if (to === 'closed') next.closedAt = now;
  if (to === 'queued' && (ticket.status === 'resolved' || ticket.status === 'closed')) {
    // Reopened: it is open work again.
    delete next.resolvedAt;
    delete next.closedAt;
    delete next.assigneeId;
  }
  if (to === 'queued' && ticket.status !== 'new') delete next.assigneeId;
  return next;
}

/** K-000123 from a sequence value. */
export function formatTicketNumber(seq: number): string {
  return `K-${String(seq).padStart(6, '0')}`;
}

const TICKET_NUMBER = /\bK-(\d{6,})\b/i;

/** Finds a ticket number in free text (a subject, a chat message), normalised to upper case. */
export function findTicketNumber(text: string): string | undefined {
  const m = TICKET_NUMBER.exec(text);
  return m ? `K-${m[1]}` : undefined;
}
