/**
 * The vocabulary of assignment, pure: capacity pools, assignment slots, queue names, the
 * skills a ticket needs, and the estimated wait.
 *
 * An agent has two capacity pools — live chats and callbacks (with the other back-office
 * work) — and the store's atomic assignment step knows one capacity per "agent". So each
 * agent is two slots in `store.assignment`: `<agentId>#live` and `<agentId>#callback`, each
 * carrying the agent's presence and skills plus `pool:<pool>`, kept in step with the agent
 * record. A ticket of type chat-handoff needs a live slot; every other type a callback slot.
 */
import type { Ticket, TicketType } from '../tickets/ticket';

export const POOLS = ['live', 'callback'] as const;
export type Pool = (typeof POOLS)[number];

const SLOT_SEPARATOR = '#';

export function poolOf(type: TicketType): Pool {
  return type === 'chat-handoff' ? 'live' : 'callback';
}

export function slotId(agentId: string, pool: Pool): string {
  return `${agentId}${SLOT_SEPARATOR}${pool}`;
}

/** The agent and pool of a slot id, or undefined for a slot that is not ours. */
export function parseSlotId(slot: string): { agentId: string; pool: Pool } | undefined {
  const at = slot.lastIndexOf(SLOT_SEPARATOR);
  if (at <= 0) return undefined;
  const pool = slot.slice(at + 1);
  if (pool !== 'live' && pool !== 'callback') return undefined;
  return { agentId: slot.slice(0, at), pool };
}

export function poolSkill(pool: Pool): string {
  return `pool:${pool}`;
}

/** The store queue where unassigned work of a pool waits, oldest first. */
export function queueOf(pool: Pool): string {
  return `handoff:${pool}`;
}

/** Skills a ticket needs by default: its queue and the customer's language. */
export function requiredSkillsOf(ticket: Pick<Ticket, 'queue' | 'customer'>): string[] {
  return [`queue:${ticket.queue}`, `lang:${ticket.customer.lang}`];
}

/**
 * Estimated wait of a queued ticket, in seconds:
 *
 *     estimatedWaitS = ceil(position × averageHandleS / onlineAgents)
 *
 * where `position` is 1 for the next ticket to be handed out, `averageHandleS` the mean time
 * from accept to release of the pool's finished work (a default until there is history), and
 * `onlineAgents` the agents online with the ticket's skills and capacity in the pool. Each of
 * them frees a place about every `averageHandleS / capacity`, but a free place goes first to
 * the tickets ahead; counting one place per agent keeps the estimate on the safe (longer)
 * side, which is the promise a waiting customer should get. Undefined when nobody who could
 * take the ticket is online.
 */
export function estimateWaitS(position: number, averageHandleS: number, onlineAgents: number): number | undefined {
  if (onlineAgents <= 0) return undefined;
  return Math.ceil((position * averageHandleS) / onlineAgents);
}
