/**
 * Test harness for the email channel: a throwaway SQLite store, the real ticket service,
 * calendar, timer runner and health registry, wired with `startEmailChannel` to a real
 * Dovecot (test/support/dovecot.ts) and a capturing smtp-server (test/support/smtp-capture.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { type Clock, systemClock } from '../../../../app/clock';
import { loadConfig } from '../../../../app/config';
import { HealthRegistry } from '../../../../app/health';
import { createLogger } from '../../../../app/logger';
import { TimerRunner } from '../../../../app/timer-runner';
import type { BusinessCalendar } from '../../../../handoff/calendar/business-hours';
import { buildCalendar, parseDeskFile } from '../../../../handoff/calendar/parse-calendar';
import { createSlaPolicy, DEFAULT_SLA_MINUTES } from '../../../../handoff/tickets/sla';
import { createTicketService, type TicketService } from '../../../../handoff/tickets/ticket-service';
import type { KnowledgeService } from '../../../../knowledge/types';
import type { Store } from '../../../../storage/port';
import { openSqliteStore } from '../../../../storage/sqlite/sqlite-store';
import { type EmailChannel, startEmailChannel } from '../../../../channels/email';
import type { TestDovecot } from '../../../support/dovecot';
import type { SmtpCapture } from '../../../support/smtp-capture';

export const FIXTURES = path.resolve(__dirname, '../../../fixtures/email');
const CAL_DIR = path.resolve(__dirname, '../../../../handoff/calendar');
export const OWN_DOMAIN = 'kefu.kangfu-life.example';

export function fixture(name: string, vars: Record<string, string> = {}): Buffer {
  let text = fs.readFileSync(path.join(FIXTURES, name)).toString('latin1');
  for (const [k, v] of Object.entries(vars)) text = text.split(`{{${k}}}`).join(v);
  return Buffer.from(text, 'latin1');
}

export function sampleCalendar(mode?: '24h' | 'scheduled'): BusinessCalendar {
  const desk = parseDeskFile(fs.readFileSync(path.join(CAL_DIR, 'desk-hours.yaml'), 'utf8'));
  return buildCalendar(
    desk,
    desk.holidayFiles.map((name) => ({ name, text: fs.readFileSync(path.join(CAL_DIR, name), 'utf8') })),
    mode,
  );
}

export const silentLog = createLogger({ level: process.env.KEFU_TEST_LOG ?? 'silent' });

export interface Harness {
  dir: string;
  store: Store;
  tickets: TicketService;
  timers: TimerRunner;
  health: HealthRegistry;
  channel: EmailChannel;
  stop(): Promise<void>;
}

export function emailEnv(
  dovecot: TestDovecot | undefined,
  smtp: SmtpCapture | undefined,
  extra: Record<string, string> = {},
) {
  const imap = dovecot?.imapOptions();
  return loadConfig({
    NODE_ENV: 'test',
    ...(imap
      ? {
          IMAP_HOST: imap.host,
          IMAP_PORT: String(imap.port),
          IMAP_SECURE: 'false',
          IMAP_USER: imap.auth.user,
          IMAP_PASSWORD: imap.auth.pass,
        }
      : {}),
    ...(smtp ? { SMTP_HOST: smtp.host, SMTP_PORT: String(smtp.port), SMTP_SECURE: 'false' } : {}),
    MAIL_MESSAGE_ID_DOMAIN: OWN_DOMAIN,
    ...extra,
  });
}

export async function startHarness(o: {
  dovecot?: TestDovecot;
  smtp?: SmtpCapture;
  env?: Record<string, string>;
  dir?: string;
  knowledge?: KnowledgeService;
  clock?: Clock;
  calendar?: BusinessCalendar;
  instanceId?: string;
  checkIntervalMs?: number;
  startTimers?: boolean;
}): Promise<Harness> {
  const dir = o.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-email-'));
  const clock = o.clock ?? systemClock;
  const store = await openSqliteStore({ file: path.join(dir, 'kefu.sqlite'), log: silentLog });
  const calendar = o.calendar ?? sampleCalendar('24h');
  const tickets = createTicketService({ store, clock, sla: createSlaPolicy(calendar, DEFAULT_SLA_MINUTES) });
  const timers = new TimerRunner({ store, clock, log: silentLog, pollMs: 100 });
  const health = new HealthRegistry();
  const channel = startEmailChannel({
    config: emailEnv(o.dovecot, o.smtp, o.env),
    store,
    tickets,
    calendar,
    knowledge: o.knowledge,
    clock,
    log: silentLog,
    health,
    timers,
    dataDir: path.join(dir, 'mail'),
    options: {
      instanceId: o.instanceId,
      checkIntervalMs: o.checkIntervalMs ?? 1000,
      heartbeatMs: 1000,
      backoff: { initialMs: 200, maxMs: 1000 },
      smtpIgnoreTls: true,
    },
  });
  if (o.startTimers !== false) timers.start();
  return {
    dir,
    store,
    tickets,
    timers,
    health,
    channel,
    async stop() {
      await channel.stop();
      await timers.stop();
      await store.close();
      if (!o.dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `fn` until it returns a truthy value (real servers take real time). */
export async function eventually<T>(
  fn: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The i-th element, or a clear failure when it is missing. */
export function nth<T>(list: readonly T[] | undefined, i: number): T {
  const v = list?.[i];
  if (v === undefined) throw new Error(`expected an element at index ${i} (length ${list?.length ?? 0})`);
  return v;
}

/** How many messages a folder holds now. */
export async function folderCount(dovecot: TestDovecot, folder: string): Promise<number> {
  const client = new ImapFlow(dovecot.imapOptions());
  client.on('error', () => undefined);
  await client.connect();
  try {
    const st = await client.status(folder, { messages: true });
    return st ? (st.messages ?? 0) : 0;
  } finally {
    await client.logout();
  }
}

/** The raw source of every message in a folder. */
export async function folderSources(dovecot: TestDovecot, folder: string): Promise<Buffer[]> {
  const client = new ImapFlow(dovecot.imapOptions());
  client.on('error', () => undefined);
  await client.connect();
  const lock = await client.getMailboxLock(folder);
  try {
    const out: Buffer[] = [];
    for await (const m of client.fetch('1:*', { source: true })) if (m.source) out.push(m.source);
    return out;
  } finally {
    lock.release();
    await client.logout();
  }
}
