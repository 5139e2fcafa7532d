/**
 * Console login sessions: a random session id in an HttpOnly, SameSite=Strict cookie, signed
 * with SESSION_SECRET (HMAC-SHA256) so a forged or truncated cookie is refused before the
 * store is asked. The session itself lives in `store.kv` under the SHA-256 of its id with the
 * session TTL, so it works on every instance behind a load balancer and a leaked store dump
 * holds no usable cookie. Each session carries its own CSRF token (see `guard.ts`).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Json, KeyValueStore } from '../../storage/port';
import type { Role } from './principal';

export const SESSION_COOKIE = 'kefu_console';
const KEY_PREFIX = 'console:session:';

export interface SessionData {
  userId: string;
  name: string;
  role: Role;
  agentId?: string;
  csrf: string;
  createdAt: number;
  [key: string]: Json | undefined;
}

export interface SessionInput {
  userId: string;
  name: string;
  role: Role;
  agentId?: string;
}

export interface SessionStore {
  /** Creates a session; returns the cookie value and the stored data. */
  create(data: SessionInput, now: number): Promise<{ cookie: string; key: string; data: SessionData }>;
  /** The session behind a cookie value, or undefined (bad signature, unknown, expired). */
  read(cookieValue: string): Promise<{ key: string; data: SessionData } | undefined>;
  destroy(key: string): Promise<void>;
  /** Session lifetime, s (CONSOLE_SESSION_TTL_S). */
  ttlS: number;
}

export function createSessionStore(deps: { kv: KeyValueStore; secret: string; ttlS: number }): SessionStore {
  const { kv, secret, ttlS } = deps;
  const sign = (id: string) => createHmac('sha256', secret).update(`console-session:${id}`).digest('base64url');
  const keyOf = (id: string) => KEY_PREFIX + createHash('sha256').update(id).digest('hex');
  return {
    ttlS,
    async create(input, now) {
      const id = randomBytes(32).toString('base64url');
      const data: SessionData = { ...input, csrf: randomBytes(24).toString('base64url'), createdAt: now };
      const key = keyOf(id);
      await kv.set<Json>(key, stripUndefined(data), ttlS * 1000);
      return { cookie: `${id}.${sign(id)}`, key, data };
    },
    async read(cookieValue) {
      const dot = cookieValue.indexOf('.');
      if (dot <= 0) return undefined;
      const id = cookieValue.slice(0, dot);
      const given = Buffer.from(cookieValue.slice(dot + 1));
      const expected = Buffer.from(sign(id));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      const key = keyOf(id);
      const data = await kv.get<Json>(key);
      if (!data || typeof data !== 'object' || Array.isArray(data)) return undefined;
      return { key, data: data as unknown as SessionData };
    },
    async destroy(key) {
      await kv.delete(key);
    },
  };
}

function stripUndefined(data: SessionData): Json {
  return JSON.parse(JSON.stringify(data)) as Json;
}

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** The Set-Cookie value for a session (or for clearing it with `maxAgeS` 0). */
export function sessionCookie(value: string, maxAgeS: number, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${encodeURIComponent(value)}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${maxAgeS}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}
