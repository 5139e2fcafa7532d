/**
 * The agent seed file: teams and agents to create at start-up (AGENT_SEED_FILE), so a fresh
 * desk has people without clicking through the console.
 *
 * Applying a seed is idempotent and never overwrites: a team or agent that already exists is
 * left as it is (the console's changes win), so the seed can stay configured forever. The
 * file is validated as a whole before anything is written.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { isKefuError, KefuError } from '../../app/errors';
import { PRESENCES, ROLES } from './agent';
import type { AgentDirectory } from './agent-directory';

const seedSchema = z.object({
  teams: z
    .array(
      z.object({
        id: z.string().min(1),
        name: z.string().min(1),
        lead: z.string().min(1).optional(),
      }),
    )
    .default([]),
  agents: z
    .array(
      z.object({
        id: z.string().min(1),
        name: z.string().min(1),
        email: z.string().min(3),
        role: z.enum(ROLES).default('agent'),
        team: z.string().min(1).optional(),
        skills: z.array(z.string()).default([]),
        capacity: z.object({ live: z.number().int().optional(), callback: z.number().int().optional() }).optional(),
        presence: z.enum(PRESENCES).optional(),
        passwordHash: z.string().startsWith('scrypt$').optional(),
      }),
    )
    .default([]),
});

export type AgentSeed = z.infer<typeof seedSchema>;

export interface SeedResult {
  createdTeams: string[];
  createdAgents: string[];
  /** Already present, left unchanged. */
  skipped: string[];
  warnings: string[];
}

/** Parses and checks a seed file. @throws ERR_AGENT_SEED_INVALID */
export function parseAgentSeed(text: string): AgentSeed {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new KefuError('ERR_AGENT_SEED_INVALID', `Agent seed is not YAML: ${(err as Error).message}`);
  }
  const parsed = seedSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new KefuError('ERR_AGENT_SEED_INVALID', `Agent seed is invalid:\n  - ${problems.join('\n  - ')}`, {
      problems,
    });
  }
  const seed = parsed.data;
  const teamIds = new Set(seed.teams.map((t) => t.id));
  const agentIds = new Set<string>();
  const problems: string[] = [];
  for (const a of seed.agents) {
    if (agentIds.has(a.id)) problems.push(`agent ${a.id} appears twice`);
    agentIds.add(a.id);
    if (a.team && !teamIds.has(a.team)) problems.push(`agent ${a.id} names unknown team ${a.team}`);
  }
  for (const t of seed.teams) {
    if (t.lead && !seed.agents.some((a) => a.id === t.lead && a.role !== 'agent')) {
      problems.push(`team ${t.id} names lead ${t.lead}, who is not an agent with role lead or admin in the seed`);
    }
  }
  if (problems.length > 0) {
    throw new KefuError('ERR_AGENT_SEED_INVALID', `Agent seed is inconsistent:\n  - ${problems.join('\n  - ')}`, {
      problems,
    });
  }
  return seed;
}

/**
 * Creates the seed's teams and agents that do not exist yet.
 * @throws ERR_AGENT_INVALID, ERR_TEAM_FULL from the directory (the seed names the agent)
 */
export async function applyAgentSeed(directory: AgentDirectory, seed: AgentSeed): Promise<SeedResult> {
  const result: SeedResult = { createdTeams: [], createdAgents: [], skipped: [], warnings: [] };
  for (const t of seed.teams) {
    try {
      await directory.createTeam({ id: t.id, name: t.name });
      result.createdTeams.push(t.id);
    } catch (err) {
      if (!isKefuError(err, 'ERR_AGENT_EXISTS')) throw err;
      result.skipped.push(`team:${t.id}`);
    }
  }
  for (const a of seed.agents) {
    try {
      await directory.createAgent({
        id: a.id,
        name: a.name,
        email: a.email,
        role: a.role,
        ...(a.team ? { teamId: a.team } : {}),
        skills: a.skills,
        ...(a.capacity ? { capacity: a.capacity } : {}),
        ...(a.presence ? { presence: a.presence } : {}),
        ...(a.passwordHash ? { passwordHash: a.passwordHash } : {}),
      });
      result.createdAgents.push(a.id);
    } catch (err) {
      if (!isKefuError(err, 'ERR_AGENT_EXISTS')) throw err;
      result.skipped.push(`agent:${a.id}`);
    }
  }
  for (const t of seed.teams) {
    if (t.lead && result.createdTeams.includes(t.id)) await directory.updateTeam(t.id, { leadId: t.lead });
  }
  for (const t of seed.teams) result.warnings.push(...(await directory.getTeam(t.id)).warnings);
  return result;
}
