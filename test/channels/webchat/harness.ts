/**
 * Shared pieces of the web chat tests: start a real Kefu (SQLite store in a throwaway
 * folder, port 0), get tokens the way the page does, and wait for activities through the
 * real Direct Line endpoints.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Clock } from '../../../app/clock';
import { type RunningKefu, startKefu } from '../../../app/start';

export interface TokenResponse {
  token: string;
  conversationId: string;
  userId: string;
  expires_in: number;
}

export interface Activity {
  id: string;
  type: string;
  text?: string;
  from: { id: string; role?: string; name?: string };
  channelData?: { clientActivityID?: string; kefu?: Record<string, unknown> };
  attachments?: Array<{ contentType: string; content: { body?: Array<{ text?: string }> } }>;
  suggestedActions?: { actions: Array<{ title: string; value?: unknown }> };
  replyToId?: string;
  locale?: string;
}

export function tempDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-webchat-'));
}

export async function startTestKefu(
  env: Record<string, string> = {},
  options: { clock?: Clock; dataDir?: string } = {},
): Promise<RunningKefu> {
  return startKefu(
    {
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      DATA_DIR: options.dataDir ?? tempDataDir(),
      ...env,
    },
    options.clock ? { clock: options.clock } : {},
  );
}

export async function getToken(baseUrl: string, locale = 'zh-TW'): Promise<TokenResponse> {
  const res = await fetch(`${baseUrl}/api/v1/webchat/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ locale }),
  });
  if (res.status !== 200) throw new Error(`token: ${res.status} ${await res.text()}`);
  return (await res.json()) as TokenResponse;
}

export function authHeaders(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
}

export async function dl(
  baseUrl: string,
  token: string,
  method: 'GET' | 'POST',
  pathname: string,
  body?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies field by field
): Promise<{ status: number; json: any }> {
  const res = await fetch(`${baseUrl}/v3/directline${pathname}`, {
    method,
    headers: authHeaders(token),
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    // keep text
  }
  return { status: res.status, json };
}

/** Polls `GET …/activities` until `predicate` holds for the activity list (or fails after `ms`). */
export async function waitForActivities(
  baseUrl: string,
  token: string,
  conversationId: string,
  predicate: (activities: Activity[]) => boolean,
  ms = 10_000,
): Promise<Activity[]> {
  const deadline = Date.now() + ms;
  let last: Activity[] = [];
  while (Date.now() < deadline) {
    const { status, json } = await dl(baseUrl, token, 'GET', `/conversations/${conversationId}/activities?watermark=0`);
    if (status !== 200) throw new Error(`activities: ${status} ${JSON.stringify(json)}`);
    last = json.activities as Activity[];
    if (predicate(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `condition not met within ${ms} ms; activities: ${JSON.stringify(last.map((a) => [a.from.role, a.text]))}`,
  );
}

/** Starts a conversation over plain HTTP and waits for the welcome. */
export async function startConversation(
  baseUrl: string,
  locale = 'zh-TW',
): Promise<TokenResponse & { welcome: Activity }> {
  const t = await getToken(baseUrl, locale);
  const started = await dl(baseUrl, t.token, 'POST', '/conversations', {});
  if (started.status !== 201) throw new Error(`start: ${started.status}`);
  const acts = await waitForActivities(baseUrl, t.token, t.conversationId, (a) => a.some(isBot));
  return { ...t, welcome: acts.find(isBot)! };
}

export function isBot(a: Activity): boolean {
  return a.from.role === 'bot' && a.type === 'message';
}

/** Bot messages answering the user activity `replyToId`. */
export function repliesTo(activities: Activity[], replyToId: string): Activity[] {
  return activities.filter((a) => isBot(a) && a.replyToId === replyToId);
}
