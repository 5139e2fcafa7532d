/**
 * Tickets through the console API. Lists and the ticket view mask personal data; the full
 * values come only from the unmask route, for leads and admins, and each use is audited.
 *
 *   GET  /api/v1/tickets?status=&queue=&type=&assignee=&mine=&q=&limit=&offset=
 *   POST /api/v1/tickets                      open a ticket (phone call, walk-in, integration)
 *   GET  /api/v1/tickets/:number              ticket + history (+ assignment state)
 *   POST /api/v1/tickets/:number/status       {status, reason?}
 *   POST /api/v1/tickets/:number/notes        {text}
 *   POST /api/v1/tickets/:number/reply        {text} → by email (email tickets) or into the web chat
 *   POST /api/v1/tickets/:number/accept | decline | claim | handback | resolve
 *   POST /api/v1/tickets/:number/assign       (lead) {agentId}
 *   POST /api/v1/tickets/:number/unmask       (lead) {reason} → full personal data, audited
 *
 * Agents may change only tickets they hold (accept/decline/claim check the offer or the
 * queue); leads and admins may change any.
 */
import type { Request } from 'restify';
import { z } from 'zod';
import { KefuError } from '../../app/errors';
import {
  PRIORITIES,
  QUEUES,
  type Ticket,
  TICKET_STATUSES,
  TICKET_TYPES,
  isOpenStatus,
} from '../../handoff/tickets/ticket';
import type { Actor } from '../../handoff/tickets/ticket-service';
import { hasRole, type Principal, actingAgentId } from '../auth/principal';
import { presentData, presentHistory, summariseTicket } from '../present';
import { API_BASE, clientAddress, guarded, param, parseBody, parseQuery, type RouteContext } from './context';

const MAX_TEXT = 10_000;
const TICKET_NUMBER = /^K-\d{6,}$/;

const ListQuery = z.object({
  status: z.enum([...TICKET_STATUSES, 'open']).optional(),
  queue: z.enum(QUEUES).optional(),
  type: z.enum(TICKET_TYPES).optional(),
  assignee: z.string().min(1).max(63).optional(),
  mine: z.enum(['1', 'true']).optional(),
  q: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

const OpenBody = z.object({
  type: z.enum(TICKET_TYPES),
  subject: z.string().trim().min(1).max(300),
  channel: z.enum(['phone', 'api', 'email', 'webchat']).default('phone'),
  queue: z.enum(QUEUES).optional(),
  priority: z.enum(PRIORITIES).optional(),
  customer: z.object({
    name: z.string().trim().min(1).max(100).optional(),
    email: z.email().max(254).optional(),
    phone: z
      .string()
      .trim()
      .regex(/^[+\d][\d\s-]{5,19}$/, 'not a phone number')
      .optional(),
    lang: z.enum(['zh-TW', 'en']).default('zh-TW'),
  }),
  text: z.string().max(MAX_TEXT).optional(),
  /** Queue it for assignment at once (default true). */
  enqueue: z.boolean().default(true),
});

const StatusBody = z.object({ status: z.enum(TICKET_STATUSES), reason: z.string().max(500).optional() });
const TextBody = z.object({ text: z.string().trim().min(1).max(MAX_TEXT) });
const AssignBody = z.object({ agentId: z.string().min(1).max(63) });
const UnmaskBody = z.object({ reason: z.string().trim().min(3).max(500) });

function actorOf(who: Principal): Actor {
  return { kind: 'agent', id: who.agentId ?? who.userId, name: who.name };
}

/** @throws ERR_BAD_REQUEST on a malformed number */
function numberOf(req: Request): string {
  const n = param(req, 'number').toUpperCase();
  if (!TICKET_NUMBER.test(n))
    throw new KefuError('ERR_BAD_REQUEST', `"${param(req, 'number')}" is not a ticket number like K-000123.`);
  return n;
}

/** Agents work only the tickets they hold. @throws ERR_FORBIDDEN */
function assertMayWork(who: Principal, ticket: Ticket): void {
  if (hasRole(who.role, 'lead')) return;
  if (!who.agentId || ticket.assigneeId !== who.agentId) {
    throw new KefuError('ERR_FORBIDDEN', `Ticket ${ticket.number} is not assigned to you.`, { number: ticket.number });
  }
}

function isEmailTicket(t: Ticket): boolean {
  return t.channel === 'email' || t.type === 'email';
}

export function mountTicketRoutes(ctx: RouteContext): void {
  const { server, tickets, handoff, clock } = ctx;
  const base = `${API_BASE}/tickets`;

  async function detail(number: string, reveal: boolean) {
    const ticket = await tickets.get(number);
    const [events, work] = await Promise.all([tickets.history(number), handoff.assignment.status(number)]);
    return {
      ticket: {
        ...summariseTicket(ticket, clock.now(), reveal),
        links: ticket.links,
        data: presentData(ticket.data, reveal),
        ...(ticket.firstResponseAt ? { firstResponseAt: ticket.firstResponseAt } : {}),
        ...(ticket.resolvedAt ? { resolvedAt: ticket.resolvedAt } : {}),
      },
      work: work
        ? {
            state: work.state,
            pool: work.pool,
            waitingSince: work.waitingSince,
            ...(work.agentId ? { agentId: work.agentId } : {}),
            ...(work.offeredAt ? { offeredAt: work.offeredAt } : {}),
          }
        : null,
      history: presentHistory(events, reveal),
    };
  }

  async function changed(number: string, who: Principal) {
    await ctx.notify({ type: 'ticket', ticket: number, agentId: who.agentId ?? who.userId });
  }

  server.get(
    base,
    guarded(ctx, 'agent', async (req, res, who) => {
      const q = parseQuery(ListQuery, req);
      const assignee = q.mine ? (who.agentId ?? '-') : q.assignee;
      const status = q.status === 'open' ? undefined : q.status;
      let all = await tickets.list({
        ...(status ? { status } : {}),
        ...(assignee ? { assigneeId: assignee } : {}),
        ...(q.queue ? { queue: q.queue } : {}),
        ...(q.type ? { type: q.type } : {}),
      });
      // The store filters by one index at most; apply every filter here too.
      all = all.filter(
        (t) =>
          (q.status !== 'open' || isOpenStatus(t.status)) &&
          (!status || t.status === status) &&
          (!assignee || t.assigneeId === assignee) &&
          (!q.queue || t.queue === q.queue) &&
          (!q.type || t.type === q.type) &&
          (!q.q || t.number.includes(q.q.toUpperCase()) || t.subject.toLowerCase().includes(q.q.toLowerCase())),
      );
      all.sort((a, b) => b.updatedAt - a.updatedAt || (a.number < b.number ? 1 : -1));
      const page = all.slice(q.offset, q.offset + q.limit);
      const now = clock.now();
      res.send(200, {
        tickets: page.map((t) => summariseTicket(t, now)),
        total: all.length,
        ...(q.offset + q.limit < all.length ? { nextOffset: q.offset + q.limit } : {}),
      });
    }),
  );

  server.post(
    base,
    guarded(ctx, 'agent', async (req, res, who) => {
      const body = parseBody(OpenBody, req);
      const ticket = await tickets.open({
        type: body.type,
        channel: body.channel,
        subject: body.subject,
        customer: {
          ...(body.customer.name ? { name: body.customer.name } : {}),
          ...(body.customer.email ? { email: body.customer.email } : {}),
          ...(body.customer.phone ? { phone: body.customer.phone } : {}),
          lang: body.customer.lang,
        },
        ...(body.queue ? { queue: body.queue } : {}),
        ...(body.priority ? { priority: body.priority } : {}),
        status: body.enqueue ? 'queued' : 'new',
        actor: actorOf(who),
      });
      // What the customer asked, as the agent wrote it down: a note, not a reply to the customer.
      if (body.text) await tickets.addNote(ticket.number, actorOf(who), body.text);
      if (body.enqueue) await handoff.assignment.enqueue(ticket.number);
      await changed(ticket.number, who);
      res.send(201, summariseTicket(await tickets.get(ticket.number), clock.now()));
    }),
  );

  server.get(
    `${base}/:number`,
    guarded(ctx, 'agent', async (req, res) => {
      res.send(200, await detail(numberOf(req), false));
    }),
  );

  server.post(
    `${base}/:number/status`,
    guarded(ctx, 'agent', async (req, res, who) => {
      const number = numberOf(req);
      const body = parseBody(StatusBody, req);
      assertMayWork(who, await tickets.get(number));
      await tickets.changeStatus(number, body.status, actorOf(who), body.reason);
      if (body.status === 'resolved' || body.status === 'closed') {
        await handoff.assignment.release(number, body.status === 'resolved' ? 'resolved' : 'cancelled');
      } else if (body.status === 'queued') {
        await handoff.assignment.enqueue(number);
      }
      await changed(number, who);
      res.send(200, await detail(number, false));
    }),
  );

  server.post(
    `${base}/:number/notes`,
    guarded(ctx, 'agent', async (req, res, who) => {
      const number = numberOf(req);
      const body = parseBody(TextBody, req);
      await tickets.addNote(number, actorOf(who), body.text);
      await changed(number, who);
      res.send(201, await detail(number, false));
    }),
  );

  server.post(
    `${base}/:number/reply`,
    guarded(ctx, 'agent', async (req, res, who) => {
      const number = numberOf(req);
      const body = parseBody(TextBody, req);
      const ticket = await tickets.get(number);
      assertMayWork(who, ticket);
      const agent = { id: who.agentId ?? who.userId, name: who.name };
      let via: 'email' | 'webchat';
      if (isEmailTicket(ticket)) {
        if (!ctx.email)
          throw new KefuError('ERR_BAD_REQUEST', 'The email channel is not running; the reply cannot be sent.');
        await ctx.email.replyByEmail(number, agent, body.text);
        via = 'email';
      } else if (ticket.customer.conversationId && ctx.liveChat) {
        // The live chat use case shows it under the agent's name and keeps it on the transcript.
        await ctx.liveChat.agentMessage(number, agent, body.text);
        via = 'webchat';
      } else if (ticket.customer.conversationId) {
        if (!ctx.webchat) throw new KefuError('ERR_BAD_REQUEST', 'The web chat channel is not running.');
        const sent = await ctx.webchat.deliverToConversation(ticket.customer.conversationId, {
          text: body.text,
          from: { id: `agent:${agent.id}`, name: agent.name },
          locale: ticket.customer.lang,
          channelData: { kefu: { intent: 'handoff', ticket: number, agent: agent.id } },
        });
        await tickets.addMessage(number, actorOf(who), {
          text: body.text,
          channel: 'webchat',
          meta: { activityId: sent.id },
        });
        via = 'webchat';
      } else {
        throw new KefuError(
          'ERR_BAD_REQUEST',
          `Ticket ${number} came by ${ticket.channel} and has no email or chat to answer on; call the customer and add a note.`,
        );
      }
      await changed(number, who);
      res.send(201, { via, ...(await detail(number, false)) });
    }),
  );

  // Assignment steps: the assignment service checks offers, holders and capacity atomically.
  const step = (name: string, run: (number: string, who: Principal) => Promise<unknown>) =>
    server.post(
      `${base}/:number/${name}`,
      guarded(ctx, 'agent', async (req, res, who) => {
        const number = numberOf(req);
        await run(number, who);
        await changed(number, who);
        res.send(200, await detail(number, false));
      }),
    );

  step('accept', (n, who) => handoff.assignment.accept(n, actingAgentId(who)));
  step('decline', (n, who) => handoff.assignment.decline(n, actingAgentId(who)));
  step('claim', (n, who) => handoff.assignment.claim(n, actingAgentId(who)));
  step('resolve', async (n, who) => {
    const ticket = await tickets.get(n);
    assertMayWork(who, ticket);
    if (who.agentId && ticket.assigneeId === who.agentId) return handoff.assignment.resolve(n, who.agentId);
    // A lead closing someone else's ticket: resolve it and free the holder's place.
    await tickets.changeStatus(n, 'resolved', actorOf(who), 'resolved by a team lead');
    return handoff.assignment.release(n, 'resolved');
  });
  step('handback', async (n, who) => {
    const ticket = await tickets.get(n);
    assertMayWork(who, ticket);
    if (ctx.liveChat) {
      // Ends the live phase (the customer is told once), frees the place, resolves the ticket.
      await ctx.liveChat.handBack(n, { id: who.agentId ?? who.userId, name: who.name });
      return;
    }
    await handoff.assignment.release(n, 'handback');
    if (ticket.customer.conversationId && ctx.webchat) {
      const zh = ticket.customer.lang !== 'en';
      await ctx.webchat.deliverToConversation(ticket.customer.conversationId, {
        text: zh
          ? '客服人員已將對話交回智能客服，您可以繼續提問。'
          : 'The agent has handed the conversation back to the assistant; you can keep asking.',
        locale: ticket.customer.lang,
        channelData: { kefu: { intent: 'handoff', ticket: n, handback: true } },
      });
    }
    if (isOpenStatus(ticket.status)) await tickets.changeStatus(n, 'resolved', actorOf(who), 'handed back to the bot');
  });

  server.post(
    `${base}/:number/assign`,
    guarded(ctx, 'lead', async (req, res, who) => {
      const number = numberOf(req);
      const body = parseBody(AssignBody, req);
      await handoff.agents.getAgent(body.agentId);
      const work = await handoff.assignment.status(number);
      if (!work || work.state === 'closed') await handoff.assignment.enqueue(number);
      await handoff.assignment.claim(number, body.agentId);
      await changed(number, who);
      res.send(200, await detail(number, false));
    }),
  );

  server.post(
    `${base}/:number/unmask`,
    guarded(ctx, 'lead', async (req, res, who) => {
      const number = numberOf(req);
      const body = parseBody(UnmaskBody, req);
      const ticket = await tickets.get(number);
      const fields = [
        ...Object.keys(ticket.customer).filter((k) => ['name', 'email', 'phone'].includes(k)),
        'history',
        'data',
      ];
      // Written before the data leaves: no unmasking without its audit entry.
      await ctx.audit.write({
        at: clock.now(),
        actor: { userId: who.userId, role: who.role, via: who.via },
        action: 'unmask',
        target: { ticket: number },
        detail: { fields, reason: body.reason, address: clientAddress(req) },
      });
      ctx.log.info({ component: 'console', user: who.userId, ticket: number }, 'personal data unmasked');
      res.send(200, await detail(number, true));
    }),
  );
}
