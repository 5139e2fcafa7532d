/**
 * Assignment (派案): hands open tickets to agents, fairly and safely, across app instances.
 *
 * The story of a ticket's work item (collection `handoff-work`, one per ticket):
 *
 *   queued ──assign──► offered ──accept──► accepted ──release──► closed
 *      ▲                  │ decline / no accept in time / agent goes offline
 *      └──────────────────┘ (back in the queue at its original waiting time)
 *
 * What it guarantees, and how:
 * - One agent per ticket, capacity never exceeded: picking the agent and claiming the ticket
 *   is one atomic step of the store (`store.assignment.assign`: a Lua script on Redis, a
 *   transaction on SQLite) with the capacity check inside it. Each agent is two slots there,
 *   one per capacity pool (see `pools.ts`).
 * - Round robin: among online agents with every required skill and free capacity, the one
 *   idle longest gets the ticket (the store orders by `lastAssignedAt`).
 * - Unassigned work waits in `store.queues` ordered by waiting time, and is handed out when
 *   an agent becomes available (comes online, frees capacity, declines or loses an offer).
 *   An offer that is declined, not accepted in time (a durable timer) or left by an agent who
 *   goes offline returns the ticket to the queue under its original waiting time; the agent
 *   who declined or let it lapse is not offered it again for `exclusionMs`.
 * - Races between accept, decline, the no-accept timer and release are settled by a
 *   compare-and-set on the work item: exactly one of them wins; the loser changes nothing.
 * - The ticket follows (`TicketService.setAssignee`, accept → in-progress), and every change
 *   is announced on `store.bus` channel `handoff` for the chat and the console.
 * - Nothing lives only in memory: a crash between two steps leaves a state that
 *   `reconcile()` (a periodic durable timer) repairs.
 */
import type { Clock } from '../../app/clock';
import { isKefuError, KefuError } from '../../app/errors';
import type { Logger } from '../../app/logger';
import type { AgentSlot, Json, Store, TimerRecord } from '../../storage/port';
import type { Agent } from '../agents/agent';
import type { AgentChange } from '../agents/agent-directory';
import type { Actor, TicketService } from '../tickets/ticket-service';
import {
  estimateWaitS,
  type Pool,
  POOLS,
  parseSlotId,
  poolOf,
  poolSkill,
  queueOf,
  requiredSkillsOf,
  slotId,
} from './pools';

export const WORK_COLLECTION = 'handoff-work';
export const ACCEPT_TIMER_KIND = 'handoff-accept-timeout';
export const RECONCILE_TIMER_KIND = 'handoff-reconcile';
/** Bus channel of assignment notifications (see `HandoffNotice`). */
export const HANDOFF_CHANNEL = 'handoff';
const CAS_RETRIES = 32;
/** Queue items looked at per dispatch pass, page by page while agents stay free. */
const DISPATCH_PAGES = [50, 500, 5000];
/** How long a half-done step may look stranded before `reconcile` repairs it, ms. */
const RECONCILE_GRACE_MS = 30_000;
const SYSTEM: Actor = { kind: 'system', id: 'assignment' };

export type WorkState = 'queued' | 'offering' | 'offered' | 'accepted' | 'closed';
export type ReleaseReason = 'resolved' | 'handback' | 'abandoned' | 'cancelled' | 'transferred';
export type WithdrawReason = 'declined' | 'timeout' | 'offline';

/** The assignment state of one ticket (record id = ticket number). */
export interface WorkItem {
  number: string;
  pool: Pool;
  skills: string[];
  /** Since when the customer waits (epoch ms); kept when an offer returns the ticket to the queue. */
  waitingSince: number;
  state: WorkState;
  agentId?: string;
  offeredAt?: number;
  acceptedAt?: number;
  closedAt?: number;
  closedReason?: ReleaseReason;
  /** Offers so far; the no-accept timer of offer n is `handoff-accept:<number>:<n>`. */
  round: number;
  /** agentId → when they declined or let an offer lapse. */
  excluded: Record<string, number>;
  /** Last change of this item, epoch ms. */
  changedAt: number;
  [key: string]: unknown;
}

/** What the chat and the console are told, on bus channel `handoff`. */
export type HandoffNotice =
  | { type: 'assigned'; ticket: string; agentId: string; pool: Pool }
  | { type: 'accepted'; ticket: string; agentId: string; pool: Pool }
  | { type: 'unassigned'; ticket: string; agentId: string; pool: Pool; reason: WithdrawReason }
  | { type: 'released'; ticket: string; agentId?: string; pool: Pool; reason: ReleaseReason }
  | { type: 'queue-changed'; pool: Pool; length: number }
  | { type: 'presence'; agentId: string; presence: Agent['presence'] };

export interface QueuePosition {
  state: WorkState;
  /** 1-based place in the pool's queue while queued; 0 otherwise. */
  position: number;
  queueLength: number;
  /** Seconds (see `estimateWaitS`); 0 once an agent has it; undefined when nobody able to take it is online. */
  estimatedWaitS: number | undefined;
  /** Agents online with the ticket's skills and room in the pool. */
  onlineAgents: number;
  agentId?: string;
}

export interface AgentLoad {
  agentId: string;
  status: AgentSlot['status'];
  live: { load: number; capacity: number; lastAssignedAt: number };
  callback: { load: number; capacity: number; lastAssignedAt: number };
}

export interface AssignmentOptions {
  /** How long an agent has to accept an offer, per pool, ms; 0 = no limit. */
  acceptTimeoutMs: Record<Pool, number>;
  /** How long an agent who declined or let an offer lapse is not offered that ticket again, ms. */
  exclusionMs: number;
  /** Average handle time assumed before there is history, s. */
  defaultHandleS: number;
  /** Period of the reconcile sweep, ms. */
  reconcileEveryMs: number;
}

export type AssignmentStore = Pick<Store, 'records' | 'queues' | 'assignment' | 'timers' | 'kv' | 'bus'>;

export interface AssignmentService {
  /**
   * Puts a ticket's work in its pool's queue (idempotent; a closed item is reopened) and hands
   * out what can be handed out. Skills default to the ticket's queue and language.
   * @throws ERR_TICKET_NOT_FOUND
   */
  enqueue(number: string, requiredSkills?: string[]): Promise<WorkItem>;
  /** The offered agent takes the ticket (ticket → in-progress). Idempotent. @throws ERR_ASSIGNMENT_CONFLICT */
  accept(number: string, agentId: string): Promise<WorkItem>;
  /** The offered agent refuses; the ticket goes to the next agent. @throws ERR_ASSIGNMENT_CONFLICT */
  decline(number: string, agentId: string): Promise<WorkItem>;
  /** An agent takes a queued ticket straight from the queue (accepted at once). @throws ERR_ASSIGNMENT_CONFLICT, ERR_TICKET_NOT_FOUND */
  claim(number: string, agentId: string): Promise<WorkItem>;
  /** Ends the work (resolved, handed back, abandoned …): frees capacity, leaves the queue. Idempotent. */
  release(number: string, reason: ReleaseReason): Promise<WorkItem | undefined>;
  /** The holder resolves the ticket and frees the place. @throws ERR_ASSIGNMENT_CONFLICT, ERR_TICKET_TRANSITION */
  resolve(number: string, agentId: string): Promise<WorkItem | undefined>;
  status(number: string): Promise<WorkItem | undefined>;
  queuePosition(number: string): Promise<QueuePosition | undefined>;
  /** Queued work of a pool, oldest first. */
  waiting(pool: Pool): Promise<WorkItem[]>;
  /** Current loads per agent (both pools). */
  loads(): Promise<AgentLoad[]>;
  /** Hands out queued work to available agents; returns how many were handed out. */
  dispatch(pool?: Pool): Promise<number>;
  /** Keeps the agent's slots in step with its record (wired to the agent directory). */
  syncAgent(change: AgentChange): Promise<void>;
  /** Repairs half-done steps and hands out what it can (periodic timer). */
  reconcile(): Promise<void>;
  /** Handler of `handoff-accept-timeout` timers. */
  onAcceptTimeout(timer: TimerRecord<Json>): Promise<void>;
  /** Handler of `handoff-reconcile` timers (schedules the next sweep). */
  onReconcileTimer(timer: TimerRecord<Json>): Promise<void>;
  /** Schedules the first reconcile sweep (idempotent across instances). */
  scheduleReconcile(): Promise<void>;
  /** Average handle time of a pool so far, s (the default until there is history). */
  averageHandleS(pool: Pool): Promise<number>;
}

export function acceptTimerId(number: string, round: number): string {
  return `handoff-accept:${number}:${round}`;
}

function statKey(what: string, agentId: string): string {
  return `handoff:stat:${what}:${agentId}`;
}
export const handleCounterKeys = (pool: Pool) => ({
  ms: `handoff:handled-ms:${pool}`,
  count: `handoff:handled:${pool}`,
});
/** Store counters kept per agent: offers made, declined, lapsed (not accepted in time). */
export function agentCounterKeys(agentId: string) {
  return {
    offered: statKey('offered', agentId),
    declined: statKey('declined', agentId),
    lapsed: statKey('lapsed', agentId),
  };
}

interface WorkChange {
  before: WorkItem;
  after: WorkItem;
  changed: boolean;
}

export function createAssignmentService(deps: {
  store: AssignmentStore;
  clock: Clock;
  log: Logger;
  tickets: TicketService;
  options: AssignmentOptions;
}): AssignmentService {
  const { store, clock, log, tickets, options } = deps;
  let lastStamp = 0;
  /**
   * The `now` given to the store's assign step, strictly increasing within this instance: the
   * store rotates by `lastAssignedAt`, and two assignments in the same millisecond would
   * otherwise leave the agent just served tied with those still waiting for their turn.
   */
  function assignStamp(): number {
    const now = clock.now();
    lastStamp = now > lastStamp ? now : lastStamp + 1;
    return lastStamp;
  }
  const dispatchLoops: Record<Pool, { loop?: Promise<number>; requested: boolean }> = {
    live: { requested: false },
    callback: { requested: false },
  };

  async function publish(notice: HandoffNotice): Promise<void> {
    try {
      await store.bus.publish(HANDOFF_CHANNEL, notice as unknown as Json);
    } catch (err) {
      // The bus is a courtesy (at-most-once); the state is already stored.
      log.warn({ err, notice: notice.type }, 'handoff: could not publish a notice');
    }
  }

  async function publishQueueLength(pool: Pool): Promise<void> {
    await publish({ type: 'queue-changed', pool, length: await store.queues.length(queueOf(pool)) });
  }

  async function getWork(number: string): Promise<{ work: WorkItem; version: number } | undefined> {
    const rec = await store.records.get<Json>(WORK_COLLECTION, number.toUpperCase());
    return rec ? { work: rec.value as unknown as WorkItem, version: rec.version } : undefined;
  }

  /**
   * Compare-and-set on a work item. `mutate` returns the new item, or the same object for "no
   * change" (the guard did not hold); it may throw to refuse.
   */
  async function casWork(number: string, mutate: (w: WorkItem, now: number) => WorkItem): Promise<WorkChange> {
    const id = number.toUpperCase();
    for (let attempt = 0; ; attempt++) {
      const got = await getWork(id);
      if (!got) throw new KefuError('ERR_TICKET_NOT_FOUND', `Ticket ${id} was never queued`, { number: id });
      const now = clock.now();
      const mutated = mutate(got.work, now);
      if (mutated === got.work) return { before: got.work, after: mutated, changed: false };
      const after: WorkItem = { ...mutated, changedAt: now };
      try {
        await store.records.replace<Json>(WORK_COLLECTION, id, got.version, after as unknown as Json, {
          state: after.state,
        });
        return { before: got.work, after, changed: true };
      } catch (err) {
        if (isKefuError(err, 'ERR_STORE_CONFLICT') && attempt < CAS_RETRIES) continue;
        throw err;
      }
    }
  }

  function conflict(number: string, agentId: string, work: WorkItem, what: string): KefuError {
    return new KefuError(
      'ERR_ASSIGNMENT_CONFLICT',
      `Ticket ${number} cannot be ${what} by ${agentId}: it is ${work.state}${work.agentId ? ` with ${work.agentId}` : ''}`,
      { number, agentId, state: work.state, holder: work.agentId ?? null },
    );
  }

  function activeExclusions(work: WorkItem, now: number): string[] {
    return Object.entries(work.excluded)
      .filter(([, at]) => now - at < options.exclusionMs)
      .map(([agentId]) => agentId);
  }

  function qualifies(slot: AgentSlot, skills: string[], excluded: string[]): boolean {
    const parsed = parseSlotId(slot.agentId);
    if (!parsed || excluded.includes(parsed.agentId)) return false;
    return skills.every((s) => slot.skills.includes(s));
  }

  /**
   * After the store gave `number` to a slot. First a compare-and-set claims the work for the
   * offer (`offering`): a dispatch working from a stale picture of the queue, or a customer
   * who left meanwhile, makes it fail and the place is given back without touching the
   * ticket. Then the ticket shows the agent, and only then is the offer open (`offered`: the
   * agent can accept or decline), the accept clock starts and everyone is told. A crash in
   * between leaves a state `reconcile` finishes.
   */
  async function offered(number: string, pool: Pool, slot: string, assignedAt: number): Promise<void> {
    const agentId = parseSlotId(slot)!.agentId;
    const ch = await casWork(number, (w) =>
      w.state === 'queued'
        ? { ...w, state: 'offering', agentId, offeredAt: assignedAt, acceptedAt: undefined, round: w.round + 1 }
        : w,
    );
    if (!ch.changed) {
      await giveBack(number, slot, assignedAt);
      return;
    }
    await openOffer(ch.after, pool, slot);
  }

  /** Releases the store's assignment only when it is still this one. */
  async function giveBack(number: string, slot: string, assignedAt?: number): Promise<void> {
    const a = await store.assignment.getAssignment(number);
    if (a && a.agentId === slot && (assignedAt === undefined || a.assignedAt === assignedAt)) {
      await store.assignment.release(number);
    }
  }

  async function openOffer(work: WorkItem, pool: Pool, slot: string): Promise<void> {
    const agentId = work.agentId!;
    const number = work.number;
    await tickets.setAssignee(number, agentId, SYSTEM);
    const ch = await casWork(number, (w) =>
      w.state === 'offering' && w.agentId === agentId && w.round === work.round ? { ...w, state: 'offered' } : w,
    );
    if (!ch.changed) {
      // Closed (the customer left) while the offer was being made: undo it.
      await giveBack(number, slot);
      const t = await tickets.find(number);
      if (t?.assigneeId === agentId) await tickets.setAssignee(number, undefined, SYSTEM);
      return;
    }
    const timeout = options.acceptTimeoutMs[pool];
    if (timeout > 0) {
      await store.timers.schedule({
        id: acceptTimerId(number, work.round),
        kind: ACCEPT_TIMER_KIND,
        dueAt: (work.offeredAt ?? clock.now()) + timeout,
        payload: { number, round: work.round, agentId },
      });
    }
    await store.kv.increment(agentCounterKeys(agentId).offered);
    await publish({ type: 'assigned', ticket: number, agentId, pool });
  }

  /** One pass over the queue: oldest first, skipping skill sets nobody free can take. */
  async function dispatchOnce(pool: Pool): Promise<number> {
    const slots = (await store.assignment.listAgents()).filter((s) => {
      const p = parseSlotId(s.agentId);
      return p?.pool === pool && s.status === 'online' && s.load < s.capacity;
    });
    if (slots.length === 0) return 0;
    const free = new Map(slots.map((s) => [s.agentId, { ...s }]));
    const hopeless = new Set<string>();
    const followUps: Array<Promise<void>> = [];
    let handedOut = 0;
    let seen = 0;
    const now = clock.now();
    // Look at the head of the queue first, and further only while places stay free: a long
    // queue costs one short read when the first tickets fill the free places.
    for (const limit of DISPATCH_PAGES) {
      const items = (await store.queues.list(queueOf(pool), limit)).slice(seen);
      if (items.length === 0) break;
      seen += items.length;
      const works = await store.records.getMany<Json>(
        WORK_COLLECTION,
        items.map((i) => i.itemId),
      );
      for (let i = 0; i < items.length && free.size > 0; i++) {
        const item = items[i]!;
        const work = works[i]?.value as unknown as WorkItem | undefined;
        if (work?.state !== 'queued') continue; // in transit; reconcile tidies what stays
        const excluded = activeExclusions(work, now);
        const key = `${work.skills.join(',')}|${excluded.join(',')}`;
        if (hopeless.has(key)) continue;
        if (![...free.values()].some((s) => qualifies(s, work.skills, excluded))) {
          hopeless.add(key);
          continue;
        }
        const got = await store.assignment.assign({
          itemId: item.itemId,
          requiredSkills: [...work.skills, poolSkill(pool)],
          now: assignStamp(),
          queue: queueOf(pool),
          excludeAgentIds: excluded.map((id) => slotId(id, pool)),
        });
        if (!got) {
          // Either someone else took the item, or our picture of free agents is stale.
          if (!(await store.assignment.getAssignment(item.itemId))) hopeless.add(key);
          continue;
        }
        handedOut++;
        const slot = free.get(got.agentId);
        if (slot) {
          slot.load++;
          if (slot.load >= slot.capacity) free.delete(got.agentId);
        }
        followUps.push(
          offered(item.itemId, pool, got.agentId, got.assignedAt).catch((err) => {
            log.error({ err, ticket: item.itemId }, 'handoff: recording an offer failed; reconcile will repair it');
          }),
        );
      }
      if (free.size === 0 || seen < limit) break;
    }
    await Promise.all(followUps);
    if (handedOut > 0) await publishQueueLength(pool);
    return handedOut;
  }

  /** Coalesces dispatch requests per pool within this instance: one pass at a time, rerun while requested. */
  function dispatchPool(pool: Pool): Promise<number> {
    const d = dispatchLoops[pool];
    d.requested = true;
    if (d.loop) return d.loop;
    d.loop = (async () => {
      let total = 0;
      try {
        while (d.requested) {
          d.requested = false;
          total += await dispatchOnce(pool);
        }
      } finally {
        d.loop = undefined;
      }
      return total;
    })();
    return d.loop;
  }

  async function dispatchQuietly(pool: Pool): Promise<void> {
    try {
      await dispatchPool(pool);
    } catch (err) {
      log.warn({ err, pool }, 'handoff: dispatch failed; the work stays queued');
    }
  }

  /** Takes an offer back from an agent and queues the ticket again. Returns undefined when the offer was no longer theirs. */
  async function withdraw(
    number: string,
    agentId: string,
    reason: WithdrawReason,
    round?: number,
  ): Promise<WorkItem | undefined> {
    const ch = await casWork(number, (w, now) => {
      if (w.state !== 'offered' || w.agentId !== agentId || (round !== undefined && w.round !== round)) return w;
      const next: WorkItem = { ...w, state: 'queued', agentId: undefined, offeredAt: undefined };
      if (reason !== 'offline') next.excluded = { ...w.excluded, [agentId]: now };
      return next;
    });
    if (!ch.changed) return undefined;
    const { before, after } = ch;
    // The ticket lets go before the store does: once the place is free, a dispatch (here or on
    // another instance) may offer the ticket again at once.
    await tickets.setAssignee(after.number, undefined, reason === 'declined' ? agentActor(agentId) : SYSTEM);
    await giveBack(after.number, slotId(agentId, after.pool));
    await store.timers.cancel(acceptTimerId(after.number, before.round));
    await store.queues.enqueue(queueOf(after.pool), after.number, after.waitingSince);
    if ((await getWork(after.number))?.work.state !== 'queued') {
      // Released (the customer left), or offered again by a dispatch that saw the free place
      // before we queued it: it does not wait in the queue.
      await store.queues.remove(queueOf(after.pool), after.number);
    }
    if (reason === 'declined') await store.kv.increment(agentCounterKeys(agentId).declined);
    if (reason === 'timeout') await store.kv.increment(agentCounterKeys(agentId).lapsed);
    await publish({ type: 'unassigned', ticket: after.number, agentId, pool: after.pool, reason });
    await dispatchQuietly(after.pool);
    await publishQueueLength(after.pool);
    return (await getWork(after.number))?.work ?? after;
  }

  /**
   * The ticket moves to in-progress with its accepting agent. The agent may already have
   * resolved it meanwhile (another tab, a quick answer): then there is nothing to start.
   */
  async function startWork(number: string, agentId: string): Promise<void> {
    const ticket = await tickets.get(number);
    if (ticket.status !== 'assigned' && ticket.status !== 'queued' && ticket.status !== 'new') return;
    try {
      if (ticket.assigneeId !== agentId) await tickets.setAssignee(number, agentId, agentActor(agentId));
      await tickets.changeStatus(number, 'in-progress', agentActor(agentId));
    } catch (err) {
      if (!isKefuError(err, 'ERR_TICKET_TRANSITION')) throw err;
    }
  }

  async function returnUnaccepted(agentId: string): Promise<void> {
    for (const pool of POOLS) {
      for (const a of await store.assignment.assignmentsOf(slotId(agentId, pool))) {
        const got = await getWork(a.itemId);
        if (got?.work.state === 'offered' && got.work.agentId === agentId) {
          await withdraw(a.itemId, agentId, 'offline');
        }
      }
    }
  }

  async function averageHandleS(pool: Pool): Promise<number> {
    const keys = handleCounterKeys(pool);
    const c = await store.kv.counters([keys.ms, keys.count]);
    const n = c[keys.count] ?? 0;
    return n > 0 ? Math.max(1, Math.round((c[keys.ms] ?? 0) / n / 1000)) : options.defaultHandleS;
  }

  function reconcileTimerId(dueAt: number): string {
    return `handoff-reconcile:${dueAt}`;
  }

  async function scheduleReconcile(): Promise<void> {
    const period = options.reconcileEveryMs;
    if (period <= 0) return;
    // Aligned to the period, so every instance schedules the same id (one sweep, not four).
    const dueAt = (Math.floor(clock.now() / period) + 1) * period;
    await store.timers.schedule({ id: reconcileTimerId(dueAt), kind: RECONCILE_TIMER_KIND, dueAt, payload: null });
  }

  const service: AssignmentService = {
    async enqueue(number, requiredSkills) {
      const ticket = await tickets.get(number);
      const id = ticket.number;
      const pool = poolOf(ticket.type);
      const skills = [...new Set(requiredSkills ?? requiredSkillsOf(ticket))];
      const now = clock.now();
      const fresh: WorkItem = {
        number: id,
        pool,
        skills,
        waitingSince: now,
        state: 'queued',
        round: 0,
        excluded: {},
        changedAt: now,
      };
      let work: WorkItem;
      try {
        await store.records.create<Json>(WORK_COLLECTION, id, fresh as unknown as Json, { state: 'queued' });
        work = fresh;
      } catch (err) {
        if (!isKefuError(err, 'ERR_STORE_EXISTS')) throw err;
        // Known work: reopen it when closed, otherwise leave it where it is.
        const ch = await casWork(id, (w, at) =>
          w.state === 'closed'
            ? {
                ...w,
                skills,
                state: 'queued',
                waitingSince: at,
                excluded: {},
                agentId: undefined,
                offeredAt: undefined,
                acceptedAt: undefined,
                closedAt: undefined,
                closedReason: undefined,
              }
            : w,
        );
        work = ch.after;
        if (!ch.changed) return work;
      }
      if (ticket.status === 'new') await tickets.changeStatus(id, 'queued', SYSTEM);
      await store.queues.enqueue(queueOf(pool), id, work.waitingSince);
      await publishQueueLength(pool);
      await dispatchQuietly(pool);
      return (await getWork(id))?.work ?? work;
    },

    async accept(number, agentId) {
      const ch = await casWork(number, (w, now) => {
        if (w.state === 'accepted' && w.agentId === agentId) return w;
        if (w.state !== 'offered' || w.agentId !== agentId) throw conflict(number, agentId, w, 'accepted');
        return { ...w, state: 'accepted', acceptedAt: now };
      });
      if (!ch.changed) return ch.after;
      await store.timers.cancel(acceptTimerId(ch.after.number, ch.after.round));
      await startWork(ch.after.number, agentId);
      await publish({ type: 'accepted', ticket: ch.after.number, agentId, pool: ch.after.pool });
      return ch.after;
    },

    async decline(number, agentId) {
      const got = await getWork(number);
      if (!got) throw new KefuError('ERR_TICKET_NOT_FOUND', `Ticket ${number} was never queued`, { number });
      const after = await withdraw(number, agentId, 'declined');
      if (!after) throw conflict(number, agentId, (await getWork(number))!.work, 'declined');
      return after;
    },

    async claim(number, agentId) {
      const got = await getWork(number);
      if (!got) throw new KefuError('ERR_TICKET_NOT_FOUND', `Ticket ${number} was never queued`, { number });
      const { work } = got;
      if (work.state === 'accepted' && work.agentId === agentId) return work;
      if (work.state !== 'queued') throw conflict(number, agentId, work, 'claimed');
      const slot = slotId(agentId, work.pool);
      const a = await store.assignment.claim({
        itemId: work.number,
        agentId: slot,
        now: assignStamp(),
        queue: queueOf(work.pool),
      });
      if (!a) {
        throw new KefuError(
          'ERR_ASSIGNMENT_CONFLICT',
          `Ticket ${work.number} cannot be claimed by ${agentId}: taken, or no free place in the ${work.pool} pool`,
          { number: work.number, agentId },
        );
      }
      const ch = await casWork(work.number, (w, now) =>
        w.state === 'queued'
          ? { ...w, state: 'accepted', agentId, offeredAt: a.assignedAt, acceptedAt: now, round: w.round + 1 }
          : w,
      );
      if (!ch.changed) {
        await giveBack(work.number, slot, a.assignedAt);
        throw conflict(work.number, agentId, ch.after, 'claimed');
      }
      await tickets.setAssignee(work.number, agentId, agentActor(agentId));
      await startWork(work.number, agentId);
      await publish({ type: 'accepted', ticket: work.number, agentId, pool: work.pool });
      await publishQueueLength(work.pool);
      return ch.after;
    },

    async release(number, reason) {
      if (!(await getWork(number))) return undefined;
      const ch = await casWork(number, (w, now) =>
        w.state === 'closed' ? w : { ...w, state: 'closed', closedAt: now, closedReason: reason },
      );
      if (!ch.changed) return ch.after;
      const { before, after } = ch;
      await store.assignment.release(after.number);
      const wasQueued = await store.queues.remove(queueOf(after.pool), after.number);
      if (before.state === 'offered') await store.timers.cancel(acceptTimerId(after.number, before.round));
      if (before.state === 'accepted' && before.acceptedAt !== undefined) {
        const keys = handleCounterKeys(after.pool);
        await store.kv.increment(keys.ms, Math.max(0, (after.closedAt ?? clock.now()) - before.acceptedAt));
        await store.kv.increment(keys.count, 1);
      }
      await publish({
        type: 'released',
        ticket: after.number,
        ...(before.agentId ? { agentId: before.agentId } : {}),
        pool: after.pool,
        reason,
      });
      if (wasQueued) await publishQueueLength(after.pool);
      if (before.state !== 'queued') await dispatchQuietly(after.pool);
      return after;
    },

    async resolve(number, agentId) {
      const got = await getWork(number);
      if (got && got.work.state !== 'closed' && got.work.agentId !== agentId) {
        throw conflict(number, agentId, got.work, 'resolved');
      }
      await tickets.changeStatus(number, 'resolved', agentActor(agentId));
      return service.release(number, 'resolved');
    },

    async status(number) {
      return (await getWork(number))?.work;
    },

    async queuePosition(number) {
      const got = await getWork(number);
      if (!got) return undefined;
      const { work } = got;
      const queueLength = await store.queues.length(queueOf(work.pool));
      const slots = (await store.assignment.listAgents()).filter(
        (s) =>
          s.status === 'online' &&
          s.capacity > 0 &&
          parseSlotId(s.agentId)?.pool === work.pool &&
          work.skills.every((k) => s.skills.includes(k)),
      );
      if (work.state !== 'queued') {
        return {
          state: work.state,
          position: 0,
          queueLength,
          estimatedWaitS: 0,
          onlineAgents: slots.length,
          ...(work.agentId ? { agentId: work.agentId } : {}),
        };
      }
      // Between an offer being withdrawn and the ticket being queued again it counts as first.
      const position = (await store.queues.position(queueOf(work.pool), work.number)) ?? 1;
      return {
        state: work.state,
        position,
        queueLength,
        estimatedWaitS: estimateWaitS(position, await averageHandleS(work.pool), slots.length),
        onlineAgents: slots.length,
      };
    },

    async waiting(pool) {
      const items = await store.queues.list(queueOf(pool));
      if (items.length === 0) return [];
      const recs = await store.records.getMany<Json>(
        WORK_COLLECTION,
        items.map((i) => i.itemId),
      );
      return recs.filter((r) => r !== undefined).map((r) => r.value as unknown as WorkItem);
    },

    async loads() {
      const byAgent = new Map<string, AgentLoad>();
      for (const s of await store.assignment.listAgents()) {
        const p = parseSlotId(s.agentId);
        if (!p) continue;
        const entry = byAgent.get(p.agentId) ?? {
          agentId: p.agentId,
          status: s.status,
          live: { load: 0, capacity: 0, lastAssignedAt: 0 },
          callback: { load: 0, capacity: 0, lastAssignedAt: 0 },
        };
        entry[p.pool] = { load: s.load, capacity: s.capacity, lastAssignedAt: s.lastAssignedAt };
        byAgent.set(p.agentId, entry);
      }
      return [...byAgent.values()];
    },

    async dispatch(pool) {
      let total = 0;
      for (const p of pool ? [pool] : POOLS) total += await dispatchPool(p);
      return total;
    },

    async syncAgent({ before, after }) {
      const now = clock.now();
      const cameOnline = after.presence === 'online' && (!before || before.presence === 'offline');
      for (const pool of POOLS) {
        await store.assignment.upsertAgent({
          agentId: slotId(after.id, pool),
          status: after.presence,
          skills: [...after.skills, poolSkill(pool)],
          capacity: after.capacity[pool],
          ...(cameOnline ? { resetIdleAt: now } : {}),
        });
      }
      if (before?.presence !== after.presence) {
        await publish({ type: 'presence', agentId: after.id, presence: after.presence });
      }
      if (after.presence === 'offline' && before && before.presence !== 'offline') await returnUnaccepted(after.id);
      if (after.presence === 'online') for (const pool of POOLS) await dispatchQuietly(pool);
    },

    async reconcile() {
      const now = clock.now();
      for (const pool of POOLS) {
        // 1. Queue entries whose work is no longer waiting (a step died half-way).
        for (const item of await store.queues.list(queueOf(pool), 1000)) {
          const got = await getWork(item.itemId);
          if (got?.work.state !== 'queued') await store.queues.remove(queueOf(pool), item.itemId);
        }
      }
      // 2. Assignments whose work does not know about them, and offers past their deadline.
      for (const slot of await store.assignment.listAgents()) {
        const parsed = parseSlotId(slot.agentId);
        if (!parsed) continue;
        for (const a of await store.assignment.assignmentsOf(slot.agentId)) {
          const got = await getWork(a.itemId);
          const work = got?.work;
          const stale = now - a.assignedAt >= RECONCILE_GRACE_MS;
          if (!work || work.state === 'closed') {
            if (stale) await store.assignment.release(a.itemId);
          } else if (work.state === 'queued' && stale && now - work.changedAt >= RECONCILE_GRACE_MS) {
            await offered(a.itemId, parsed.pool, slot.agentId, a.assignedAt);
          } else if (work.state === 'offering' && now - work.changedAt >= RECONCILE_GRACE_MS) {
            await openOffer(work, parsed.pool, slot.agentId);
          } else if (work.state === 'offered' && work.agentId === parsed.agentId) {
            const timeout = options.acceptTimeoutMs[parsed.pool];
            if (timeout > 0 && now - (work.offeredAt ?? a.assignedAt) >= timeout + RECONCILE_GRACE_MS) {
              await withdraw(a.itemId, parsed.agentId, 'timeout', work.round);
            }
          }
        }
      }
      // 3. Waiting work that fell out of its queue.
      const waitingWork = await store.records.list<Json>(WORK_COLLECTION, {
        index: { name: 'state', value: 'queued' },
      });
      for (const rec of waitingWork) {
        const w = rec.value as unknown as WorkItem;
        if (now - w.changedAt < RECONCILE_GRACE_MS) continue; // a step may be under way
        if (await store.assignment.getAssignment(w.number)) continue;
        if ((await store.queues.position(queueOf(w.pool), w.number)) === undefined) {
          await store.queues.enqueue(queueOf(w.pool), w.number, w.waitingSince);
        }
      }
      for (const pool of POOLS) await dispatchQuietly(pool);
    },

    async onAcceptTimeout(timer) {
      const p = timer.payload as { number?: string; round?: number; agentId?: string } | null;
      if (!p?.number || !p.agentId || p.round === undefined) return;
      await withdraw(p.number, p.agentId, 'timeout', p.round);
    },

    async onReconcileTimer() {
      try {
        await service.reconcile();
      } finally {
        await scheduleReconcile();
      }
    },

    scheduleReconcile,
    averageHandleS,
  };
  return service;
}

function agentActor(agentId: string): Actor {
  return { kind: 'agent', id: agentId };
}
