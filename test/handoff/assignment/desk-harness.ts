/**
 * A whole desk for tests: store, manual clock, ticket service, the handoff facade and a timer
 * runner, with helpers to add agents and open tickets. Used by the agents, assignment and
 * measures tests (SQLite) and by the multi-process worker (Redis).
 */
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import type { Clock } from '../../../app/clock';
import { TimerRunner } from '../../../app/timer-runner';
import { zonedInstant } from '../../../handoff/calendar/business-hours';
import { buildCalendar, parseDeskFile } from '../../../handoff/calendar/parse-calendar';
import { createHandoff, type Handoff, type HandoffOptions } from '../../../handoff/index';
import type { QueueName, Ticket, TicketType } from '../../../handoff/tickets/ticket';
import { createSlaPolicy, DEFAULT_SLA_MINUTES } from '../../../handoff/tickets/sla';
import { createTicketService, type TicketService } from '../../../handoff/tickets/ticket-service';
import type { Store } from '../../../storage/port';

export const silent = pino({ level: 'silent' });
const CAL_DIR = path.resolve(__dirname, '../../../handoff/calendar');

/** Friday 2026-11-27 10:00 in Taipei: the desk is open. */
export const FRIDAY_10AM = zonedInstant('2026-11-27', 10 * 60, 'Asia/Taipei');

export function sampleCalendar(mode?: '24h' | 'scheduled') {
  const desk = parseDeskFile(fs.readFileSync(path.join(CAL_DIR, 'desk-hours.yaml'), 'utf8'));
  return buildCalendar(
    desk,
    desk.holidayFiles.map((name) => ({ name, text: fs.readFileSync(path.join(CAL_DIR, name), 'utf8') })),
    mode,
  );
}

export const DEFAULT_TEST_OPTIONS: HandoffOptions = {
  liveAcceptTimeoutS: 60,
  callbackAcceptTimeoutS: 0,
  awayAfterS: 300,
  waitThresholdS: 60,
  defaultHandleS: 300,
  reconcileEveryS: 0,
};

export interface Desk {
  store: Store;
  clock: Clock;
  tickets: TicketService;
  handoff: Handoff;
  runner: TimerRunner;
  /** Creates agents a01…aNN (zh-TW, general) with the given live capacity and sets them online. */
  addAgents(
    count: number,
    opts?: { live?: number; callback?: number; skills?: string[]; prefix?: string; online?: boolean },
  ): Promise<string[]>;
  openTicket(opts?: { type?: TicketType; lang?: 'zh-TW' | 'en'; queue?: QueueName }): Promise<Ticket>;
}

export function createDesk(
  store: Store,
  clock: Clock,
  options: Partial<HandoffOptions> = {},
  mode: '24h' | 'scheduled' = 'scheduled',
): Desk {
  const calendar = sampleCalendar(mode);
  const tickets = createTicketService({ store, clock, sla: createSlaPolicy(calendar, DEFAULT_SLA_MINUTES) });
  const handoff = createHandoff({
    store,
    clock,
    log: silent,
    calendar,
    tickets,
    options: { ...DEFAULT_TEST_OPTIONS, ...options },
  });
  const runner = new TimerRunner({ store, clock, log: silent, pollMs: 50, leaseMs: 30_000 });
  handoff.registerTimers(runner);
  let n = 0;
  return {
    store,
    clock,
    tickets,
    handoff,
    runner,
    async addAgents(count, opts = {}) {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const id = `${opts.prefix ?? 'a'}${String(i + 1).padStart(2, '0')}`;
        await handoff.agents.createAgent({
          id,
          name: `專員 ${id}`,
          email: `${id}@kangfu-life.example`,
          skills: opts.skills ?? ['lang:zh-TW', 'queue:general'],
          capacity: { live: opts.live ?? 2, callback: opts.callback ?? 5 },
        });
        if (opts.online !== false) await handoff.presence.set(id, 'online');
        ids.push(id);
      }
      return ids;
    },
    async openTicket(opts = {}) {
      n++;
      return tickets.open({
        type: opts.type ?? 'chat-handoff',
        channel: 'webchat',
        subject: `想找真人客服 #${n}`,
        customer: { name: '王小明', lang: opts.lang ?? 'zh-TW', conversationId: `conv-${n}` },
        ...(opts.queue ? { queue: opts.queue } : {}),
        actor: { kind: 'bot' },
      });
    },
  };
}
