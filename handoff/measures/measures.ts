/**
 * Desk measures for the supervisor view, computed from ticket event histories (pure).
 *
 * Definitions (all times from the append-only ticket history, so they can be recomputed for
 * any period and agree with what the console shows):
 * - waiting time: from the moment a live chat (chat-handoff) was queued for a person until an
 *   agent accepted it (status → in-progress), or until the customer left (abandoned);
 * - waiting ratio (保戶等待比例): of the live chats that waited, the share that waited longer
 *   than the threshold (default 60 s);
 * - abandonment rate (放棄率): of the live chats that waited, the share abandoned before any
 *   agent accepted;
 * - time to first response: ticket creation → first agent message;
 * - handle time: accept → resolved;
 * - callbacks within SLA: of the callback tickets resolved, the share resolved by their SLA
 *   due time.
 * Per agent, a ticket counts for the agent who accepted it (waiting time, handle time), who
 * first answered (first response), and who resolved it (callbacks); per team, for that
 * agent's team. Abandoned chats have no agent and count for the desk only.
 */
import type { Ticket, TicketType } from '../tickets/ticket';
import type { TicketEvent } from '../tickets/ticket-service';

/** What one ticket contributes, derived from its history. */
export interface TicketFacts {
  number: string;
  type: TicketType;
  createdAt: number;
  slaDueAt: number;
  queuedAt?: number;
  acceptedAt?: number;
  acceptedBy?: string;
  firstResponseAt?: number;
  firstResponder?: string;
  resolvedAt?: number;
  resolvedBy?: string;
  abandonedAt?: number;
}

export interface Stats {
  count: number;
  meanS: number;
  p50S: number;
  p90S: number;
  maxS: number;
}

export interface Measures {
  tickets: number;
  /** Live chats that waited for a person (accepted or abandoned). */
  waited: number;
  waitingTime?: Stats;
  /** Share of `waited` that waited longer than the threshold (保戶等待比例). */
  waitingRatio?: number;
  abandoned: number;
  /** abandoned / waited (放棄率). */
  abandonmentRate?: number;
  firstResponse?: Stats;
  handleTime?: Stats;
  callbacks: { resolved: number; withinSla: number; ratio?: number };
}

export interface MeasureOptions {
  /** Tickets created in [from, to) count. */
  from: number;
  to: number;
  /** A wait longer than this counts in the waiting ratio, s. */
  waitThresholdS: number;
  /** agentId → teamId. */
  teamOf: ReadonlyMap<string, string | undefined>;
}

export interface MeasureReport {
  from: number;
  to: number;
  waitThresholdS: number;
  desk: Measures;
  byAgent: Record<string, Measures>;
  byTeam: Record<string, Measures>;
}

/** Reads a ticket's history into the facts the measures need. */
export function ticketFacts(
  ticket: Pick<Ticket, 'number' | 'type' | 'createdAt' | 'slaDueAt'>,
  events: TicketEvent[],
): TicketFacts {
  const facts: TicketFacts = {
    number: ticket.number,
    type: ticket.type,
    createdAt: ticket.createdAt,
    slaDueAt: ticket.slaDueAt,
  };
  let assignee: string | undefined;
  for (const e of events) {
    const data = e.data as Record<string, unknown>;
    switch (e.type) {
      case 'created':
        if (data.status === 'queued') facts.queuedAt ??= e.at;
        break;
      case 'assigned':
        assignee = typeof data.agentId === 'string' ? data.agentId : assignee;
        break;
      case 'unassigned':
        assignee = undefined;
        break;
      case 'status':
        if (data.to === 'queued') facts.queuedAt ??= e.at;
        if (data.to === 'in-progress' && facts.acceptedAt === undefined) {
          facts.acceptedAt = e.at;
          facts.acceptedBy = (e.actor.kind === 'agent' ? e.actor.id : undefined) ?? assignee;
        }
        if (data.to === 'resolved') {
          facts.resolvedAt = e.at;
          facts.resolvedBy = (e.actor.kind === 'agent' ? e.actor.id : undefined) ?? assignee;
        }
        if (data.to === 'queued' && data.from !== 'assigned') {
          // Reopened: a new round of work; earlier resolution no longer stands.
          delete facts.resolvedAt;
          delete facts.resolvedBy;
        }
        break;
      case 'message':
        if (e.actor.kind === 'agent' && facts.firstResponseAt === undefined) {
          facts.firstResponseAt = e.at;
          facts.firstResponder = e.actor.id ?? assignee;
        }
        break;
      case 'abandoned':
        facts.abandonedAt ??= e.at;
        break;
      default:
        break;
    }
  }
  return facts;
}

function stats(valuesMs: number[]): Stats | undefined {
  if (valuesMs.length === 0) return undefined;
  const s = [...valuesMs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]! / 1000;
  return {
    count: s.length,
    meanS: Math.round(s.reduce((a, b) => a + b, 0) / s.length) / 1000,
    p50S: at(0.5),
    p90S: at(0.9),
    maxS: s[s.length - 1]! / 1000,
  };
}

interface Bucket {
  tickets: Set<string>;
  waits: number[];
  abandoned: number;
  firstResponses: number[];
  handles: number[];
  callbacksResolved: number;
  callbacksWithinSla: number;
}

function emptyBucket(): Bucket {
  return {
    tickets: new Set(),
    waits: [],
    abandoned: 0,
    firstResponses: [],
    handles: [],
    callbacksResolved: 0,
    callbacksWithinSla: 0,
  };
}

function finish(b: Bucket, thresholdS: number): Measures {
  const waited = b.waits.length;
  const m: Measures = {
    tickets: b.tickets.size,
    waited,
    abandoned: b.abandoned,
    callbacks: { resolved: b.callbacksResolved, withinSla: b.callbacksWithinSla },
  };
  const waitingTime = stats(b.waits);
  if (waitingTime) m.waitingTime = waitingTime;
  if (waited > 0) {
    m.waitingRatio = b.waits.filter((w) => w > thresholdS * 1000).length / waited;
    m.abandonmentRate = b.abandoned / waited;
  }
  const fr = stats(b.firstResponses);
  if (fr) m.firstResponse = fr;
  const ht = stats(b.handles);
  if (ht) m.handleTime = ht;
  if (b.callbacksResolved > 0) m.callbacks.ratio = b.callbacksWithinSla / b.callbacksResolved;
  return m;
}

/** Computes the measures of the tickets created in the period, for the desk, per agent and per team. */
export function computeMeasures(all: TicketFacts[], options: MeasureOptions): MeasureReport {
  const desk = emptyBucket();
  const agents = new Map<string, Bucket>();
  const teams = new Map<string, Bucket>();
  const bucketsOf = (agentId: string | undefined): Bucket[] => {
    const out = [desk];
    if (!agentId) return out;
    if (!agents.has(agentId)) agents.set(agentId, emptyBucket());
    out.push(agents.get(agentId)!);
    const team = options.teamOf.get(agentId);
    if (team) {
      if (!teams.has(team)) teams.set(team, emptyBucket());
      out.push(teams.get(team)!);
    }
    return out;
  };
  const once = (buckets: Bucket[]) => [...new Set(buckets)];

  for (const f of all) {
    if (f.createdAt < options.from || f.createdAt >= options.to) continue;
    desk.tickets.add(f.number);
    for (const id of [f.acceptedBy, f.firstResponder, f.resolvedBy]) {
      if (id) for (const b of bucketsOf(id)) b.tickets.add(f.number);
    }
    if (f.type === 'chat-handoff' && f.queuedAt !== undefined) {
      const abandonedFirst =
        f.abandonedAt !== undefined && (f.acceptedAt === undefined || f.abandonedAt < f.acceptedAt);
      if (abandonedFirst) {
        desk.waits.push(Math.max(0, f.abandonedAt! - f.queuedAt));
        desk.abandoned++;
      } else if (f.acceptedAt !== undefined) {
        for (const b of once(bucketsOf(f.acceptedBy))) b.waits.push(Math.max(0, f.acceptedAt - f.queuedAt));
      }
    }
    if (f.firstResponseAt !== undefined) {
      for (const b of once(bucketsOf(f.firstResponder)))
        b.firstResponses.push(Math.max(0, f.firstResponseAt - f.createdAt));
    }
    if (f.acceptedAt !== undefined && f.resolvedAt !== undefined && f.resolvedAt >= f.acceptedAt) {
      for (const b of once(bucketsOf(f.acceptedBy))) b.handles.push(f.resolvedAt - f.acceptedAt);
    }
    if (f.type === 'callback' && f.resolvedAt !== undefined) {
      for (const b of once(bucketsOf(f.resolvedBy))) {
        b.callbacksResolved++;
        if (f.resolvedAt <= f.slaDueAt) b.callbacksWithinSla++;
      }
    }
  }
  const byAgent: Record<string, Measures> = {};
  for (const [id, b] of [...agents].sort(([a], [b2]) => (a < b2 ? -1 : 1)))
    byAgent[id] = finish(b, options.waitThresholdS);
  const byTeam: Record<string, Measures> = {};
  for (const [id, b] of [...teams].sort(([a], [b2]) => (a < b2 ? -1 : 1)))
    byTeam[id] = finish(b, options.waitThresholdS);
  return {
    from: options.from,
    to: options.to,
    waitThresholdS: options.waitThresholdS,
    desk: finish(desk, options.waitThresholdS),
    byAgent,
    byTeam,
  };
}
