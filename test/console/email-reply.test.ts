/**
 * An agent answers an email ticket from the console: the console's reply route calls the
 * email channel's `replyByEmail`, and the mail really leaves over SMTP (a capturing
 * smtp-server) with the ticket number in the subject, to the customer, while the ticket's
 * history keeps the agent's message. The console is composed here the way the composition
 * root does it (`mountConsole` with the email channel), on its own app and SQLite store.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { type EmailChannel, startEmailChannel } from '../../channels/email';
import { systemClock } from '../../app/clock';
import { loadConfig } from '../../app/config';
import { HealthRegistry } from '../../app/health';
import { Lifecycle } from '../../app/lifecycle';
import { createLogger } from '../../app/logger';
import { createApp, createMetricsRegistry } from '../../app/server';
import { TimerRunner } from '../../app/timer-runner';
import { type MountedConsole, mountConsole } from '../../console';
import { createHandoff, type Handoff, handoffOptionsFromConfig } from '../../handoff';
import { buildCalendar, parseDeskFile } from '../../handoff/calendar/parse-calendar';
import { createSlaPolicy, DEFAULT_SLA_MINUTES } from '../../handoff/tickets/sla';
import { createTicketService, type TicketService } from '../../handoff/tickets/ticket-service';
import type { Store } from '../../storage/port';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store';
import { type SmtpCapture, startSmtpCapture } from '../support/smtp-capture';
import { AGENT_PASSWORD, ConsoleClient } from './support';

const CAL_DIR = path.resolve(__dirname, '../../handoff/calendar');

describe('console reply to an email ticket', function () {
  this.timeout(30_000);
  let dir: string;
  let smtp: SmtpCapture;
  let store: Store;
  let tickets: TicketService;
  let handoff: Handoff;
  let timers: TimerRunner;
  let email: EmailChannel;
  let kefuConsole: MountedConsole;
  let lifecycle: Lifecycle;
  let base: string;
  let closeApp: () => Promise<void>;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-console-email-'));
    smtp = await startSmtpCapture();
    const config = loadConfig({
      NODE_ENV: 'test',
      SMTP_HOST: smtp.host,
      SMTP_PORT: String(smtp.port),
      SMTP_SECURE: 'false',
      DESK_MODE: '24h',
      SESSION_SECRET: 'console-email-test-secret-0123456789abcdef',
    });
    const log = createLogger({ level: 'silent' });
    store = await openSqliteStore({ file: path.join(dir, 'kefu.sqlite'), log });
    const desk = parseDeskFile(fs.readFileSync(path.join(CAL_DIR, 'desk-hours.yaml'), 'utf8'));
    const calendar = buildCalendar(
      desk,
      desk.holidayFiles.map((name) => ({ name, text: fs.readFileSync(path.join(CAL_DIR, name), 'utf8') })),
      '24h',
    );
    tickets = createTicketService({ store, clock: systemClock, sla: createSlaPolicy(calendar, DEFAULT_SLA_MINUTES) });
    handoff = createHandoff({
      store,
      clock: systemClock,
      log,
      calendar,
      tickets,
      options: handoffOptionsFromConfig(config),
    });
    lifecycle = new Lifecycle(log);
    const health = new HealthRegistry();
    const app = createApp({ config, log, health, lifecycle, metrics: createMetricsRegistry() });
    timers = new TimerRunner({ store, clock: systemClock, log, pollMs: 50 });
    handoff.registerTimers(timers);
    email = startEmailChannel({
      config,
      store,
      tickets,
      calendar,
      clock: systemClock,
      log,
      health,
      timers,
      dataDir: path.join(dir, 'mail'),
      options: { smtpIgnoreTls: true },
    });
    timers.start();
    kefuConsole = await mountConsole({
      server: app.server,
      config,
      store,
      clock: systemClock,
      log,
      tickets,
      handoff,
      email,
      isDraining: () => lifecycle.draining,
    });
    const port = await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${port}`;
    closeApp = () => app.closeListener();
    await handoff.agents.createAgent({
      id: 'mei',
      name: '陳美玲',
      email: 'mei@kangfu-life.example',
      skills: ['lang:zh-TW', 'queue:general'],
      capacity: { live: 1, callback: 3 },
      password: AGENT_PASSWORD,
      presence: 'online',
    });
  });

  after(async () => {
    await kefuConsole?.stop();
    await closeApp?.();
    await email?.stop();
    await timers?.stop();
    await store?.close();
    await smtp?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sends the agent reply by SMTP with the ticket number in the subject and keeps it on the ticket', async () => {
    await handoff.presence.set('mei', 'online');
    const ticket = await tickets.open({
      type: 'email',
      channel: 'email',
      subject: '保單地址變更',
      customer: { name: '周志明', email: 'chou.chihming@example.com.tw', lang: 'zh-TW' },
      status: 'queued',
      actor: { kind: 'customer', name: '周志明' },
      firstMessage: { text: '您好，我想變更保單地址。', meta: { messageId: '<abc@example.com.tw>' } },
    });
    await handoff.assignment.enqueue(ticket.number);
    const mei = new ConsoleClient(base);
    expect((await mei.login('mei', AGENT_PASSWORD)).status).to.equal(200);
    expect((await mei.post(`/api/v1/tickets/${ticket.number}/accept`)).status).to.equal(200);

    const text = '周先生您好，地址變更請填寫附件表單後寄回，謝謝。';
    const reply = await mei.post(`/api/v1/tickets/${ticket.number}/reply`, { text });
    expect(reply.status).to.equal(201);
    expect(reply.body.via).to.equal('email');

    const mail = await smtp.waitFor((m) => m.rcptTo.includes('chou.chihming@example.com.tw'), 15_000);
    expect(mail.parsed.subject).to.include(`[#${ticket.number}]`);
    expect(mail.parsed.text).to.include(text);
    const history = await tickets.history(ticket.number);
    const sent = history.find((e) => e.type === 'message' && e.actor.id === 'mei');
    expect(sent?.data.text).to.equal(text);
    expect(sent?.data.channel).to.equal('email');
  });
});
