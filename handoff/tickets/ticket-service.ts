/**
 * Ticket use cases: open, read, move through the lifecycle, assign, converse, note, link.
 *
 * Every change is a compare-and-set on the ticket record (retried on conflict, so two
 * instances changing one ticket never lose an update) followed by an event appended to the
 * ticket's history stream: who, when, what. The history is append-only; the record is the
 * current state derived from it. SLA timers are scheduled in the store on creation and
 * cancelled on resolution, so they survive restarts.
 */
import type { Clock } from '../../app/clock';
import { KefuError, isKefuError } from '../../app/errors';
import type { Json, Store } from '../../storage/port';
import type { SlaPolicy } from './sla';
import {
  formatTicketNumber,
  isOpenStatus,
  transition,
  type Channel,
  type Priority,
  type QueueName,
  type Ticket,
  type TicketCustomer,
  type TicketLink,
  type TicketStatus,
  type TicketType,
} from './ticket';

/** Record collection and stream names (the store never interprets them). */
export const TICKETS_COLLECTION = 'tickets';
export const TICKET_NUMBER_SEQUENCE = 'ticket-number';
export const SLA_TIMER_KIND = 'ticket-sla-due';
const CAS_RETRIES = 8;

export function ticketEventsStream(number: string): string {
  return `ticket-events:${number}`;
}

export interface Actor {
  kind: 'customer' | 'agent' | 'bot' | 'system';
  id?: string;
  name?: string;
}

export type TicketEventType =
  | 'created'
  | 'status'
  | 'assigned'
  | 'unassigned'
  | 'message'
  | 'note'
  | 'priority'
  | 'link'
  | 'sla-breached'
  | 'abandoned'
  | 'data';

export interface TicketEvent {
  at: number;
  actor: Actor;
  type: TicketEventType;
  data: { [key: string]: Json };
}

export interface OpenTicketInput {
  type: TicketType;
  channel: Channel;
  subject: string;
  customer: TicketCustomer;
  queue?: QueueName;
  priority?: Priority;
  status?: Extract<TicketStatus, 'new' | 'queued'>;
  data?: Record<string, unknown>;
  links?: TicketLink[];
  actor: Actor;
  /** The customer's first message (the email body, the chat request), recorded as theirs. */
  firstMessage?: { text: string; meta?: { [key: string]: Json } };
}

export interface TicketListFilter {
  status?: TicketStatus;
  assigneeId?: string;
  queue?: QueueName;
  type?: TicketType;
  customerEmail?: string;
  conversationId?: string;
  limit?: number;
}

export type TicketStore = Pick<Store, 'records' | 'streams' | 'kv' | 'timers'>;

const DEFAULT_QUEUE: Record<TicketType, QueueName> = {
  'chat-handoff': 'general',
  callback: 'general',
  email: 'general',
  complaint: 'complaints',
  'address-change': 'general',
  'travel-application': 'travel',
  inquiry: 'general',
};

function indexesOf(t: Ticket): Record<string, string | undefined> {
  return {
    status: t.status,
    assignee: t.assigneeId,
    queue: t.queue,
    type: t.type,
    customerEmail: t.customer.email?.toLowerCase(),
    conversationId: t.customer.conversationId,
    open: isOpenStatus(t.status) ? 'yes' : 'no',
  };
}

export interface TicketService {
  open(input: OpenTicketInput): Promise<Ticket>;
  /** @throws ERR_TICKET_NOT_FOUND */
  get(number: string): Promise<Ticket>;
  find(number: string): Promise<Ticket | undefined>;
  list(filter?: TicketListFilter): Promise<Ticket[]>;
  /** @throws ERR_TICKET_NOT_FOUND, ERR_TICKET_TRANSITION */
  changeStatus(number: string, to: TicketStatus, actor: Actor, reason?: string): Promise<Ticket>;
  setAssignee(number: string, agentId: string | undefined, actor: Actor): Promise<Ticket>;
  addMessage(
    number: string,
    actor: Actor,
    message: { text: string; channel: Channel; meta?: { [key: string]: Json } },
  ): Promise<Ticket>;
  addNote(number: string, actor: Actor, text: string): Promise<Ticket>;
  setPriority(number: string, priority: Priority, actor: Actor): Promise<Ticket>;
  link(number: string, link: TicketLink, actor: Actor): Promise<Ticket>;
  /** Merges type-specific data (callback phone, application id …) and records it. */
  mergeData(number: string, data: Record<string, Json>, actor: Actor): Promise<Ticket>;
  /** Records an event that changes nothing on the record (SLA breach, abandonment). */
  record(number: string, actor: Actor, type: TicketEventType, data: { [key: string]: Json }): Promise<void>;
  history(number: string): Promise<TicketEvent[]>;
}

export function createTicketService(deps: { store: TicketStore; clock: Clock; sla: SlaPolicy }): TicketService {
  const { store, clock, sla } = deps;

  async function find(number: string): Promise<Ticket | undefined> {
    const rec = await store.records.get<Json>(TICKETS_COLLECTION, number.toUpperCase());
    return rec ? (rec.value as unknown as Ticket) : undefined;
  }

  async function get(number: string): Promise<Ticket> {
    const t = await find(number);
    if (!t) throw new KefuError('ERR_TICKET_NOT_FOUND', `No ticket ${number}`, { number });
    return t;
  }

  async function appendEvent(number: string, event: Omit<TicketEvent, 'at'>): Promise<void> {
    await store.streams.append<Json>(ticketEventsStream(number), { at: clock.now(), ...event } as unknown as Json);
  }

  /** Read-modify-write with compare-and-set, retried when another writer got there first. */
  async function update(
    number: string,
    mutate: (t: Ticket, now: number) => Ticket,
    event: (before: Ticket, after: Ticket) => Omit<TicketEvent, 'at'> | undefined,
  ): Promise<Ticket> {
    const id = number.toUpperCase();
    for (let attempt = 0; ; attempt++) {
      const rec = await store.records.get<Json>(TICKETS_COLLECTION, id);
      if (!rec) throw new KefuError('ERR_TICKET_NOT_FOUND', `No ticket ${number}`, { number });
      const before = rec.value as unknown as Ticket;
      const now = clock.now();
      const after = mutate(before, now);
      if (after === before) return before;
      after.updatedAt = now;
      try {
        await store.records.replace<Json>(
          TICKETS_COLLECTION,
          id,
          rec.version,
          after as unknown as Json,
          indexesOf(after),
        );
      } catch (err) {
        if (isKefuError(err, 'ERR_STORE_CONFLICT') && attempt < CAS_RETRIES) continue;
        throw err;
      }
      const e = event(before, after);
      if (e) await appendEvent(id, e);
      if (isOpenStatus(before.status) && !isOpenStatus(after.status)) await store.timers.cancel(slaTimerId(id));
      if (!isOpenStatus(before.status) && isOpenStatus(after.status)) await scheduleSla(after);
      return after;
    }
  }

  async function scheduleSla(t: Ticket): Promise<void> {
    await store.timers.schedule({
      id: slaTimerId(t.number),
      kind: SLA_TIMER_KIND,
      dueAt: t.slaDueAt,
      payload: { number: t.number },
    });
  }

  return {
    find,
    get,

    async open(input) {
      const seq = await store.kv.nextSequence(TICKET_NUMBER_SEQUENCE);
      const number = formatTicketNumber(seq);
      const now = clock.now();
      const priority = input.priority ?? (input.type === 'complaint' ? 'high' : 'normal');
      const ticket: Ticket = {
        number,
        type: input.type,
        status: input.status ?? 'new',
        priority,
        channel: input.channel,
        queue: input.queue ?? DEFAULT_QUEUE[input.type],
        subject: input.subject.slice(0, 200),
        customer: input.customer,
        createdAt: now,
        updatedAt: now,
        slaDueAt: sla.dueAt(input.type, priority, now),
        links: input.links ?? [],
        data: input.data ?? {},
      };
      await store.records.create<Json>(TICKETS_COLLECTION, number, ticket as unknown as Json, indexesOf(ticket));
      await appendEvent(number, {
        actor: input.actor,
        type: 'created',
        data: { type: ticket.type, channel: ticket.channel, status: ticket.status, priority, queue: ticket.queue },
      });
      if (input.firstMessage) {
        // The first message is the customer's own words (the bot or poller only opened the ticket).
        await appendEvent(number, {
          actor: { kind: 'customer', ...(input.customer.name ? { name: input.customer.name } : {}) },
          type: 'message',
          data: { text: input.firstMessage.text, channel: input.channel, ...(input.firstMessage.meta ?? {}) },
        });
      }
      for (const link of ticket.links) {
        await appendEvent(number, { actor: input.actor, type: 'link', data: { ...link } });
      }
      await scheduleSla(ticket);
      return ticket;
    },

    async list(filter = {}) {
      const index = filter.assigneeId
        ? { name: 'assignee', value: filter.assigneeId }
        : filter.conversationId
          ? { name: 'conversationId', value: filter.conversationId }
          : filter.customerEmail
            ? { name: 'customerEmail', value: filter.customerEmail.toLowerCase() }
            : filter.status
              ? { name: 'status', value: filter.status }
              : filter.queue
                ? { name: 'queue', value: filter.queue }
                : filter.type
                  ? { name: 'type', value: filter.type }
                  : undefined;
      const recs = await store.records.list<Json>(TICKETS_COLLECTION, index ? { index } : {});
      const tickets = recs
        .map((r) => r.value as unknown as Ticket)
        .filter(
          (t) =>
            (!filter.status || t.status === filter.status) &&
            (!filter.assigneeId || t.assigneeId === filter.assigneeId) &&
            (!filter.queue || t.queue === filter.queue) &&
            (!filter.type || t.type === filter.type) &&
            (!filter.customerEmail || t.customer.email?.toLowerCase() === filter.customerEmail.toLowerCase()) &&
            (!filter.conversationId || t.customer.conversationId === filter.conversationId),
        )
        .sort((a, b) => b.createdAt - a.createdAt);
      return filter.limit ? tickets.slice(0, filter.limit) : tickets;
    },

    changeStatus(number, to, actor, reason) {
      return update(
        number,
        (t, now) => transition(t, to, now),
        (before, after) => ({
          actor,
          type: 'status',
          data: { from: before.status, to: after.status, ...(reason ? { reason } : {}) },
        }),
      );
    },

    setAssignee(number, agentId, actor) {
      return update(
        number,
        (t, now) => {
          if (t.assigneeId === agentId) return t;
          const next: Ticket = { ...t };
          if (agentId) next.assigneeId = agentId;
          else delete next.assigneeId;
          if (agentId && (t.status === 'new' || t.status === 'queued')) return transition(next, 'assigned', now);
          if (!agentId && t.status === 'assigned') return transition(next, 'queued', now);
          return next;
        },
        (before, after): Omit<TicketEvent, 'at'> => {
          const from = before.assigneeId ?? null;
          if (after.assigneeId) return { actor, type: 'assigned', data: { agentId: after.assigneeId, from } };
          return { actor, type: 'unassigned', data: { from } };
        },
      );
    },

    addMessage(number, actor, message) {
      return update(
        number,
        (t, now) => {
          const next: Ticket = { ...t };
          if (actor.kind === 'agent' && next.firstResponseAt === undefined) next.firstResponseAt = now;
          // The customer answered: the ball is back with the desk.
          if (actor.kind === 'customer' && t.status === 'waiting-customer') return transition(next, 'in-progress', now);
          return next;
        },
        () => ({
          actor,
          type: 'message',
          data: { text: message.text, channel: message.channel, ...(message.meta ?? {}) },
        }),
      );
    },

    addNote(number, actor, text) {
      return update(
        number,
        (t) => ({ ...t }),
        () => ({ actor, type: 'note', data: { text } }),
      );
    },

    setPriority(number, priority, actor) {
      return update(
        number,
        (t) => (t.priority === priority ? t : { ...t, priority }),
        (before) => ({ actor, type: 'priority', data: { from: before.priority, to: priority } }),
      );
    },

    link(number, link, actor) {
      return update(
        number,
        (t) => (t.links.some((l) => l.number === link.number) ? t : { ...t, links: [...t.links, link] }),
        () => ({ actor, type: 'link', data: { ...link } }),
      );
    },

    mergeData(number, data, actor) {
      return update(
        number,
        (t) => ({ ...t, data: { ...t.data, ...data } }),
        () => ({ actor, type: 'data', data }),
      );
    },

    async record(number, actor, type, data) {
      await get(number);
      await appendEvent(number.toUpperCase(), { actor, type, data });
    },

    async history(number) {
      const entries = await store.streams.range<Json>(ticketEventsStream(number.toUpperCase()), 0, 100_000);
      return entries.map((e) => e.value as unknown as TicketEvent);
    },
  };
}

export function slaTimerId(number: string): string {
  return `sla:${number}`;
}
