/**
 * The email channel's one entry point for the composition root: `startEmailChannel` wires the
 * IMAP poller, the ingest use case, the outbox (with its durable-timer handler), the SMTP
 * sender and the `replyByEmail` use case, and registers /healthz checks.
 *
 * Optional service, graceful degradation: without IMAP_HOST no mailbox is polled (and
 * /healthz says `off`), without SMTP_HOST mail waits in the outbox (and /healthz says `off`);
 * `replyByEmail` works in every case.
 */
import path from 'node:path';
import type { Clock } from '../../app/clock';
import type { Config } from '../../app/config';
import type { HealthRegistry } from '../../app/health';
import type { Logger } from '../../app/logger';
import type { TimerRunner } from '../../app/timer-runner';
import type { BusinessCalendar } from '../../handoff/calendar/business-hours';
import type { TicketService } from '../../handoff/tickets/ticket-service';
import type { KnowledgeService } from '../../knowledge/types';
import type { Store } from '../../storage/port';
import { createIngest, type Ingest } from './ingest';
import { ImapPoller, type PollerState } from './imap-poller';
import { RawMailStore } from './raw-store';
import { createOutbox, OUTBOX_TIMER_KIND, type Outbox } from './outbox';
import type { MailSender } from './ports';
import { createReplyByEmail, type ReplyByEmail } from './reply';
import { createSmtpSender } from './smtp-sender';

export type { ReplyByEmail, ReplyAgent, ReplyResult } from './reply';
export type { MailSender, OutgoingMail } from './ports';
export { OUTBOX_TIMER_KIND } from './outbox';

export type EmailConfig = Pick<
  Config,
  | 'IMAP_HOST'
  | 'IMAP_PORT'
  | 'IMAP_SECURE'
  | 'IMAP_USER'
  | 'IMAP_PASSWORD'
  | 'IMAP_ACCESS_TOKEN'
  | 'IMAP_MAILBOX'
  | 'IMAP_PROCESSED_FOLDER'
  | 'IMAP_QUARANTINE_FOLDER'
  | 'IMAP_CHECK_INTERVAL_S'
  | 'EMAIL_MAX_BYTES'
  | 'EMAIL_MAX_ATTACHMENT_BYTES'
  | 'EMAIL_MAX_MIME_PARTS'
  | 'EMAIL_ACK_MAX_PER_HOUR'
  | 'SMTP_HOST'
  | 'SMTP_PORT'
  | 'SMTP_SECURE'
  | 'SMTP_USER'
  | 'SMTP_PASSWORD'
  | 'MAIL_FROM'
  | 'MAIL_MESSAGE_ID_DOMAIN'
  | 'BRAND_NAME_ZH'
  | 'BRAND_NAME_EN'
>;

export interface EmailChannelDeps {
  config: EmailConfig;
  store: Store;
  tickets: TicketService;
  calendar: BusinessCalendar;
  knowledge?: KnowledgeService;
  clock: Clock;
  log: Logger;
  health: HealthRegistry;
  /** The app's timer runner; the outbox handler is registered on it (start it yourself). */
  timers: TimerRunner;
  /** Folder for raw mail and attachments, e.g. DATA_DIR/mail. */
  dataDir: string;
  /** Tuning and test hooks. */
  options?: {
    instanceId?: string;
    /** Overrides IMAP_CHECK_INTERVAL_S (tests use short intervals). */
    checkIntervalMs?: number;
    heartbeatMs?: number;
    backoff?: { initialMs: number; maxMs: number };
    /** Overrides the SMTP sender built from the config. */
    sender?: MailSender;
    stageHook?: (stage: string) => void;
    /** Plain-text SMTP without STARTTLS (tests). */
    smtpIgnoreTls?: boolean;
  };
}

export interface EmailChannel {
  /** Agents answer a ticket by email (for the console's HTTP route). */
  replyByEmail: ReplyByEmail;
  outbox: Outbox;
  ingest: Ingest;
  /** Undefined when IMAP_HOST is unset. */
  poller?: ImapPoller;
  pollerState(): PollerState | undefined;
  stop(): Promise<void>;
}

/**
 * Starts the email channel.
 * @throws nothing at start: connection problems show on /healthz and are retried.
 */
export function startEmailChannel(deps: EmailChannelDeps): EmailChannel {
  const { config, store, tickets, clock, log, health } = deps;
  const opts = deps.options ?? {};
  const sender: MailSender | undefined =
    opts.sender ??
    (config.SMTP_HOST
      ? createSmtpSender({
          host: config.SMTP_HOST,
          port: config.SMTP_PORT,
          secure: config.SMTP_SECURE,
          user: config.SMTP_USER,
          password: config.SMTP_PASSWORD,
          ignoreTLS: opts.smtpIgnoreTls,
        })
      : undefined);
  const outbox = createOutbox({
    store,
    clock,
    log,
    sender,
    from: config.MAIL_FROM,
    messageIdDomain: config.MAIL_MESSAGE_ID_DOMAIN,
    stageHook: opts.stageHook,
  });
  deps.timers.on(OUTBOX_TIMER_KIND, (timer) => outbox.handle(timer));

  const ownAddresses = [config.IMAP_USER, /<([^>]+)>/.exec(config.MAIL_FROM)?.[1] ?? config.MAIL_FROM]
    .filter((a): a is string => typeof a === 'string' && a.includes('@'))
    .map((a) => a.trim().toLowerCase());
  const rawStore = new RawMailStore(path.resolve(deps.dataDir));
  const ingest = createIngest({
    store,
    tickets,
    outbox,
    clock,
    log,
    calendar: deps.calendar,
    knowledge: deps.knowledge,
    dataDir: path.resolve(deps.dataDir),
    rawStore,
    config: {
      maxBytes: config.EMAIL_MAX_BYTES,
      maxAttachmentBytes: config.EMAIL_MAX_ATTACHMENT_BYTES,
      maxParts: config.EMAIL_MAX_MIME_PARTS,
      ackMaxPerHour: config.EMAIL_ACK_MAX_PER_HOUR,
      messageIdDomain: config.MAIL_MESSAGE_ID_DOMAIN,
      brand: { zh: config.BRAND_NAME_ZH, en: config.BRAND_NAME_EN },
      ownAddresses,
    },
    stageHook: opts.stageHook,
  });
  const replyByEmail = createReplyByEmail({ store, tickets, outbox, clock });

  let poller: ImapPoller | undefined;
  if (config.IMAP_HOST && config.IMAP_USER) {
    const checkIntervalMs = opts.checkIntervalMs ?? config.IMAP_CHECK_INTERVAL_S * 1000;
    poller = new ImapPoller({
      settings: {
        host: config.IMAP_HOST,
        port: config.IMAP_PORT,
        secure: config.IMAP_SECURE,
        user: config.IMAP_USER,
        password: config.IMAP_PASSWORD,
        accessToken: config.IMAP_ACCESS_TOKEN,
        mailbox: config.IMAP_MAILBOX,
        processedFolder: config.IMAP_PROCESSED_FOLDER,
        quarantineFolder: config.IMAP_QUARANTINE_FOLDER,
      },
      ingest,
      store,
      clock,
      log,
      maxBytes: config.EMAIL_MAX_BYTES,
      checkIntervalMs,
      heartbeatMs: opts.heartbeatMs,
      instanceId: opts.instanceId,
      backoff: opts.backoff,
      stageHook: opts.stageHook,
    });
    poller.start();
    const p = poller;
    health.register(`email-imap:${config.IMAP_USER}/${config.IMAP_MAILBOX}`, async () => {
      const s = p.state();
      const quarantined = await ingest.quarantinedCount();
      const standby = s.role === 'standby';
      return {
        status: standby || s.connected ? (quarantined > 0 ? 'degraded' : 'ok') : 'down',
        critical: false,
        role: s.role,
        connected: s.connected,
        lastCheckAt: iso(s.lastCheckAt),
        lastSuccessfulCheckAt: iso(s.lastSuccessAt),
        backlog: s.backlog,
        quarantined,
        uidValidity: s.uidValidity,
        reconnects: s.reconnects,
        ...(s.lastError ? { lastError: s.lastError } : {}),
      };
    });
    log.info({ mailbox: config.IMAP_MAILBOX, checkIntervalMs }, 'email channel: polling the mailbox');
  } else {
    health.register('email-imap', async () => ({
      status: 'off',
      critical: false,
      reason: 'IMAP_HOST (and IMAP_USER) unset: no mailbox is polled',
    }));
    log.info('email channel: IMAP_HOST unset; no mailbox is polled');
  }

  health.register('email-smtp', async () => {
    const pending = await outbox.pendingCount();
    if (!sender)
      return {
        status: 'off',
        critical: false,
        reason: 'SMTP_HOST unset: mail waits in the outbox',
        outboxPending: pending,
      };
    const s = sender.state();
    return {
      status: s.ok ? 'ok' : 'degraded',
      critical: false,
      outboxPending: pending,
      lastSentAt: iso(s.lastSentAt),
      ...(s.lastError ? { lastError: s.lastError } : {}),
    };
  });

  return {
    replyByEmail,
    outbox,
    ingest,
    poller,
    pollerState: () => poller?.state(),
    async stop() {
      await poller?.stop();
      await sender?.close();
      await rawStore.close();
    },
  };
}

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}
