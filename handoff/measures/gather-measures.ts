/**
 * The supervisor's measures for a period: gathers tickets, their histories, the agents'
 * teams and the store's offer counters, and hands them to the pure `computeMeasures`.
 *
 * Offer counters (offered / declined / lapsed per agent) are running totals in the store's
 * counters, not per period: they are reported alongside, labelled as such.
 */
import type { Store } from '../../storage/port';
import type { AgentDirectory } from '../agents/agent-directory';
import { agentCounterKeys } from '../assignment/assignment-service';
import type { TicketService } from '../tickets/ticket-service';
import { computeMeasures, type MeasureReport, ticketFacts } from './measures';

/** How many histories are read at once. */
const HISTORY_CONCURRENCY = 8;

export interface OfferCounters {
  offered: number;
  declined: number;
  lapsed: number;
}

export interface MeasuresService {
  /** Measures of the tickets created in [from, to). */
  report(args: {
    from: number;
    to: number;
    waitThresholdS?: number;
    teamId?: string;
  }): Promise<MeasureReport & { offersSinceStart: Record<string, OfferCounters> }>;
}

export function createMeasuresService(deps: {
  store: Pick<Store, 'kv'>;
  tickets: TicketService;
  agents: AgentDirectory;
  defaultWaitThresholdS: number;
}): MeasuresService {
  const { store, tickets, agents, defaultWaitThresholdS } = deps;
  return {
    async report({ from, to, waitThresholdS, teamId }) {
      const inRange = (await tickets.list()).filter((t) => t.createdAt >= from && t.createdAt < to);
      const facts = new Array(inRange.length);
      let next = 0;
      const worker = async () => {
        while (next < inRange.length) {
          const i = next++;
          const t = inRange[i]!;
          facts[i] = ticketFacts(t, await tickets.history(t.number));
        }
      };
      await Promise.all(Array.from({ length: HISTORY_CONCURRENCY }, worker));
      const roster = await agents.listAgents(teamId ? { teamId } : {});
      const teamOf = new Map(roster.map((a) => [a.id, a.teamId]));
      const report = computeMeasures(facts, {
        from,
        to,
        waitThresholdS: waitThresholdS ?? defaultWaitThresholdS,
        teamOf,
      });
      if (teamId) {
        // A team view shows that team's agents only.
        for (const id of Object.keys(report.byAgent)) if (teamOf.get(id) !== teamId) delete report.byAgent[id];
        for (const id of Object.keys(report.byTeam)) if (id !== teamId) delete report.byTeam[id];
      }
      const keys = roster.map((a) => agentCounterKeys(a.id));
      const counters = await store.kv.counters(keys.flatMap((k) => [k.offered, k.declined, k.lapsed]));
      const offersSinceStart: Record<string, OfferCounters> = {};
      roster.forEach((a, i) => {
        const k = keys[i]!;
        offersSinceStart[a.id] = {
          offered: counters[k.offered] ?? 0,
          declined: counters[k.declined] ?? 0,
          lapsed: counters[k.lapsed] ?? 0,
        };
      });
      return { ...report, offersSinceStart };
    },
  };
}
