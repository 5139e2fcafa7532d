/**
 * The human desk as one facade: agents and teams, presence, assignment with its queue, desk
 * hours and the supervisor's measures. Entry points (the console's HTTP routes, the bot's
 * live-handoff dialog, the start-up wiring) use this and nothing deeper.
 *
 * It wires the parts together so that they stay in step: every stored agent change updates
 * the agent's assignment slots (presence, skills, capacity), an agent going offline returns
 * unaccepted work to the queue, and the durable timers (no-accept, automatic away, reconcile,
 * SLA breach) are registered on the app's `TimerRunner` in one call. Notifications go out on
 * `store.bus` channel `handoff` (`HandoffNotice`).
 *
 * Domain code: it gets the store, clock, logger, calendar and ticket service passed in and
 * imports no driver.
 */
import type { Clock } from '../app/clock';
import type { Logger } from '../app/logger';
import type { TimerRunner } from '../app/timer-runner';
import type { Json, Store } from '../storage/port';
import type { Lang } from '../knowledge/types';
import type { Agent, Presence } from './agents/agent';
import {
  AGENTS_COLLECTION,
  AWAY_TIMER_KIND,
  type AgentDirectory,
  createAgentDirectory,
  type TeamView,
} from './agents/agent-directory';
import { type AgentSeed, applyAgentSeed, parseAgentSeed, type SeedResult } from './agents/seed';
import {
  ACCEPT_TIMER_KIND,
  type AssignmentService,
  createAssignmentService,
  HANDOFF_CHANNEL,
  type HandoffNotice,
  RECONCILE_TIMER_KIND,
} from './assignment/assignment-service';
import { type BusinessCalendar, describeNextOpening, isOpen, nextOpening } from './calendar/business-hours';
import { createMeasuresService, type MeasuresService } from './measures/gather-measures';
import { isOpenStatus } from './tickets/ticket';
import { SLA_TIMER_KIND, type TicketService } from './tickets/ticket-service';

export type { AgentView, Presence, Role, AgentCapacity } from './agents/agent';
export type {
  AgentDirectory,
  AgentResult,
  TeamView,
  CreateAgentInput,
  UpdateAgentInput,
} from './agents/agent-directory';
export type {
  AssignmentService,
  HandoffNotice,
  QueuePosition,
  WorkItem,
  WorkState,
  ReleaseReason,
  AgentLoad,
} from './assignment/assignment-service';
export type { MeasuresService } from './measures/gather-measures';
export type { MeasureReport, Measures } from './measures/measures';
export { HANDOFF_CHANNEL } from './assignment/assignment-service';
export { poolOf, type Pool } from './assignment/pools';
export { hashPassword, verifyPassword } from './agents/password';

/** Settings of the desk, usually from the configuration (see `handoffOptionsFromConfig`). */
export interface HandoffOptions {
  /** LIVE_ACCEPT_TIMEOUT_S: time to accept a live chat, s. */
  liveAcceptTimeoutS: number;
  /** CALLBACK_ACCEPT_TIMEOUT_S: time to accept a callback or back-office ticket, s; 0 = no limit. */
  callbackAcceptTimeoutS: number;
  /** AGENT_AWAY_AFTER_S: inactivity before automatic away, s; 0 = never. */
  awayAfterS: number;
  /** HANDOFF_WAIT_THRESHOLD_S: waits longer than this count in the waiting ratio, s. */
  waitThresholdS: number;
  /** HANDOFF_DEFAULT_HANDLE_S: handle time assumed for wait estimates before there is history, s. */
  defaultHandleS: number;
  /** How long an agent who declined or let an offer lapse is skipped for that ticket, s. Default 10 × live accept timeout. */
  exclusionS?: number;
  /** Period of the repair sweep, s. Default 60. */
  reconcileEveryS?: number;
}

export interface HandoffDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  calendar: BusinessCalendar;
  tickets: TicketService;
  options: HandoffOptions;
}

export interface Handoff {
  /** Agent use cases: createAgent, updateAgent, getAgent, findAgent, listAgents, verifyLogin (and the team ones). */
  agents: AgentDirectory;
  teams: {
    create(input: { id: string; name: string; leadId?: string }): Promise<TeamView>;
    update(id: string, patch: { name?: string; leadId?: string | null }): Promise<TeamView>;
    get(id: string): Promise<TeamView>;
    list(): Promise<TeamView[]>;
  };
  presence: {
    /** @throws ERR_AGENT_NOT_FOUND */
    set(agentId: string, presence: Presence): ReturnType<AgentDirectory['setPresence']>;
    /** @throws ERR_AGENT_NOT_FOUND */
    heartbeat(agentId: string): ReturnType<AgentDirectory['heartbeat']>;
  };
  /** enqueue, accept, decline, claim, release, resolve, status, queuePosition, waiting, loads, dispatch … */
  assignment: AssignmentService;
  measures: MeasuresService;
  /** Parses and applies a seed file's text (creates only what is missing). @throws ERR_AGENT_SEED_INVALID */
  seed(yamlText: string): Promise<SeedResult>;
  /** Registers the desk's timer handlers. Pass `sla: false` when another module handles `ticket-sla-due`. */
  registerTimers(runner: Pick<TimerRunner, 'on'>, which?: { sla?: boolean }): void;
  /** Brings every agent's slots in step with its record and schedules the repair sweep; call once at start. */
  start(): Promise<void>;
  /** Whether the desk is open for live handoff at `now` (default: the clock). */
  isDeskOpen(now?: number): boolean;
  /** When the desk opens next (now when open), and the promise wording ("下一個上班日（11/30 週一）09:00 起"). */
  nextOpening(lang: Lang, now?: number): { at: number; text: string };
  /** Listens to the desk's notices (from every instance); resolves once listening, returns unsubscribe. */
  subscribe(handler: (notice: HandoffNotice) => void): Promise<() => Promise<void>>;
}

/** Maps the configuration to the facade's options. */
export function handoffOptionsFromConfig(config: {
  LIVE_ACCEPT_TIMEOUT_S: number;
  CALLBACK_ACCEPT_TIMEOUT_S: number;
  AGENT_AWAY_AFTER_S: number;
  HANDOFF_WAIT_THRESHOLD_S: number;
  HANDOFF_DEFAULT_HANDLE_S: number;
}): HandoffOptions {
  return {
    liveAcceptTimeoutS: config.LIVE_ACCEPT_TIMEOUT_S,
    callbackAcceptTimeoutS: config.CALLBACK_ACCEPT_TIMEOUT_S,
    awayAfterS: config.AGENT_AWAY_AFTER_S,
    waitThresholdS: config.HANDOFF_WAIT_THRESHOLD_S,
    defaultHandleS: config.HANDOFF_DEFAULT_HANDLE_S,
  };
}

const SLA_BREACH_MARK_TTL_MS = 90 * 86_400_000;

export function createHandoff(deps: HandoffDeps): Handoff {
  const { store, clock, log, calendar, tickets, options } = deps;
  const agents = createAgentDirectory({ store, clock, awayAfterMs: options.awayAfterS * 1000 });
  const assignment = createAssignmentService({
    store,
    clock,
    log: log.child({ component: 'handoff' }),
    tickets,
    options: {
      acceptTimeoutMs: { live: options.liveAcceptTimeoutS * 1000, callback: options.callbackAcceptTimeoutS * 1000 },
      exclusionMs: (options.exclusionS ?? options.liveAcceptTimeoutS * 10) * 1000,
      defaultHandleS: options.defaultHandleS,
      reconcileEveryMs: (options.reconcileEveryS ?? 60) * 1000,
    },
  });
  agents.onChange((change) => assignment.syncAgent(change));
  const measures = createMeasuresService({ store, tickets, agents, defaultWaitThresholdS: options.waitThresholdS });

  async function onSlaDue(payload: Json): Promise<void> {
    const number = (payload as { number?: string } | null)?.number;
    if (!number) return;
    const ticket = await tickets.find(number);
    if (!ticket || !isOpenStatus(ticket.status) || clock.now() < ticket.slaDueAt) return;
    // Once per due time, even when the timer fires twice (at-least-once) or on two instances.
    const first = await store.kv.setIfAbsent(`sla-breached:${number}:${ticket.slaDueAt}`, 1, SLA_BREACH_MARK_TTL_MS);
    if (first) {
      await tickets.record(number, { kind: 'system', id: 'sla' }, 'sla-breached', { slaDueAt: ticket.slaDueAt });
    }
  }

  return {
    agents,
    teams: {
      create: (input) => agents.createTeam(input),
      update: (id, patch) => agents.updateTeam(id, patch),
      get: (id) => agents.getTeam(id),
      list: () => agents.listTeams(),
    },
    presence: {
      set: (agentId, presence) => agents.setPresence(agentId, presence),
      heartbeat: (agentId) => agents.heartbeat(agentId),
    },
    assignment,
    measures,

    async seed(yamlText) {
      const seed: AgentSeed = parseAgentSeed(yamlText);
      const result = await applyAgentSeed(agents, seed);
      for (const w of result.warnings) log.warn({ component: 'handoff' }, `agent seed: ${w}`);
      return result;
    },

    registerTimers(runner, which = {}) {
      runner.on(ACCEPT_TIMER_KIND, (t) => assignment.onAcceptTimeout(t));
      runner.on(RECONCILE_TIMER_KIND, (t) => assignment.onReconcileTimer(t));
      runner.on(AWAY_TIMER_KIND, (t) => agents.onAwayTimer(t));
      if (which.sla !== false) runner.on(SLA_TIMER_KIND, (t) => onSlaDue(t.payload));
    },

    async start() {
      // Same record before and after: slots are refreshed without counting as "came online".
      for (const rec of await store.records.list<Json>(AGENTS_COLLECTION)) {
        const agent = rec.value as unknown as Agent;
        await assignment.syncAgent({ before: agent, after: agent });
      }
      await assignment.scheduleReconcile();
    },

    isDeskOpen(now) {
      return isOpen(calendar, now ?? clock.now());
    },

    nextOpening(lang, now) {
      const at = now ?? clock.now();
      return { at: nextOpening(calendar, at), text: describeNextOpening(calendar, at, lang) };
    },

    subscribe(handler) {
      return store.bus.subscribe(HANDOFF_CHANNEL, (message) => handler(message as unknown as HandoffNotice));
    },
  };
}
