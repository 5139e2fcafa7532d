/**
 * Agents (客服人員) and teams (組) of the human desk: their shape and the rules that hold for
 * every agent and team, whatever created it (the console API, the seed file, a test).
 *
 * - Skills are a closed vocabulary: languages `lang:zh-TW`, `lang:en` and queues
 *   `queue:general`, `queue:travel`, `queue:complaints`, `queue:agent-support`. An unknown
 *   skill is refused, because a typo would silently keep an agent out of a queue.
 * - Capacity has two pools: live chats at once and open callbacks (with the other back-office
 *   work: email, complaints, address changes …).
 * - A team has 8–11 agents under one team lead (the lead is not counted). More than 11 is
 *   refused; fewer than 8 is allowed (a team being built up) with a warning.
 *
 * Pure: no store, no clock.
 */
import { KefuError } from '../../app/errors';
import { QUEUES } from '../tickets/ticket';

export const ROLES = ['agent', 'lead', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const PRESENCES = ['online', 'away', 'offline'] as const;
/** online: takes work; away: keeps its work, takes no new work; offline: unaccepted work returns to the queue. */
export type Presence = (typeof PRESENCES)[number];

export const LANGUAGE_SKILLS = ['lang:zh-TW', 'lang:en'] as const;
export const QUEUE_SKILLS = QUEUES.map((q) => `queue:${q}` as const);
export const SKILLS: readonly string[] = [...LANGUAGE_SKILLS, ...QUEUE_SKILLS];

/** Team size limits: agents under one lead. */
export const TEAM_MIN_AGENTS = 8;
export const TEAM_MAX_AGENTS = 11;
/** Upper bound on either capacity, to catch typos such as 40 for 4. */
export const MAX_CAPACITY = 20;

export interface AgentCapacity {
  /** Live chats at once. */
  live: number;
  /** Open callbacks (and other back-office tickets) at once. */
  callback: number;
}

/** The stored agent (collection `agents`, id = agent id). */
export interface Agent {
  id: string;
  name: string;
  email: string;
  role: Role;
  teamId?: string;
  skills: string[];
  capacity: AgentCapacity;
  presence: Presence;
  /** Why the agent is away: set by hand, or automatically after inactivity. */
  awayReason?: 'manual' | 'idle';
  lastActivityAt: number;
  presenceChangedAt: number;
  /** scrypt hash for the console login (see password.ts); never leaves this module's use cases. */
  passwordHash?: string;
  createdAt: number;
  updatedAt: number;
}

/** An agent as shown outside (no password hash). */
export type AgentView = Omit<Agent, 'passwordHash'> & { hasPassword: boolean };

/** The stored team (collection `teams`). `memberIds` is the membership, kept with compare-and-set. */
export interface Team {
  id: string;
  name: string;
  leadId?: string;
  memberIds: string[];
  createdAt: number;
  updatedAt: number;
}

export interface AgentInput {
  id: string;
  name: string;
  email: string;
  role?: Role;
  teamId?: string;
  skills: string[];
  capacity?: Partial<AgentCapacity>;
}

export const DEFAULT_CAPACITY: AgentCapacity = { live: 3, callback: 10 };

const ID = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Normalises and checks an agent's fields. @throws ERR_AGENT_INVALID listing every problem. */
export function validateAgentFields(input: {
  id: string;
  name: string;
  email: string;
  role: Role;
  skills: string[];
  capacity: AgentCapacity;
}): void {
  const problems: string[] = [];
  if (!ID.test(input.id)) problems.push(`id "${input.id}" must be 1–63 of a-z 0-9 . _ - (no "#")`);
  if (input.name.trim() === '' || input.name.length > 100) problems.push('name must be 1–100 characters');
  if (!EMAIL.test(input.email)) problems.push('email is not an address');
  if (!ROLES.includes(input.role)) problems.push(`role must be one of ${ROLES.join(', ')}`);
  for (const skill of input.skills) {
    if (!SKILLS.includes(skill)) problems.push(`unknown skill "${skill}" (known: ${SKILLS.join(', ')})`);
  }
  for (const pool of ['live', 'callback'] as const) {
    const c = input.capacity[pool];
    if (!Number.isInteger(c) || c < 0 || c > MAX_CAPACITY) problems.push(`capacity.${pool} must be 0–${MAX_CAPACITY}`);
  }
  if (problems.length > 0) {
    throw new KefuError('ERR_AGENT_INVALID', `Invalid agent ${input.id}: ${problems.join('; ')}`, {
      id: input.id,
      problems,
    });
  }
}

/** Checks a team id and name. @throws ERR_AGENT_INVALID */
export function validateTeamFields(input: { id: string; name: string }): void {
  const problems: string[] = [];
  if (!ID.test(input.id)) problems.push(`id "${input.id}" must be 1–63 of a-z 0-9 . _ -`);
  if (input.name.trim() === '' || input.name.length > 100) problems.push('name must be 1–100 characters');
  if (problems.length > 0) {
    throw new KefuError('ERR_AGENT_INVALID', `Invalid team ${input.id}: ${problems.join('; ')}`, { problems });
  }
}

/** Warnings about a team's size (fewer than 8 agents, no lead); an empty list when it is as it should be. */
export function teamWarnings(team: Pick<Team, 'id' | 'memberIds' | 'leadId'>): string[] {
  const warnings: string[] = [];
  if (team.memberIds.length < TEAM_MIN_AGENTS) {
    warnings.push(
      `team ${team.id} has ${team.memberIds.length} agents; a team should have ${TEAM_MIN_AGENTS}–${TEAM_MAX_AGENTS}`,
    );
  }
  if (!team.leadId) warnings.push(`team ${team.id} has no team lead`);
  return warnings;
}

/** Dedupe and order skills (languages first), so two equal skill sets compare equal. */
export function normaliseSkills(skills: readonly string[]): string[] {
  return [...new Set(skills.map((s) => s.trim()))].sort((a, b) => SKILLS.indexOf(a) - SKILLS.indexOf(b));
}

export function toAgentView(agent: Agent): AgentView {
  const { passwordHash, ...rest } = agent;
  return { ...rest, hasPassword: passwordHash !== undefined };
}
