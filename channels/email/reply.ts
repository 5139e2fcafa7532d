/**
 * Agents answer a ticket by email (from the console or the API): `replyByEmail` records the
 * agent's message on the ticket and queues the mail in the outbox with the ticket number in
 * the subject and In-Reply-To/References built from the thread's Message-IDs, so the
 * customer's answer threads back to the same ticket.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../app/clock';
import { KefuError } from '../../app/errors';
import type { TicketService } from '../../handoff/tickets/ticket-service';
import type { Store } from '../../storage/port';
import type { Outbox, OutboxMessage } from './outbox';
import { headerSafe, stripNul } from './parse';
import { threadIdsOf } from './thread-ids';

export interface ReplyAgent {
  id: string;
  name?: string;
}

export interface ReplyResult {
  outboxId: string;
  messageId: string;
  to: string;
}

export type ReplyByEmail = (ticketNumber: string, agent: ReplyAgent, text: string) => Promise<ReplyResult>;

const MAX_REFERENCES = 20;

/**
 * Builds the `replyByEmail` use case.
 * @throws (from the use case) ERR_TICKET_NOT_FOUND, ERR_EMAIL_NO_ADDRESS, ERR_BAD_REQUEST (empty text).
 */
export function createReplyByEmail(deps: {
  store: Pick<Store, 'records'>;
  tickets: TicketService;
  outbox: Outbox;
  clock: Clock;
}): ReplyByEmail {
  return async (ticketNumber, agent, text) => {
    const body = stripNul(text).trim();
    if (!body) throw new KefuError('ERR_BAD_REQUEST', 'an email reply needs text');
    const ticket = await deps.tickets.get(ticketNumber);
    const to = ticket.customer.email;
    if (!to) {
      throw new KefuError('ERR_EMAIL_NO_ADDRESS', `ticket ${ticket.number} has no customer email address`, {
        number: ticket.number,
      });
    }
    const thread = await threadIdsOf(deps.store, ticket.number);
    const lastInbound = [...thread].reverse().find((t) => t.direction === 'in');
    const references = thread
      .map((t) => t.messageId)
      .filter((m): m is string => typeof m === 'string')
      .slice(-MAX_REFERENCES);
    const base = headerSafe(ticket.subject).replace(/^(re|fw|fwd|回覆|答覆|轉寄)\s*[:：]\s*/i, '');
    const subject = `Re: [#${ticket.number}] ${base}`.slice(0, 300);
    const seq = createHash('sha256')
      .update(`${ticket.number}\u0000${agent.id}\u0000${deps.clock.now()}\u0000${body}`)
      .digest('hex');
    const outboxId = `reply:${ticket.number}:${seq.slice(0, 20)}`;
    const msg: OutboxMessage = await deps.outbox.enqueue({
      id: outboxId,
      kind: 'reply',
      ticket: ticket.number,
      to,
      subject,
      text: body,
      inReplyTo: lastInbound?.messageId ?? references.at(-1),
      references,
    });
    await deps.tickets.addMessage(
      ticket.number,
      { kind: 'agent', id: agent.id, ...(agent.name ? { name: agent.name } : {}) },
      {
        text: body,
        channel: 'email',
        meta: { outboxId, messageId: msg.messageId, to },
      },
    );
    return { outboxId, messageId: msg.messageId, to };
  };
}
