/**
 * The agent and team-lead console (客服主控台): the web UI at `/console` and the JSON API
 * under `/api/v1` behind it (tickets, agents, teams, presence, queue, measures, audit).
 *
 * The composition root calls `mountConsole` before the server listens, with the ticket
 * service and the handoff facade, plus the email and web chat channels' use cases when they
 * run. Guarantees: every API route is authenticated (session cookie or bearer token) and
 * role-checked; cookie mutations pass the CSRF check; personal data leaves masked except
 * through the audited unmask route; sessions, tokens, rate limits and the audit log live in
 * the store, so any number of instances share them. Call `stop()` on shutdown (it ends
 * open live streams and bus subscriptions).
 */
import type { Server } from 'restify';
import type { Clock } from '../app/clock';
import type { Config } from '../app/config';
import type { Logger } from '../app/logger';
import type { Handoff } from '../handoff';
import type { TicketService } from '../handoff/tickets/ticket-service';
import type { Json, Store } from '../storage/port';
import { createAuditLog } from './audit';
import { createGuard } from './auth/guard';
import { createLoginChecker } from './auth/login';
import { createSessionStore } from './auth/sessions';
import { createApiTokens } from './auth/tokens';
import { mountAuthRoutes } from './routes/auth-routes';
import {
  CONSOLE_CHANNEL,
  type ConsoleDeps,
  type ConsoleEmail,
  type ConsoleLiveChat,
  type ConsoleWebChat,
  type RouteContext,
} from './routes/context';
import { mountDeskRoutes } from './routes/desk-routes';
import { mountLiveRoutes } from './routes/live-routes';
import { mountPageRoutes } from './routes/page-routes';
import { mountTicketRoutes } from './routes/ticket-routes';

export type { ConsoleDeps, ConsoleEmail, ConsoleLiveChat, ConsoleWebChat } from './routes/context';
export { AUDIT_STREAM } from './audit';
export { CSRF_HEADER } from './auth/guard';
export { SESSION_COOKIE } from './auth/sessions';

export interface MountedConsole {
  stop(): Promise<void>;
}

/** Mounts the console's routes and starts its live hub. */
export async function mountConsole(deps: ConsoleDeps): Promise<MountedConsole> {
  const { server, config, store, clock } = deps;
  const log = deps.log.child({ component: 'console' });
  const sessions = createSessionStore({
    kv: store.kv,
    secret: config.SESSION_SECRET,
    ttlS: config.CONSOLE_SESSION_TTL_S,
  });
  const tokens = createApiTokens(store);
  const ctx: RouteContext = {
    server,
    config,
    store,
    clock,
    log,
    tickets: deps.tickets,
    handoff: deps.handoff,
    ...(deps.email ? { email: deps.email } : {}),
    ...(deps.webchat ? { webchat: deps.webchat } : {}),
    ...(deps.liveChat ? { liveChat: deps.liveChat } : {}),
    guard: createGuard({ sessions, tokens, clock, findAgent: (id) => deps.handoff.agents.findAgent(id) }),
    sessions,
    tokens,
    login: createLoginChecker({
      kv: store.kv,
      agents: deps.handoff.agents,
      adminPassword: config.CONSOLE_ADMIN_PASSWORD,
      limits: { maxFailures: config.CONSOLE_LOGIN_MAX_FAILURES, windowS: config.CONSOLE_LOGIN_WINDOW_S },
    }),
    audit: createAuditLog(store.streams),
    async notify(notice) {
      try {
        await store.bus.publish(CONSOLE_CHANNEL, notice as unknown as Json);
      } catch (err) {
        log.warn({ err }, 'console notice not published');
      }
    },
  };
  mountAuthRoutes(ctx);
  mountTicketRoutes(ctx);
  mountDeskRoutes(ctx);
  const live = mountLiveRoutes(ctx, deps.isDraining);
  mountPageRoutes(server);
  await live.start();
  return { stop: () => live.stop() };
}
