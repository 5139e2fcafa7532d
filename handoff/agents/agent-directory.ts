/**
 * Agent and team use cases: create, update, read and list agents and teams, set presence,
 * record activity (heartbeat), verify a console login.
 *
 * What it guarantees:
 * - Every change is a compare-and-set on the record (retried on conflict), so two instances
 *   never lose each other's update.
 * - Team membership lives on the team record and changes by compare-and-set, so two agents
 *   joining a team of 10 at once cannot make it 12: the second gets ERR_TEAM_FULL.
 * - Automatic away after inactivity is a durable timer in the store (`agent-away`), never a
 *   `setTimeout`: it fires after a restart and on one instance only. The timer is scheduled
 *   when the agent comes online; when it fires early (the agent was active meanwhile) it
 *   schedules a new timer for the new deadline under a new id (the runner's rule), so a
 *   heartbeat is one record write and no timer traffic.
 * - Listeners (`onChange`) hear every change of an agent after it is stored: the assignment
 *   engine keeps its slots in step with presence, skills and capacity through it.
 */
import type { Clock } from '../../app/clock';
import { isKefuError, KefuError } from '../../app/errors';
import type { Json, RecordIndexes, Store, TimerRecord } from '../../storage/port';
import {
  type Agent,
  type AgentCapacity,
  type AgentInput,
  type AgentView,
  DEFAULT_CAPACITY,
  normaliseSkills,
  type Presence,
  type Role,
  TEAM_MAX_AGENTS,
  type Team,
  teamWarnings,
  toAgentView,
  validateAgentFields,
  validateTeamFields,
} from './agent';
import { hashPassword, verifyPassword } from './password';

export const AGENTS_COLLECTION = 'agents';
export const TEAMS_COLLECTION = 'teams';
export const AWAY_TIMER_KIND = 'agent-away';
const CAS_RETRIES = 16;

export type AgentStore = Pick<Store, 'records' | 'timers'>;

export interface AgentChange {
  before?: Agent;
  after: Agent;
}
export type AgentChangeListener = (change: AgentChange) => Promise<void>;

export interface AgentResult {
  agent: AgentView;
  /** Non-fatal findings, e.g. the agent's team has fewer than 8 agents. */
  warnings: string[];
}

export interface TeamView {
  id: string;
  name: string;
  leadId?: string;
  memberIds: string[];
  size: number;
  warnings: string[];
  createdAt: number;
  updatedAt: number;
}

export interface CreateAgentInput extends AgentInput {
  /** A console password to hash and store. */
  password?: string;
  /** An already computed scrypt hash (the seed file carries these). */
  passwordHash?: string;
  /** Initial presence; default offline. */
  presence?: Presence;
}

export type UpdateAgentInput = Partial<Omit<CreateAgentInput, 'id' | 'presence' | 'teamId'>> & {
  /** `null` removes the agent from its team. */
  teamId?: string | null;
};

export interface AgentListFilter {
  teamId?: string;
  presence?: Presence;
  role?: Role;
}

export interface AgentDirectory {
  /** @throws ERR_AGENT_INVALID, ERR_AGENT_EXISTS, ERR_TEAM_NOT_FOUND, ERR_TEAM_FULL */
  createAgent(input: CreateAgentInput): Promise<AgentResult>;
  /** @throws ERR_AGENT_NOT_FOUND, ERR_AGENT_INVALID, ERR_AGENT_EXISTS (email taken), ERR_TEAM_NOT_FOUND, ERR_TEAM_FULL */
  updateAgent(id: string, patch: UpdateAgentInput): Promise<AgentResult>;
  /** @throws ERR_AGENT_NOT_FOUND */
  getAgent(id: string): Promise<AgentView>;
  findAgent(id: string): Promise<AgentView | undefined>;
  listAgents(filter?: AgentListFilter): Promise<AgentView[]>;
  /** @throws ERR_AGENT_NOT_FOUND */
  setPresence(id: string, presence: Presence): Promise<AgentView>;
  /** Records activity; brings an agent who went away automatically back online. @throws ERR_AGENT_NOT_FOUND */
  heartbeat(id: string): Promise<AgentView>;
  /** The agent whose email and password match, or undefined (same answer for unknown email and bad password). */
  verifyLogin(email: string, password: string): Promise<AgentView | undefined>;
  /** @throws ERR_AGENT_INVALID, ERR_AGENT_EXISTS, ERR_AGENT_NOT_FOUND (lead) */
  createTeam(input: { id: string; name: string; leadId?: string }): Promise<TeamView>;
  /** @throws ERR_TEAM_NOT_FOUND, ERR_AGENT_INVALID, ERR_AGENT_NOT_FOUND (lead) */
  updateTeam(id: string, patch: { name?: string; leadId?: string | null }): Promise<TeamView>;
  /** @throws ERR_TEAM_NOT_FOUND */
  getTeam(id: string): Promise<TeamView>;
  listTeams(): Promise<TeamView[]>;
  /** Registers a listener for every stored agent change. */
  onChange(listener: AgentChangeListener): void;
  /** Handler of `agent-away` timers (registered by the facade). */
  onAwayTimer(timer: TimerRecord<Json>): Promise<void>;
}

export interface AgentDirectoryOptions {
  store: AgentStore;
  clock: Clock;
  /** Inactivity after which an online agent becomes away, ms; 0 = never. */
  awayAfterMs: number;
}

function agentIndexes(a: Agent): RecordIndexes {
  return { email: a.email.toLowerCase(), team: a.teamId, presence: a.presence, role: a.role };
}

function teamView(t: Team): TeamView {
  return {
    id: t.id,
    name: t.name,
    ...(t.leadId ? { leadId: t.leadId } : {}),
    memberIds: [...t.memberIds],
    size: t.memberIds.length,
    warnings: teamWarnings(t),
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}

/** Counted team members are plain agents; leads and admins are not. */
function membershipOf(a: Pick<Agent, 'role' | 'teamId'>): string | undefined {
  return a.role === 'agent' ? a.teamId : undefined;
}

export function awayTimerId(agentId: string, dueAt: number): string {
  return `agent-away:${agentId}:${dueAt}`;
}

export function createAgentDirectory(options: AgentDirectoryOptions): AgentDirectory {
  const { store, clock, awayAfterMs } = options;
  const listeners: AgentChangeListener[] = [];

  async function notify(change: AgentChange): Promise<void> {
    for (const l of listeners) await l(change);
  }

  async function loadAgent(id: string): Promise<{ agent: Agent; version: number }> {
    const rec = await store.records.get<Json>(AGENTS_COLLECTION, id);
    if (!rec) throw new KefuError('ERR_AGENT_NOT_FOUND', `No agent ${id}`, { agentId: id });
    return { agent: rec.value as unknown as Agent, version: rec.version };
  }

  async function loadTeam(id: string): Promise<{ team: Team; version: number }> {
    const rec = await store.records.get<Json>(TEAMS_COLLECTION, id);
    if (!rec) throw new KefuError('ERR_TEAM_NOT_FOUND', `No team ${id}`, { teamId: id });
    return { team: rec.value as unknown as Team, version: rec.version };
  }

  /** Read-modify-write of an agent with compare-and-set; `mutate` returning the same object = no change. */
  async function updateAgentRecord(id: string, mutate: (a: Agent, now: number) => Agent): Promise<AgentChange> {
    for (let attempt = 0; ; attempt++) {
      const { agent: before, version } = await loadAgent(id);
      const now = clock.now();
      const after = mutate(before, now);
      if (after === before) return { before, after };
      after.updatedAt = now;
      try {
        await store.records.replace<Json>(
          AGENTS_COLLECTION,
          id,
          version,
          after as unknown as Json,
          agentIndexes(after),
        );
        return { before, after };
      } catch (err) {
        if (isKefuError(err, 'ERR_STORE_CONFLICT') && attempt < CAS_RETRIES) continue;
        throw err;
      }
    }
  }

  async function updateTeamRecord(id: string, mutate: (t: Team, now: number) => Team): Promise<Team> {
    for (let attempt = 0; ; attempt++) {
      const { team: before, version } = await loadTeam(id);
      const now = clock.now();
      const after = mutate(before, now);
      if (after === before) return before;
      after.updatedAt = now;
      try {
        await store.records.replace<Json>(TEAMS_COLLECTION, id, version, after as unknown as Json);
        return after;
      } catch (err) {
        if (isKefuError(err, 'ERR_STORE_CONFLICT') && attempt < CAS_RETRIES) continue;
        throw err;
      }
    }
  }

  async function addMember(teamId: string, agentId: string): Promise<Team> {
    return updateTeamRecord(teamId, (t) => {
      if (t.memberIds.includes(agentId)) return t;
      if (t.memberIds.length >= TEAM_MAX_AGENTS) {
        throw new KefuError(
          'ERR_TEAM_FULL',
          `Team ${teamId} already has ${t.memberIds.length} agents (at most ${TEAM_MAX_AGENTS} under one lead)`,
          { teamId, agentId, size: t.memberIds.length },
        );
      }
      return { ...t, memberIds: [...t.memberIds, agentId] };
    });
  }

  async function removeMember(teamId: string, agentId: string): Promise<void> {
    try {
      await updateTeamRecord(teamId, (t) =>
        t.memberIds.includes(agentId) ? { ...t, memberIds: t.memberIds.filter((m) => m !== agentId) } : t,
      );
    } catch (err) {
      if (!isKefuError(err, 'ERR_TEAM_NOT_FOUND')) throw err;
    }
  }

  async function assertEmailFree(email: string, exceptId?: string): Promise<void> {
    const taken = await store.records.list<Json>(AGENTS_COLLECTION, {
      index: { name: 'email', value: email.toLowerCase() },
    });
    if (taken.some((r) => r.id !== exceptId)) {
      throw new KefuError('ERR_AGENT_EXISTS', `Another agent already has the email ${email}`, { email });
    }
  }

  async function warningsFor(agent: Agent): Promise<string[]> {
    if (!agent.teamId) return [];
    const rec = await store.records.get<Json>(TEAMS_COLLECTION, agent.teamId);
    return rec ? teamWarnings(rec.value as unknown as Team) : [];
  }

  async function scheduleAway(agent: Agent): Promise<void> {
    if (awayAfterMs <= 0 || agent.presence !== 'online') return;
    const dueAt = agent.lastActivityAt + awayAfterMs;
    await store.timers.schedule({
      id: awayTimerId(agent.id, dueAt),
      kind: AWAY_TIMER_KIND,
      dueAt,
      payload: { agentId: agent.id },
    });
  }

  function presenceChange(a: Agent, presence: Presence, now: number, reason: Agent['awayReason']): Agent {
    const next: Agent = { ...a, presence, presenceChangedAt: now };
    if (presence === 'away') next.awayReason = reason ?? 'manual';
    else delete next.awayReason;
    if (presence === 'online') next.lastActivityAt = now;
    return next;
  }

  async function changePresence(id: string, presence: Presence, reason?: Agent['awayReason']): Promise<AgentView> {
    const change = await updateAgentRecord(id, (a, now) => {
      if (a.presence === presence && (presence !== 'away' || a.awayReason === (reason ?? 'manual'))) return a;
      return presenceChange(a, presence, now, reason);
    });
    if (change.after !== change.before) {
      if (change.before?.presence !== 'online') await scheduleAway(change.after);
      await notify(change);
    }
    return toAgentView(change.after);
  }

  return {
    async createAgent(input) {
      const role = input.role ?? 'agent';
      const capacity: AgentCapacity = { ...DEFAULT_CAPACITY, ...(input.capacity ?? {}) };
      const skills = normaliseSkills(input.skills);
      const fields = { id: input.id, name: input.name.trim(), email: input.email.trim(), role, skills, capacity };
      validateAgentFields(fields);
      if (await store.records.get(AGENTS_COLLECTION, input.id)) {
        throw new KefuError('ERR_AGENT_EXISTS', `Agent ${input.id} already exists`, { agentId: input.id });
      }
      await assertEmailFree(fields.email);
      if (input.teamId) await loadTeam(input.teamId);
      const now = clock.now();
      const presence = input.presence ?? 'offline';
      const agent: Agent = {
        ...fields,
        ...(input.teamId ? { teamId: input.teamId } : {}),
        presence,
        lastActivityAt: now,
        presenceChangedAt: now,
        createdAt: now,
        updatedAt: now,
      };
      if (input.passwordHash) agent.passwordHash = input.passwordHash;
      else if (input.password) agent.passwordHash = await hashPassword(input.password);
      const teamId = membershipOf(agent);
      if (teamId) await addMember(teamId, agent.id);
      try {
        await store.records.create<Json>(AGENTS_COLLECTION, agent.id, agent as unknown as Json, agentIndexes(agent));
      } catch (err) {
        if (teamId) await removeMember(teamId, agent.id);
        if (isKefuError(err, 'ERR_STORE_EXISTS')) {
          throw new KefuError('ERR_AGENT_EXISTS', `Agent ${input.id} already exists`, { agentId: input.id });
        }
        throw err;
      }
      if (role === 'lead' && input.teamId) {
        await updateTeamRecord(input.teamId, (t) => (t.leadId ? t : { ...t, leadId: agent.id }));
      }
      await scheduleAway(agent);
      await notify({ after: agent });
      return { agent: toAgentView(agent), warnings: await warningsFor(agent) };
    },

    async updateAgent(id, patch) {
      const { agent: current } = await loadAgent(id);
      const role = patch.role ?? current.role;
      const teamId = patch.teamId === null ? undefined : (patch.teamId ?? current.teamId);
      const skills = patch.skills ? normaliseSkills(patch.skills) : current.skills;
      const capacity: AgentCapacity = { ...current.capacity, ...(patch.capacity ?? {}) };
      const name = patch.name?.trim() ?? current.name;
      const email = patch.email?.trim() ?? current.email;
      validateAgentFields({ id, name, email, role, skills, capacity });
      if (email.toLowerCase() !== current.email.toLowerCase()) await assertEmailFree(email, id);
      if (teamId) await loadTeam(teamId);
      const passwordHash = patch.passwordHash ?? (patch.password ? await hashPassword(patch.password) : undefined);

      const oldTeam = membershipOf(current);
      const newTeam = membershipOf({ role, teamId });
      // Join the new team first: a full team refuses before anything changed.
      if (newTeam && newTeam !== oldTeam) await addMember(newTeam, id);
      let change: AgentChange;
      try {
        change = await updateAgentRecord(id, (a) => {
          const next: Agent = { ...a, name, email, role, skills, capacity };
          if (teamId) next.teamId = teamId;
          else delete next.teamId;
          if (passwordHash) next.passwordHash = passwordHash;
          return next;
        });
      } catch (err) {
        if (newTeam && newTeam !== oldTeam) await removeMember(newTeam, id);
        throw err;
      }
      if (oldTeam && oldTeam !== newTeam) await removeMember(oldTeam, id);
      await notify(change);
      return { agent: toAgentView(change.after), warnings: await warningsFor(change.after) };
    },

    async getAgent(id) {
      return toAgentView((await loadAgent(id)).agent);
    },

    async findAgent(id) {
      const rec = await store.records.get<Json>(AGENTS_COLLECTION, id);
      return rec ? toAgentView(rec.value as unknown as Agent) : undefined;
    },

    async listAgents(filter = {}) {
      const index = filter.teamId
        ? { name: 'team', value: filter.teamId }
        : filter.presence
          ? { name: 'presence', value: filter.presence }
          : filter.role
            ? { name: 'role', value: filter.role }
            : undefined;
      const recs = await store.records.list<Json>(AGENTS_COLLECTION, index ? { index } : {});
      return recs
        .map((r) => r.value as unknown as Agent)
        .filter(
          (a) =>
            (!filter.teamId || a.teamId === filter.teamId) &&
            (!filter.presence || a.presence === filter.presence) &&
            (!filter.role || a.role === filter.role),
        )
        .map(toAgentView);
    },

    setPresence(id, presence) {
      return changePresence(id, presence, presence === 'away' ? 'manual' : undefined);
    },

    async heartbeat(id) {
      const change = await updateAgentRecord(id, (a, now) => {
        const next: Agent = { ...a, lastActivityAt: now };
        // Only an automatic away ends with activity; an agent who chose away stays away.
        if (a.presence === 'away' && a.awayReason === 'idle') return presenceChange(next, 'online', now, undefined);
        return next;
      });
      if (change.before?.presence !== change.after.presence) {
        await scheduleAway(change.after);
        await notify(change);
      }
      return toAgentView(change.after);
    },

    async verifyLogin(email, password) {
      const recs = await store.records.list<Json>(AGENTS_COLLECTION, {
        index: { name: 'email', value: email.trim().toLowerCase() },
      });
      const agent = recs[0]?.value as unknown as Agent | undefined;
      // Hash even when the email is unknown, so timing does not reveal which emails exist.
      const ok = await verifyPassword(password, agent?.passwordHash ?? DUMMY_HASH);
      return ok && agent ? toAgentView(agent) : undefined;
    },

    async createTeam(input) {
      validateTeamFields(input);
      if (input.leadId) await assertLead(input.leadId);
      const now = clock.now();
      const team: Team = {
        id: input.id,
        name: input.name.trim(),
        ...(input.leadId ? { leadId: input.leadId } : {}),
        memberIds: [],
        createdAt: now,
        updatedAt: now,
      };
      try {
        await store.records.create<Json>(TEAMS_COLLECTION, team.id, team as unknown as Json);
      } catch (err) {
        if (isKefuError(err, 'ERR_STORE_EXISTS')) {
          throw new KefuError('ERR_AGENT_EXISTS', `Team ${input.id} already exists`, { teamId: input.id });
        }
        throw err;
      }
      return teamView(team);
    },

    async updateTeam(id, patch) {
      if (patch.name !== undefined) validateTeamFields({ id, name: patch.name });
      if (patch.leadId) await assertLead(patch.leadId);
      const team = await updateTeamRecord(id, (t) => {
        const next: Team = { ...t, name: patch.name?.trim() ?? t.name };
        if (patch.leadId === null) delete next.leadId;
        else if (patch.leadId) next.leadId = patch.leadId;
        return next;
      });
      return teamView(team);
    },

    async getTeam(id) {
      return teamView((await loadTeam(id)).team);
    },

    async listTeams() {
      const recs = await store.records.list<Json>(TEAMS_COLLECTION);
      return recs.map((r) => teamView(r.value as unknown as Team));
    },

    onChange(listener) {
      listeners.push(listener);
    },

    async onAwayTimer(timer) {
      const agentId = (timer.payload as { agentId?: string } | null)?.agentId;
      if (!agentId || awayAfterMs <= 0) return;
      const rec = await store.records.get<Json>(AGENTS_COLLECTION, agentId);
      if (!rec) return;
      const agent = rec.value as unknown as Agent;
      if (agent.presence !== 'online') return;
      const deadline = agent.lastActivityAt + awayAfterMs;
      if (clock.now() >= deadline) {
        await changePresence(agentId, 'away', 'idle');
      } else if (awayTimerId(agentId, deadline) !== timer.id) {
        // Active since this timer was set: look again at the new deadline (a new timer id).
        await scheduleAway(agent);
      }
    },
  };

  async function assertLead(leadId: string): Promise<void> {
    const { agent } = await loadAgent(leadId);
    if (agent.role !== 'lead' && agent.role !== 'admin') {
      throw new KefuError('ERR_AGENT_INVALID', `Agent ${leadId} is not a team lead (role ${agent.role})`, {
        agentId: leadId,
      });
    }
  }
}

/** A valid hash of a random password nobody knows, verified against when the email is unknown. */
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=';
