/**
 * The desk around the tickets: agents and teams, presence, the queue, the supervisor's
 * measures and quarantined email.
 *
 *   GET   /api/v1/agents                 agents with presence and load
 *   POST  /api/v1/agents                 (lead) create; only an admin may create leads/admins
 *   GET   /api/v1/agents/:id
 *   PATCH /api/v1/agents/:id             (lead) update; only an admin may change roles
 *   PUT   /api/v1/agents/:id/presence    (lead) {presence}
 *   PUT   /api/v1/presence               my presence {presence}: online 上線 / away 離開 / offline 離線
 *   POST  /api/v1/presence/heartbeat     I am active (automatic away is reset)
 *   GET   /api/v1/teams · POST (lead) · PATCH /api/v1/teams/:id (lead)
 *   GET   /api/v1/queue                  waiting tickets per pool with waiting time
 *   GET   /api/v1/metrics?from=&to=&teamId=   (lead) measures: waiting ratio, abandonment, SLA …
 *   GET   /api/v1/email/quarantine       (lead) mail that failed to parse three times
 */
import { z } from 'zod';
import { KefuError } from '../../app/errors';
import type { AgentView } from '../../handoff';
import { PRESENCES, ROLES, SKILLS } from '../../handoff/agents/agent';
import { MAX_PASSWORD_LENGTH } from '../../handoff/agents/password';
import { POOLS } from '../../handoff/assignment/pools';
import type { Json } from '../../storage/port';
import { actingAgentId, hasRole, type Principal } from '../auth/principal';
import { summariseTicket } from '../present';
import { API_BASE, guarded, param, parseBody, parseQuery, type RouteContext } from './context';

/** The email channel's ledger collection and its quarantined state (read-only here). */
const EMAIL_LEDGER_COLLECTION = 'email-ledger';

const AGENT_ID = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'a-z 0-9 . _ - only');
const Capacity = z
  .object({ live: z.number().int().min(0).max(20), callback: z.number().int().min(0).max(20) })
  .partial();
const Skills = z.array(z.string().refine((s) => SKILLS.includes(s), 'unknown skill')).max(SKILLS.length);

const CreateAgentBody = z.object({
  id: AGENT_ID,
  name: z.string().trim().min(1).max(100),
  email: z.email().max(254),
  role: z.enum(ROLES).default('agent'),
  teamId: AGENT_ID.optional(),
  skills: Skills,
  capacity: Capacity.optional(),
  password: z.string().min(10).max(MAX_PASSWORD_LENGTH).optional(),
});
const UpdateAgentBody = z.object({
  name: z.string().trim().min(1).max(100).optional(),
  email: z.email().max(254).optional(),
  role: z.enum(ROLES).optional(),
  teamId: AGENT_ID.nullable().optional(),
  skills: Skills.optional(),
  capacity: Capacity.optional(),
  password: z.string().min(10).max(MAX_PASSWORD_LENGTH).optional(),
});
const PresenceBody = z.object({ presence: z.enum(PRESENCES) });
const TeamBody = z.object({ id: AGENT_ID, name: z.string().trim().min(1).max(100), leadId: AGENT_ID.optional() });
const TeamPatch = z.object({
  name: z.string().trim().min(1).max(100).optional(),
  leadId: AGENT_ID.nullable().optional(),
});
const MetricsQuery = z.object({
  from: z.coerce.number().int().min(0).optional(),
  to: z.coerce.number().int().min(0).optional(),
  teamId: AGENT_ID.optional(),
});

/** Only an admin hands out the lead and admin roles. @throws ERR_FORBIDDEN */
function assertMayGrant(who: Principal, role: string | undefined): void {
  if (role && role !== 'agent' && who.role !== 'admin') {
    throw new KefuError('ERR_FORBIDDEN', `Only an admin may give the ${role} role.`);
  }
}

export function mountDeskRoutes(ctx: RouteContext): void {
  const { server, handoff, tickets, clock, store } = ctx;

  async function withLoads(agents: AgentView[]) {
    const loads = new Map((await handoff.assignment.loads()).map((l) => [l.agentId, l]));
    return agents.map((a) => {
      const l = loads.get(a.id);
      return { ...a, load: l ? { live: l.live.load, callback: l.callback.load } : { live: 0, callback: 0 } };
    });
  }

  server.get(
    `${API_BASE}/agents`,
    guarded(ctx, 'agent', async (_req, res) => {
      res.send(200, { agents: await withLoads(await handoff.agents.listAgents()) });
    }),
  );

  server.post(
    `${API_BASE}/agents`,
    guarded(ctx, 'lead', async (req, res, who) => {
      const body = parseBody(CreateAgentBody, req);
      assertMayGrant(who, body.role);
      const result = await handoff.agents.createAgent(body);
      await ctx.notify({ type: 'agents' });
      res.send(201, result);
    }),
  );

  server.get(
    `${API_BASE}/agents/:id`,
    guarded(ctx, 'agent', async (req, res) => {
      const [agent] = await withLoads([await handoff.agents.getAgent(param(req, 'id'))]);
      res.send(200, agent);
    }),
  );

  server.patch(
    `${API_BASE}/agents/:id`,
    guarded(ctx, 'lead', async (req, res, who) => {
      const body = parseBody(UpdateAgentBody, req);
      assertMayGrant(who, body.role);
      const target = await handoff.agents.getAgent(param(req, 'id'));
      if (target.role !== 'agent' && who.role !== 'admin' && target.id !== who.agentId) {
        throw new KefuError('ERR_FORBIDDEN', 'Only an admin may change another lead or admin.');
      }
      const result = await handoff.agents.updateAgent(target.id, body);
      await ctx.notify({ type: 'agents' });
      res.send(200, result);
    }),
  );

  server.put(
    `${API_BASE}/agents/:id/presence`,
    guarded(ctx, 'lead', async (req, res) => {
      const body = parseBody(PresenceBody, req);
      const agent = await handoff.presence.set(param(req, 'id'), body.presence);
      await ctx.notify({ type: 'agents' });
      res.send(200, agent);
    }),
  );

  server.put(
    `${API_BASE}/presence`,
    guarded(ctx, 'agent', async (req, res, who) => {
      const body = parseBody(PresenceBody, req);
      const agent = await handoff.presence.set(actingAgentId(who), body.presence);
      await ctx.notify({ type: 'agents' });
      res.send(200, agent);
    }),
  );

  server.post(
    `${API_BASE}/presence/heartbeat`,
    guarded(ctx, 'agent', async (_req, res, who) => {
      const before = await handoff.agents.getAgent(actingAgentId(who));
      const agent = await handoff.presence.heartbeat(actingAgentId(who));
      if (agent.presence !== before.presence) await ctx.notify({ type: 'agents' });
      res.send(200, { presence: agent.presence, lastActivityAt: agent.lastActivityAt });
    }),
  );

  server.get(
    `${API_BASE}/teams`,
    guarded(ctx, 'agent', async (_req, res) => {
      res.send(200, { teams: await handoff.teams.list() });
    }),
  );
  server.post(
    `${API_BASE}/teams`,
    guarded(ctx, 'lead', async (req, res) => {
      res.send(201, await handoff.teams.create(parseBody(TeamBody, req)));
    }),
  );
  server.patch(
    `${API_BASE}/teams/:id`,
    guarded(ctx, 'lead', async (req, res) => {
      res.send(200, await handoff.teams.update(param(req, 'id'), parseBody(TeamPatch, req)));
    }),
  );

  server.get(
    `${API_BASE}/queue`,
    guarded(ctx, 'agent', async (_req, res) => {
      const now = clock.now();
      const pools = await Promise.all(
        POOLS.map(async (pool) => {
          const items = await handoff.assignment.waiting(pool);
          const found = await Promise.all(items.map((w) => tickets.find(w.number)));
          return {
            pool,
            length: items.length,
            items: items.map((w, i) => ({
              number: w.number,
              waitingSince: w.waitingSince,
              waitingS: Math.max(0, Math.round((now - w.waitingSince) / 1000)),
              ticket: found[i] ? summariseTicket(found[i], now) : null,
            })),
          };
        }),
      );
      res.send(200, { at: now, pools });
    }),
  );

  server.get(
    `${API_BASE}/metrics`,
    guarded(ctx, 'lead', async (req, res) => {
      const q = parseQuery(MetricsQuery, req);
      const now = clock.now();
      const to = q.to ?? now + 1;
      const from = q.from ?? to - 86_400_000;
      if (from >= to) throw new KefuError('ERR_BAD_REQUEST', 'from must be before to');
      const [report, agents, live, callback] = await Promise.all([
        handoff.measures.report({ from, to, ...(q.teamId ? { teamId: q.teamId } : {}) }),
        handoff.agents.listAgents(q.teamId ? { teamId: q.teamId } : {}),
        handoff.assignment.waiting('live'),
        handoff.assignment.waiting('callback'),
      ]);
      const presence = { online: 0, away: 0, offline: 0 };
      for (const a of agents) presence[a.presence] += 1;
      const oldest = [...live, ...callback].reduce((m, w) => Math.min(m, w.waitingSince), now);
      res.send(200, {
        ...report,
        queue: { live: live.length, callback: callback.length, longestWaitS: Math.round((now - oldest) / 1000) },
        presence,
        deskOpen: handoff.isDeskOpen(now),
      });
    }),
  );

  server.get(
    `${API_BASE}/email/quarantine`,
    guarded(ctx, 'lead', async (_req, res) => {
      const rows = await store.records.list<Json>(EMAIL_LEDGER_COLLECTION, {
        index: { name: 'state', value: 'quarantined' },
        limit: 500,
      });
      res.send(200, {
        messages: rows.map((r) => {
          const v = r.value as Record<string, Json>;
          return {
            id: r.id,
            account: v.account ?? null,
            mailbox: v.mailbox ?? null,
            uid: v.uid ?? null,
            size: v.size ?? null,
            receivedAt: v.receivedAt ?? null,
            parseFailures: v.parseFailures ?? null,
            lastError: typeof v.lastError === 'string' ? v.lastError.slice(0, 300) : null,
          };
        }),
      });
    }),
  );

  // Leads see everyone; the me-route lets an agent read their own record without an id.
  server.get(
    `${API_BASE}/me/agent`,
    guarded(ctx, 'agent', async (_req, res, who) => {
      if (!who.agentId) return void res.send(200, { agent: null, lead: hasRole(who.role, 'lead') });
      const [agent] = await withLoads([await handoff.agents.getAgent(who.agentId)]);
      res.send(200, { agent, lead: hasRole(who.role, 'lead') });
    }),
  );
}
