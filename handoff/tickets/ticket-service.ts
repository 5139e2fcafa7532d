/**
 * Ticket use cases: open, read, move through the lifecycle, assign, converse, note, link.
 *
 * Every change is a draft (`TicketDraft`): the ticket as it will be, plus the writes that make
 * it so — the record (compare-and-set on its version), the events appended to the ticket's
 * history stream (who, when, what) and the SLA timer (scheduled while the ticket is open,
 * cancelled when it is resolved, so it survives restarts). The writes are committed together
 * in one unit of work (`Store.commit`): a crash never leaves a record without its history, and
 * of two instances changing one ticket the later one retries on the new version, so no update
 * is lost. A caller with writes of its own (the email ingest: ledger entry, acknowledgement)
 * takes a draft and commits its writes with the ticket's, as one step.
 */
import type { Clock } from '../../app/clock';
import { KefuError, isKefuError } from '../../app/errors';
import type { Json, Store, StoreWrite, VersionedRecord } from '../../storage/port';
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

export type TicketStore = Pick<Store, 'records' | 'streams' | 'kv' | 'timers' | 'commit'>;

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

/**
 * One ticket's changes, prepared in memory for one commit. Each method applies a change the way
 * the service's method of the same name does (the same lifecycle rules and events) and returns
 * the draft; `writes()` is what to commit. A draft of an existing ticket compares-and-sets on
 * the version it was read at: committing it after someone else changed the ticket fails with
 * ERR_STORE_CONFLICT, and the caller takes a fresh draft.
 */
export interface TicketDraft {
  /** The ticket with every change so far. */
  readonly ticket: Ticket;
  /** True for a ticket being opened (its number is reserved, nothing else is stored yet). */
  readonly isNew: boolean;
  /** Whether committing would write anything. */
  readonly changed: boolean;
  changeStatus(to: TicketStatus, actor: Actor, reason?: string): TicketDraft;
  setAssignee(agentId: string | undefined, actor: Actor): TicketDraft;
  addMessage(actor: Actor, message: { text: string; channel: Channel; meta?: { [key: string]: Json } }): TicketDraft;
  addNote(actor: Actor, text: string): TicketDraft;
  setPriority(priority: Priority, actor: Actor): TicketDraft;
  link(link: TicketLink, actor: Actor): TicketDraft;
  mergeData(data: Record<string, Json>, actor: Actor): TicketDraft;
  /** An event that changes nothing on the record (SLA breach, abandonment). */
  record(actor: Actor, type: TicketEventType, data: { [key: string]: Json }): TicketDraft;
  /** The record, history and timer writes, in order, for `Store.commit`. */
  writes(): StoreWrite[];
}

export interface TicketService {
  open(input: OpenTicketInput): Promise<Ticket>;
  /**
   * A draft of a new ticket: reserves its number (a number reserved by a draft that is never
   * committed is skipped, as a crash between the two would skip it anyway).
   */
  draftNew(input: OpenTicketInput): Promise<TicketDraft>;
  /** A draft of an existing ticket at its current version. @throws ERR_TICKET_NOT_FOUND */
  draft(number: string): Promise<TicketDraft>;
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

  async function draft(number: string): Promise<TicketDraft> {
    const rec = await store.records.get<Json>(TICKETS_COLLECTION, number.toUpperCase());
    if (!rec) throw new KefuError('ERR_TICKET_NOT_FOUND', `No ticket ${number}`, { number });
    return new Draft(clock, rec as unknown as VersionedRecord<Ticket & Json>);
  }

  /** Drafts, applies and commits one change, taking a fresh draft when another writer got there first. */
  async function change(number: string, apply: (d: TicketDraft) => void): Promise<Ticket> {
    for (let attempt = 0; ; attempt++) {
      const d = await draft(number);
      apply(d);
      if (!d.changed) return d.ticket;
      try {
        await store.commit(d.writes());
        return d.ticket;
      } catch (err) {
        if (isKefuError(err, 'ERR_STORE_CONFLICT') && attempt < CAS_RETRIES) continue;
        throw err;
      }
    }
  }

  async function draftNew(input: OpenTicketInput): Promise<TicketDraft> {
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
    const d = new Draft(clock, undefined, ticket);
    d.record(input.actor, 'created', {
      type: ticket.type,
      channel: ticket.channel,
      status: ticket.status,
      priority,
      queue: ticket.queue,
    });
    if (input.firstMessage) {
      // The first message is the customer's own words (the bot or poller only opened the ticket).
      d.record({ kind: 'customer', ...(input.customer.name ? { name: input.customer.name } : {}) }, 'message', {
        text: input.firstMessage.text,
        channel: input.channel,
        ...(input.firstMessage.meta ?? {}),
      });
    }
    for (const link of ticket.links) d.record(input.actor, 'link', { ...link });
    return d;
  }

  return {
    find,
    get,
    draft,
    draftNew,

    async open(input) {
      const d = await draftNew(input);
      await store.commit(d.writes());
      return d.ticket;
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

    changeStatus: (number, to, actor, reason) => change(number, (d) => d.changeStatus(to, actor, reason)),
    setAssignee: (number, agentId, actor) => change(number, (d) => d.setAssignee(agentId, actor)),
    addMessage: (number, actor, message) => change(number, (d) => d.addMessage(actor, message)),
    addNote: (number, actor, text) => change(number, (d) => d.addNote(actor, text)),
    setPriority: (number, priority, actor) => change(number, (d) => d.setPriority(priority, actor)),
    link: (number, link, actor) => change(number, (d) => d.link(link, actor)),
    mergeData: (number, data, actor) => change(number, (d) => d.mergeData(data, actor)),

    async record(number, actor, type, data) {
      await change(number, (d) => d.record(actor, type, data));
    },

    async history(number) {
      const entries = await store.streams.range<Json>(ticketEventsStream(number.toUpperCase()), 0, 100_000);
      return entries.map((e) => e.value as unknown as TicketEvent);
    },
  };
}

class Draft implements TicketDraft {
  private current: Ticket;
  private readonly events: TicketEvent[] = [];

  /** `stored` is the record as read (an existing ticket), or undefined with `opening` (a new one). */
  constructor(
    private readonly clock: Clock,
    private readonly stored: VersionedRecord<Ticket & Json> | undefined,
    opening?: Ticket,
  ) {
    const start = stored?.value ?? opening;
    if (!start) throw new Error('a draft needs a stored ticket or a new one');
    this.current = start;
  }

  get ticket(): Ticket {
    return this.current;
  }

  get isNew(): boolean {
    return this.stored === undefined;
  }

  get changed(): boolean {
    return this.isNew || this.events.length > 0 || this.current !== this.stored?.value;
  }

  /** Applies one change: the new state (the same object when nothing changes) and its event. */
  private apply(
    mutate: (t: Ticket, now: number) => Ticket,
    event: (before: Ticket, after: Ticket) => Omit<TicketEvent, 'at'> | undefined,
  ): TicketDraft {
    const before = this.current;
    const now = this.clock.now();
    const after = mutate(before, now);
    if (after === before) return this;
    after.updatedAt = now;
    this.current = after;
    const e = event(before, after);
    if (e) this.events.push({ at: now, ...e });
    return this;
  }

  changeStatus(to: TicketStatus, actor: Actor, reason?: string): TicketDraft {
    return this.apply(
      (t, now) => transition(t, to, now),
      (before, after) => ({
        actor,
        type: 'status',
        data: { from: before.status, to: after.status, ...(reason ? { reason } : {}) },
      }),
    );
  }

  setAssignee(agentId: string | undefined, actor: Actor): TicketDraft {
    return this.apply(
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
  }

  addMessage(actor: Actor, message: { text: string; channel: Channel; meta?: { [key: string]: Json } }): TicketDraft {
    return this.apply(
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
  }

  addNote(actor: Actor, text: string): TicketDraft {
    return this.apply(
      (t) => ({ ...t }),
      () => ({ actor, type: 'note', data: { text } }),
    );
  }

  setPriority(priority: Priority, actor: Actor): TicketDraft {
    return this.apply(
      (t) => (t.priority === priority ? t : { ...t, priority }),
      (before) => ({ actor, type: 'priority', data: { from: before.priority, to: priority } }),
    );
  }

  link(link: TicketLink, actor: Actor): TicketDraft {
    return this.apply(
      (t) => (t.links.some((l) => l.number === link.number) ? t : { ...t, links: [...t.links, link] }),
      () => ({ actor, type: 'link', data: { ...link } }),
    );
  }

  mergeData(data: Record<string, Json>, actor: Actor): TicketDraft {
    return this.apply(
      (t) => ({ ...t, data: { ...t.data, ...data } }),
      () => ({ actor, type: 'data', data }),
    );
  }

  record(actor: Actor, type: TicketEventType, data: { [key: string]: Json }): TicketDraft {
    this.events.push({ at: this.clock.now(), actor, type, data });
    return this;
  }

  writes(): StoreWrite[] {
    const t = this.current;
    const value = t as unknown as Json;
    const out: StoreWrite[] = [];
    if (!this.stored) {
      out.push({ kind: 'record.create', collection: TICKETS_COLLECTION, id: t.number, value, indexes: indexesOf(t) });
    } else if (t !== this.stored.value) {
      out.push({
        kind: 'record.replace',
        collection: TICKETS_COLLECTION,
        id: t.number,
        expectedVersion: this.stored.version,
        value,
        indexes: indexesOf(t),
      });
    }
    const stream = ticketEventsStream(t.number);
    for (const e of this.events) out.push({ kind: 'stream.append', stream, value: e as unknown as Json });
    const wasOpen = this.stored ? isOpenStatus(this.stored.value.status) : false;
    const isOpen = this.stored ? isOpenStatus(t.status) : true;
    if (wasOpen && !isOpen) out.push({ kind: 'timer.cancel', id: slaTimerId(t.number) });
    if (!wasOpen && isOpen) {
      out.push({
        kind: 'timer.schedule',
        timer: { id: slaTimerId(t.number), kind: SLA_TIMER_KIND, dueAt: t.slaDueAt, payload: { number: t.number } },
      });
    }
    return out;
  }
}

export function slaTimerId(number: string): string {
  return `sla:${number}`;
}
