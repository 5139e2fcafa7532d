/**
 * Sign-in for the console and tokens for integrations.
 *
 *   POST   /api/v1/auth/login     {username, password} → 200 {user, csrf} + session cookie; 401; 429
 *   POST   /api/v1/auth/logout    → 204, session ended, cookie cleared
 *   GET    /api/v1/auth/me        → {user, csrf?}
 *   POST   /api/v1/auth/tokens    (admin) {name, role, agentId?, ttlDays?} → 201 {token, …} (shown once)
 *   GET    /api/v1/auth/tokens    (admin) → {tokens}
 *   DELETE /api/v1/auth/tokens/:id (admin) → 204
 *   GET    /api/v1/audit?after=N  (admin) → {entries}
 */
import type { Request, Response } from 'restify';
import { z } from 'zod';
import { KefuError } from '../../app/errors';
import { ROLES } from '../../handoff/agents/agent';
import { MAX_PASSWORD_LENGTH } from '../../handoff/agents/password';
import type { Principal } from '../auth/principal';
import { assertSameOrigin } from '../auth/guard';
import { sessionCookie } from '../auth/sessions';
import { API_BASE, clientAddress, guarded, param, parseBody, parseQuery, type RouteContext } from './context';

const LoginBody = z.object({
  username: z.string().trim().min(1).max(254),
  password: z.string().min(1).max(MAX_PASSWORD_LENGTH),
});

const TokenBody = z.object({
  name: z.string().trim().min(1).max(100),
  role: z.enum(ROLES),
  agentId: z.string().min(1).max(63).optional(),
  ttlDays: z.number().int().min(1).max(3650).optional(),
});

function userOf(p: Principal) {
  return { id: p.userId, name: p.name, role: p.role, ...(p.agentId ? { agentId: p.agentId } : {}), via: p.via };
}

export function mountAuthRoutes(ctx: RouteContext): void {
  const { server, config, clock, log } = ctx;
  const secureCookie = config.PUBLIC_BASE_URL.startsWith('https:');

  server.post(`${API_BASE}/auth/login`, async (req: Request, res: Response) => {
    // Login CSRF: another site's form can post urlencoded data but not JSON, and says where it is from.
    if (!/^application\/json\b/i.test(String(req.headers['content-type'] ?? ''))) {
      throw new KefuError('ERR_BAD_REQUEST', 'Sign in with a JSON body (Content-Type: application/json).');
    }
    assertSameOrigin(req);
    const body = parseBody(LoginBody, req);
    const account = await ctx.login.check(body.username, body.password, clientAddress(req));
    if (!account) {
      log.info({ component: 'console', address: clientAddress(req) }, 'console sign-in refused');
      throw new KefuError('ERR_UNAUTHORIZED', 'Wrong user name or password. 帳號或密碼錯誤。');
    }
    const s = await ctx.sessions.create(
      {
        userId: account.userId,
        name: account.name,
        role: account.role,
        ...(account.agentId ? { agentId: account.agentId } : {}),
      },
      clock.now(),
    );
    log.info({ component: 'console', user: account.userId, role: account.role }, 'console sign-in');
    res.setHeader('set-cookie', sessionCookie(s.cookie, ctx.sessions.ttlS, secureCookie));
    res.setHeader('cache-control', 'no-store');
    res.send(200, { user: userOf({ ...account, via: 'session' }), csrf: s.data.csrf, expiresInS: ctx.sessions.ttlS });
  });

  server.post(
    `${API_BASE}/auth/logout`,
    guarded(ctx, 'agent', async (_req, res, who) => {
      if (who.sessionKey) await ctx.sessions.destroy(who.sessionKey);
      res.setHeader('set-cookie', sessionCookie('', 0, secureCookie));
      res.send(204);
    }),
  );

  server.get(
    `${API_BASE}/auth/me`,
    guarded(ctx, 'agent', async (_req, res, who) => {
      res.send(200, { user: userOf(who), ...(who.csrf ? { csrf: who.csrf } : {}) });
    }),
  );

  server.post(
    `${API_BASE}/auth/tokens`,
    guarded(ctx, 'admin', async (req, res, who) => {
      const body = parseBody(TokenBody, req);
      if (body.agentId) await ctx.handoff.agents.getAgent(body.agentId);
      const { token, view } = await ctx.tokens.create(body, who.userId, clock.now());
      await ctx.audit.write({
        at: clock.now(),
        actor: { userId: who.userId, role: who.role, via: who.via },
        action: 'token-create',
        target: { token: view.id },
        detail: { name: view.name, role: view.role, address: clientAddress(req) },
      });
      res.send(201, { token, ...view });
    }),
  );

  server.get(
    `${API_BASE}/auth/tokens`,
    guarded(ctx, 'admin', async (_req, res) => {
      res.send(200, { tokens: await ctx.tokens.list() });
    }),
  );

  server.del(
    `${API_BASE}/auth/tokens/:id`,
    guarded(ctx, 'admin', async (req, res, who) => {
      const id = param(req, 'id');
      await ctx.tokens.revoke(id);
      await ctx.audit.write({
        at: clock.now(),
        actor: { userId: who.userId, role: who.role, via: who.via },
        action: 'token-revoke',
        target: { token: id },
        detail: { address: clientAddress(req) },
      });
      res.send(204);
    }),
  );

  server.get(
    `${API_BASE}/audit`,
    guarded(ctx, 'admin', async (req, res) => {
      const q = parseQuery(z.object({ after: z.coerce.number().int().min(0).default(0) }), req);
      res.send(200, { entries: await ctx.audit.read(q.after, 200) });
    }),
  );
}
