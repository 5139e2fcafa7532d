/**
 * Builds and starts a whole Kefu instance from an environment map. Used by `app/main.ts` and
 * by tests that need the real service (port 0, throwaway data folder).
 */
import fs from 'node:fs';
import { openStore } from '../storage';
import type { Store } from '../storage/port';
import { systemClock, type Clock } from './clock';
import { loadConfig, type Config } from './config';
import { HealthRegistry } from './health';
import { Lifecycle } from './lifecycle';
import { createLogger, type Logger } from './logger';
import { createApp, createMetricsRegistry, type App } from './server';
import { createKefuBot } from '../bot/create-bot';
import { createKnowledgeService } from '../knowledge';
import { createOpenAiLlm } from '../knowledge/llm/openai-adapter';
import { mountBotFrameworkRoute } from '../channels/bot-framework/messages-route';
import { mountWebChat, type WebChat } from '../channels/webchat';
import path from 'node:path';
import { mountConsole } from '../console';
import { createHandoff, type Handoff, handoffOptionsFromConfig } from '../handoff';
import { buildCalendar, parseDeskFile } from '../handoff/calendar/parse-calendar';
import { createSlaPolicy, parseSlaMinutes } from '../handoff/tickets/sla';
import { createTicketService, type TicketService } from '../handoff/tickets/ticket-service';
import { TimerRunner } from './timer-runner';
import { createTravelApplications } from '../handoff/applications/travel-applications';
import { DEFAULT_PROFILE_FILE, loadProfile } from '../knowledge/content/load';
import { loadRateTableFile } from '../knowledge/travel';
import { type EmailChannel, startEmailChannel } from '../channels/email';
import { createLiveChat, type LiveChat } from '../handoff/live-chat';
import { createWebChatLiveChat } from '../channels/webchat/live-delivery';

export interface RunningKefu {
  config: Config;
  log: Logger;
  store: Store;
  app: App;
  /** The web chat channel: `deliverToConversation` for proactive messages (agent replies). */
  webchat: WebChat;
  /** The ticket service (問題單) and the human desk facade (agents, presence, assignment, measures). */
  tickets: TicketService;
  handoff: Handoff;
  /** Live handoff and callbacks (agent messages, hand back, resolve) — see handoff/live-chat.ts. */
  liveChat: LiveChat;
  /** The durable timer runner (tests drive `tick()` with a manual clock). */
  timers: TimerRunner;
  /** The email channel: `replyByEmail(ticketNumber, agent, text)` for the console's reply route. */
  email: EmailChannel;
  port: number;
  /** Base URL the service answers on (http://127.0.0.1:PORT for tests). */
  url: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  /** Log destination (tests pass a stream); default stdout. */
  logDestination?: Parameters<typeof createLogger>[0]['destination'];
}

export async function startKefu(
  env: Record<string, string | undefined>,
  options: StartOptions = {},
): Promise<RunningKefu> {
  const config = loadConfig(env);
  const log = createLogger({ level: config.LOG_LEVEL, destination: options.logDestination });
  const clock = options.clock ?? systemClock;

  if (!config.REDIS_URL) fs.mkdirSync(config.DATA_DIR, { recursive: true });
  const store = await openStore({
    dataDir: config.DATA_DIR,
    redisUrl: config.REDIS_URL,
    redisKeyPrefix: config.REDIS_KEY_PREFIX,
    log,
  });

  const lifecycle = new Lifecycle(log);
  lifecycle.onStop('store', () => store.close());

  const health = new HealthRegistry();
  health.register('store', async () => {
    const h = await store.health();
    return { ...h, status: h.ok ? 'ok' : 'down', critical: true };
  });

  const metrics = createMetricsRegistry();
  const app = createApp({ config, log, health, lifecycle, metrics });

  // The knowledge base: reloads itself when a topic file changes; the LLM only when configured.
  const llmConfigured = Boolean(config.OPENAI_API_KEY || config.OPENAI_BASE_URL);
  const knowledge = await createKnowledgeService({
    watch: config.NODE_ENV !== 'test',
    clock,
    llm: llmConfigured
      ? createOpenAiLlm({
          apiKey: config.OPENAI_API_KEY ?? 'none',
          baseURL: config.OPENAI_BASE_URL,
          model: config.OPENAI_MODEL,
        })
      : undefined,
    llmBudgetMs: config.LLM_TIMEOUT_MS,
    onProblems: (problems) => {
      if (problems.length > 0) log.warn({ problems }, 'knowledge base: some topic files have problems');
    },
    onError: (err) => log.warn({ err }, 'knowledge base: falling back'),
  });
  lifecycle.onStop('knowledge', async () => knowledge.close());
  health.register('knowledge', async () => ({
    status: knowledge.problems().length === 0 ? 'ok' : 'degraded',
    critical: false,
    topics: knowledge.topicCount(),
    problems: knowledge.problems().length,
  }));
  health.register('llm', async () =>
    llmConfigured
      ? { status: 'ok', critical: false, model: config.OPENAI_MODEL, budgetMs: config.LLM_TIMEOUT_MS }
      : {
          status: 'off',
          critical: false,
          reason: 'OPENAI_API_KEY and OPENAI_BASE_URL are unset: answers come from the knowledge base alone',
        },
  );

  // ── Human desk and console ───────────────────────────────────────────────────────────────
  // Desk wiring (tickets, handoff, durable timers) added with the console, which needs it;
  // other modules (email, live handoff) should take `tickets`, `handoff` and `timers` from here.
  // A relative path names a file of the Kefu folder (the default ships in the repository), so
  // the service starts the same from any working folder; DATA_DIR stays relative to the cwd.
  const deskHoursFile = path.resolve(__dirname, '..', config.DESK_HOURS_FILE);
  const deskFile = parseDeskFile(fs.readFileSync(deskHoursFile, 'utf8'));
  const calendar = buildCalendar(
    deskFile,
    deskFile.holidayFiles.map((name) => ({
      name,
      text: fs.readFileSync(path.join(path.dirname(deskHoursFile), name), 'utf8'),
    })),
    config.DESK_MODE,
  );
  const tickets = createTicketService({
    store,
    clock,
    sla: createSlaPolicy(calendar, parseSlaMinutes(config.TICKET_SLA_MINUTES)),
  });
  const handoff = createHandoff({ store, clock, log, calendar, tickets, options: handoffOptionsFromConfig(config) });
  const timers = new TimerRunner({ store, clock, log });
  handoff.registerTimers(timers);
  // Live handoff (真人客服) and callbacks: the one module both the chat and the console call.
  const liveChatPort = createWebChatLiveChat({ kv: store.kv, clock, log });
  const liveChat = createLiveChat({
    store,
    clock,
    log: log.child({ component: 'live-chat' }),
    tickets,
    handoff,
    chat: liveChatPort.port,
    options: {
      abandonAfterMs: config.HANDOFF_ABANDON_AFTER_S * 1000,
      pageGoneAfterMs: config.HANDOFF_PAGE_GONE_AFTER_S * 1000,
    },
    notifyDesk: async (notice) => {
      await store.bus.publish('console', notice).catch((err) => log.warn({ err }, 'console notice not published'));
    },
  });
  liveChat.registerTimers(timers);
  // ── Email channel: IMAP poller → tickets, acknowledgements via the outbox, agent replies ──
  // Off (and says so on /healthz) when IMAP_HOST / SMTP_HOST are unset. Registers its outbox
  // timer handler, so it must come before `timers.start()`.
  const email = startEmailChannel({
    config,
    store,
    tickets,
    calendar,
    knowledge,
    clock,
    log: log.child({ component: 'email' }),
    health,
    timers,
    dataDir: path.join(config.DATA_DIR, 'mail'),
  });
  lifecycle.onStop('email', () => email.stop());
  if (config.AGENT_SEED_FILE) await handoff.seed(fs.readFileSync(config.AGENT_SEED_FILE, 'utf8'));
  await handoff.start();
  lifecycle.onStop('timers', () => timers.stop());

  // Travel insurance: the insurer's rate table, and applications that become an issuance ticket
  // and a confirmation email through the outbox (sent once SMTP is configured).
  const profile = await loadProfile(DEFAULT_PROFILE_FILE);
  const paymentInstruction = {
    'zh-TW': profile.payment_instruction_zh ?? '',
    en: profile.payment_instruction_en ?? '',
  };
  const travelApplications = createTravelApplications({
    store,
    tickets,
    clock,
    paymentInstruction,
    brandName: { 'zh-TW': config.BRAND_NAME_ZH, en: config.BRAND_NAME_EN },
    mail: {
      enqueue: async (mail) => {
        await email.outbox.enqueue({
          id: `${mail.kind}:${mail.ticketNumber ?? mail.to}`,
          kind: 'notice',
          ticket: mail.ticketNumber ?? '',
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
        });
      },
    },
  });
  const travel = {
    rates: loadRateTableFile(path.resolve(__dirname, '..', config.TRAVEL_RATES_FILE)),
    applications: travelApplications,
    paymentInstruction,
  };

  // The bot behind both chat channels.
  const bot = createKefuBot({
    storage: store.botState,
    knowledge,
    log,
    clock,
    brand: { 'zh-TW': config.BRAND_NAME_ZH, en: config.BRAND_NAME_EN },
    desk: liveChat,
    travel,
  });
  const webchat = await mountWebChat({ server: app.server, store, config, clock, log, lifecycle, bot, metrics });
  liveChatPort.bind(webchat, app.server, liveChat);
  const stopLiveNotices = await liveChat.start();
  // Timers fire once every handler (the live chat's included) has what it needs.
  timers.start();
  lifecycle.onStop('live-chat', async () => {
    liveChatPort.stop();
    await stopLiveNotices();
  });
  mountBotFrameworkRoute(app.server, { config, bot, log });

  const kefuConsole = await mountConsole({
    server: app.server,
    config,
    store,
    clock,
    log,
    tickets,
    handoff,
    webchat,
    liveChat,
    email,
    isDraining: () => lifecycle.draining,
  });

  const port = await app.listen(config.PORT, config.HOST);
  lifecycle.onStop('http', () => app.closeListener());
  // Registered after http so it stops first: open chat sockets would hold the listener open.
  lifecycle.onStop('webchat', () => webchat.stop());
  lifecycle.onStop('console', () => kefuConsole.stop());
  if (config.sessionSecretGenerated && config.NODE_ENV !== 'test') {
    log.warn('SESSION_SECRET is unset: console sessions end when the service restarts');
  }
  log.info({ port, store: store.kind, env: config.NODE_ENV }, `Kefu listening on ${config.PUBLIC_BASE_URL}`);

  return {
    config,
    log,
    store,
    app,
    webchat,
    tickets,
    handoff,
    liveChat,
    timers,
    email,
    port,
    url: `http://127.0.0.1:${port}`,
    stop: () => lifecycle.shutdown(config.SHUTDOWN_TIMEOUT_MS),
  };
}
