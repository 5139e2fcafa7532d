/**
 * Authenticates every console API request and defends cookie-authenticated mutations.
 *
 * - A session counts only while its agent exists, with the agent's current role.
 * - A request carries either `Authorization: Bearer kefu_…` (integration token) or the
 *   session cookie; neither → ERR_UNAUTHORIZED (401).
 * - CSRF: a mutation (POST, PUT, PATCH, DELETE) authenticated by the cookie must carry the
 *   session's own token in `X-Kefu-CSRF`, and its Origin (when sent) must be this host.
 *   The cookie is also SameSite=Strict; the header is the second lock, because a header with
 *   a per-session secret cannot be set by another site's form or image. Bearer calls are
 *   exempt: browsers never attach a bearer token on their own.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'restify';
import type { Clock } from '../../app/clock';
import { KefuError } from '../../app/errors';
import type { Principal } from './principal';
import { readCookie, SESSION_COOKIE, type SessionStore } from './sessions';
import type { ApiTokens } from './tokens';

export const CSRF_HEADER = 'x-kefu-csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface Guard {
  /**
   * The caller of a request.
   * @throws ERR_UNAUTHORIZED (no or bad credentials), ERR_FORBIDDEN (CSRF check failed)
   */
  authenticate(req: Request): Promise<Principal>;
  /** The caller or undefined (never throws for missing credentials; CSRF not checked). */
  peek(req: Request): Promise<Principal | undefined>;
}

export function createGuard(deps: {
  sessions: SessionStore;
  tokens: ApiTokens;
  clock: Clock;
  /** Reads an agent's current record, so a removed agent or a changed role takes effect at once. */
  findAgent: (id: string) => Promise<{ role: Principal['role']; name: string } | undefined>;
}): Guard {
  const { sessions, tokens, clock, findAgent } = deps;

  async function identify(req: Request): Promise<Principal | undefined> {
    const auth = req.headers.authorization;
    if (typeof auth === 'string' && auth.trim() !== '') {
      const m = /^Bearer\s+(\S+)$/i.exec(auth.trim());
      const p = m?.[1] ? await tokens.authenticate(m[1], clock.now()) : undefined;
      if (!p) throw new KefuError('ERR_UNAUTHORIZED', 'The bearer token is unknown, revoked or expired.');
      return p;
    }
    const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (!cookie) return undefined;
    const s = await sessions.read(cookie);
    if (!s) return undefined;
    let role = s.data.role;
    if (s.data.agentId) {
      // The role is the agent's role now, not at sign-in (a demoted lead loses unmasking at once).
      const agent = await findAgent(s.data.agentId);
      if (!agent) return undefined;
      role = agent.role;
    }
    return {
      via: 'session',
      userId: s.data.userId,
      name: s.data.name,
      role,
      ...(s.data.agentId ? { agentId: s.data.agentId } : {}),
      sessionKey: s.key,
      csrf: s.data.csrf,
    };
  }

  return {
    async authenticate(req) {
      const p = await identify(req);
      if (!p) throw new KefuError('ERR_UNAUTHORIZED', 'Sign in first (session expired or missing).');
      if (p.via === 'session' && !SAFE_METHODS.has(req.method ?? 'GET')) checkCsrf(req, p);
      return p;
    },
    async peek(req) {
      try {
        return await identify(req);
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * Refuses a request whose Origin header (when sent) is another site.
 * @throws ERR_FORBIDDEN
 */
export function assertSameOrigin(req: Request): void {
  const origin = req.headers.origin;
  if (typeof origin !== 'string') return;
  let host: string | undefined;
  try {
    host = origin === 'null' ? undefined : new URL(origin).host;
  } catch {
    host = undefined;
  }
  if (host !== req.headers.host) {
    throw new KefuError('ERR_FORBIDDEN', 'Cross-site request refused (Origin does not match this host).');
  }
}

function checkCsrf(req: Request, p: Principal): void {
  assertSameOrigin(req);
  const given = req.headers[CSRF_HEADER];
  const expected = p.csrf ?? '';
  if (
    typeof given !== 'string' ||
    given.length !== expected.length ||
    expected === '' ||
    !timingSafeEqual(Buffer.from(given), Buffer.from(expected))
  ) {
    throw new KefuError('ERR_FORBIDDEN', `Missing or wrong ${CSRF_HEADER} header (CSRF check).`);
  }
}
