/**
 * What every console route gets: the use cases it calls and small helpers that turn a
 * request into plain, validated data (zod) and a caller (`Principal`). Routes stay thin:
 * authenticate, validate, call a use case, present the result.
 */
import type { Request, Response, Server } from 'restify';
import type { z } from 'zod';
import type { Clock } from '../../app/clock';
import type { Config } from '../../app/config';
import { KefuError } from '../../app/errors';
import type { Logger } from '../../app/logger';
import type { Handoff } from '../../handoff';
import type { TicketService } from '../../handoff/tickets/ticket-service';
import type { Json, Store } from '../../storage/port';
import type { AuditLog } from '../audit';
import type { Guard } from '../auth/guard';
import type { LoginChecker } from '../auth/login';
import type { Principal, Role } from '../auth/principal';
import { requireRole } from '../auth/principal';
import type { SessionStore } from '../auth/sessions';
import type { ApiTokens } from '../auth/tokens';

export const API_BASE = '/api/v1';
/** Bus channel of the console's own change notices (a ticket changed through the API). */
export const CONSOLE_CHANNEL = 'console';

/** The email channel's use cases the console calls (optional: email may be off). */
export interface ConsoleEmail {
  replyByEmail(
    ticketNumber: string,
    agent: { id: string; name?: string },
    text: string,
  ): Promise<{ outboxId: string; messageId: string; to: string }>;
}

/** The web chat channel's proactive delivery (optional). */
export interface ConsoleWebChat {
  deliverToConversation(
    conversationId: string,
    message: {
      text?: string;
      from?: { id: string; name?: string };
      locale?: string;
      channelData?: { [key: string]: Json };
    },
  ): Promise<{ id: string; watermark: number }>;
}

/** The live chat use cases (handoff/live-chat.ts): agent messages and hand back into web chat (optional). */
export interface ConsoleLiveChat {
  agentMessage(number: string, agent: { id: string; name?: string }, text: string): Promise<{ activityId?: string }>;
  handBack(number: string, agent: { id: string; name?: string }): Promise<void>;
}

export interface ConsoleDeps {
  server: Server;
  config: Config;
  store: Store;
  clock: Clock;
  log: Logger;
  tickets: TicketService;
  handoff: Handoff;
  /** The email channel (`replyByEmail`); absent = replies to email tickets are refused. */
  email?: ConsoleEmail;
  /** The web chat channel (`deliverToConversation`); absent = replies to chats are refused. */
  webchat?: ConsoleWebChat;
  /** Live chat (agent messages, hand back) through handoff/live-chat.ts; absent = `webchat` is used directly. */
  liveChat?: ConsoleLiveChat;
  /** True once the service is shutting down (ends live streams); usually `() => lifecycle.draining`. */
  isDraining: () => boolean;
}

/** What every route gets: the console's dependencies plus its own auth, audit and notices. */
export interface RouteContext extends Omit<ConsoleDeps, 'isDraining'> {
  guard: Guard;
  sessions: SessionStore;
  tokens: ApiTokens;
  login: LoginChecker;
  audit: AuditLog;
  /** Tells every instance's live streams that something changed. Never throws. */
  notify(notice: { type: string; ticket?: string; agentId?: string }): Promise<void>;
}

export type Handler = (req: Request, res: Response, who: Principal) => Promise<void>;

/** Wraps a handler with authentication (and CSRF) plus a minimum role. */
export function guarded(ctx: RouteContext, role: Role, handler: Handler) {
  return async (req: Request, res: Response) => {
    const who = await ctx.guard.authenticate(req);
    requireRole(who, role);
    res.setHeader('cache-control', 'no-store');
    await handler(req, res, who);
  };
}

/**
 * Validates a JSON body against a schema.
 * @throws ERR_BAD_REQUEST naming every bad field
 */
export function parseBody<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  const result = schema.safeParse(req.body ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    throw new KefuError('ERR_BAD_REQUEST', `Invalid request: ${problems.join('; ')}`, { problems });
  }
  return result.data;
}

/** Validates the query string. @throws ERR_BAD_REQUEST */
export function parseQuery<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  const result = schema.safeParse(req.query ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`);
    throw new KefuError('ERR_BAD_REQUEST', `Invalid query: ${problems.join('; ')}`, { problems });
  }
  return result.data;
}

/** A route parameter. */
export function param(req: Request, name: string): string {
  const v = (req.params as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : '';
}

/** The client address as the socket sees it (no proxy headers are trusted). */
export function clientAddress(req: Request): string {
  return req.socket?.remoteAddress ?? 'unknown';
}
