/**
 * Simulated agents for the concurrency tests: each step visits one agent, who accepts,
 * declines or ignores what is offered to them, resolves some accepted work, and now and then
 * drops offline and comes back. Used in one process (SQLite) and in each worker process (Redis).
 */
import { isKefuError } from '../../../app/errors';
import type { Handoff } from '../../../handoff/index';
import type { Store } from '../../../storage/port';

export interface SimOptions {
  acceptP: number;
  declineP: number;
  /** Chance per visit that an accepted ticket is resolved. */
  resolveP: number;
  /** Chance per visit that the agent goes offline (back online on the next visit). */
  offlineP: number;
}

export interface SimStats {
  accepted: number;
  declined: number;
  ignored: number;
  resolved: number;
  offline: number;
  lostRaces: number;
  errors: string[];
}

/** A small seeded PRNG (mulberry32), so a failing run can be replayed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class AgentSimulator {
  readonly stats: SimStats = {
    accepted: 0,
    declined: 0,
    ignored: 0,
    resolved: 0,
    offline: 0,
    lostRaces: 0,
    errors: [],
  };
  private readonly ignored = new Set<string>();
  private readonly offline = new Set<string>();

  constructor(
    private readonly handoff: Handoff,
    private readonly store: Store,
    private readonly agentIds: string[],
    private readonly random: () => number,
    private readonly options: SimOptions,
  ) {}

  private async guard(fn: () => Promise<unknown>): Promise<boolean> {
    try {
      await fn();
      return true;
    } catch (err) {
      if (isKefuError(err, 'ERR_ASSIGNMENT_CONFLICT')) this.stats.lostRaces++;
      else this.stats.errors.push(String((err as Error).stack ?? err));
      return false;
    }
  }

  /** Visits one agent (chosen at random). */
  async step(allowOffline = true): Promise<void> {
    const agentId = this.agentIds[Math.floor(this.random() * this.agentIds.length)]!;
    if (this.offline.has(agentId)) {
      this.offline.delete(agentId);
      await this.guard(() => this.handoff.presence.set(agentId, 'online'));
      return;
    }
    if (allowOffline && this.random() < this.options.offlineP) {
      this.offline.add(agentId);
      this.stats.offline++;
      await this.guard(() => this.handoff.presence.set(agentId, 'offline'));
      return;
    }
    for (const a of await this.store.assignment.assignmentsOf(`${agentId}#live`)) {
      const work = await this.handoff.assignment.status(a.itemId);
      if (!work || work.agentId !== agentId) continue;
      if (work.state === 'offered') {
        const key = `${work.number}:${work.round}`;
        if (this.ignored.has(key)) continue;
        const r = this.random();
        if (r < this.options.acceptP) {
          if (await this.guard(() => this.handoff.assignment.accept(work.number, agentId))) this.stats.accepted++;
        } else if (r < this.options.acceptP + this.options.declineP) {
          if (await this.guard(() => this.handoff.assignment.decline(work.number, agentId))) this.stats.declined++;
        } else {
          this.ignored.add(key);
          this.stats.ignored++;
        }
      } else if (work.state === 'accepted' && this.random() < this.options.resolveP) {
        if (await this.guard(() => this.handoff.assignment.resolve(work.number, agentId))) this.stats.resolved++;
      }
    }
  }

  /** Brings every agent back online (end of a run). */
  async allOnline(): Promise<void> {
    for (const id of this.offline) await this.guard(() => this.handoff.presence.set(id, 'online'));
    this.offline.clear();
  }
}
