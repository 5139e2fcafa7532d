/**
 * Test support for the console: a real Kefu (`startKefu` on port 0, throwaway SQLite data
 * folder, desk open 24 h) and a small HTTP client that keeps the session cookie and the CSRF
 * token like the browser page does.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../app/clock';
import { type RunningKefu, startKefu } from '../../app/start';

/** The built-in admin password used by every console test. */
export const ADMIN_PASSWORD = 'console-test-admin-Pw!';
export const AGENT_PASSWORD = 'agent-password-2026';

export interface TestKefu {
  kefu: RunningKefu;
  clock: ManualClock;
  dataDir: string;
  close(): Promise<void>;
}

/** Starts a whole Kefu for one test file. */
export async function startTestKefu(env: Record<string, string> = {}): Promise<TestKefu> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-console-'));
  // A fixed Friday morning in Taipei; tests move it, never sleep.
  const clock = new ManualClock(Date.UTC(2026, 10, 27, 2, 0, 0));
  const kefu = await startKefu(
    {
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      DESK_MODE: '24h',
      CONSOLE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      SESSION_SECRET: 'console-tests-session-secret-0123456789abcdef',
      ...env,
    },
    { clock },
  );
  return {
    kefu,
    clock,
    dataDir,
    async close() {
      await kefu.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** An API client that behaves like the console page (cookie + CSRF header). */
export class ConsoleClient {
  cookie = '';
  csrf = '';
  bearer = '';

  constructor(readonly base: string) {}

  async login(username: string, password: string): Promise<Reply> {
    const r = await this.call('POST', '/api/v1/auth/login', { username, password });
    const setCookie = r.headers.get('set-cookie');
    if (r.status === 200 && setCookie) {
      this.cookie = setCookie.split(';')[0] ?? '';
      this.csrf = r.body.csrf;
    }
    return r;
  }

  async call<T = any>(
    method: string,
    pathname: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<Reply<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.cookie) headers.cookie = this.cookie;
    if (this.csrf && method !== 'GET') headers['x-kefu-csrf'] = this.csrf;
    if (this.bearer) headers.authorization = `Bearer ${this.bearer}`;
    Object.assign(headers, extraHeaders);
    const res = await fetch(this.base + pathname, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  }

  get<T = any>(p: string) {
    return this.call<T>('GET', p);
  }
  post<T = any>(p: string, body: unknown = {}) {
    return this.call<T>('POST', p, body);
  }
  put<T = any>(p: string, body: unknown) {
    return this.call<T>('PUT', p, body);
  }
  patch<T = any>(p: string, body: unknown) {
    return this.call<T>('PATCH', p, body);
  }
  del<T = any>(p: string) {
    return this.call<T>('DELETE', p);
  }
}

/** Creates an agent (or lead) with a console password straight through the desk facade. */
export async function addAgent(
  kefu: RunningKefu,
  id: string,
  opts: { role?: 'agent' | 'lead' | 'admin'; name?: string; teamId?: string; live?: number; callback?: number } = {},
): Promise<void> {
  await kefu.handoff.agents.createAgent({
    id,
    name: opts.name ?? `客服 ${id}`,
    email: `${id}@kangfu-life.example`,
    role: opts.role ?? 'agent',
    ...(opts.teamId ? { teamId: opts.teamId } : {}),
    skills: ['lang:zh-TW', 'lang:en', 'queue:general', 'queue:complaints', 'queue:travel'],
    capacity: { live: opts.live ?? 2, callback: opts.callback ?? 5 },
    password: AGENT_PASSWORD,
  });
}
