/**
 * Kefu's configuration: one zod schema, read from the environment here and nowhere else.
 *
 * `loadConfig(env)` validates every variable at once and throws ERR_CONFIG_INVALID listing
 * every bad or missing one in one message, so an operator fixes them in one go. With
 * NODE_ENV=production it also refuses unsafe settings (ERR_CONFIG_UNSAFE). The result is
 * frozen and passed down; no other module reads `process.env`.
 *
 * Every variable below has a one-line comment (meaning, unit, default); `.env.example` carries
 * the same comments, and a test keeps the two in step.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { KefuError } from './errors';

/** The console password shipped for local use; production refuses it. */
export const DEFAULT_CONSOLE_PASSWORD = 'kefu-local-admin';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => {
  const message = `must be a whole number from ${min} to ${max}`;
  return z.coerce
    .number({ error: message })
    .int({ error: message })
    .min(min, { error: message })
    .max(max, { error: message });
};
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

export const configSchema = z.object({
  // ── Service ──────────────────────────────────────────────────────────────────────────────
  /** Runtime mode: development, test or production (production refuses unsafe settings). Default development. */
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  /** HTTP port the service listens on. Default 3978 (the Bot Framework convention). */
  PORT: int(0, 65535).default(3978),
  /** Interface to bind. Default 0.0.0.0 (all interfaces). */
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Public base URL of this service, used in links and the Direct Line streamUrl. Default http://localhost:PORT. */
  PUBLIC_BASE_URL: optionalString.pipe(z.url().optional()),
  /** Log level: fatal, error, warn, info, debug, trace or silent. Default info. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Time zone of the desk for business hours and dates. Default Asia/Taipei. */
  TIME_ZONE: z.string().min(1).default('Asia/Taipei'),
  /** Milliseconds to finish in-flight work on SIGTERM/SIGINT before exiting anyway. Default 10000. */
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(10_000),

  // ── Storage ──────────────────────────────────────────────────────────────────────────────
  /** Folder for the embedded SQLite file, raw mail and attachments. Default ./data (created on first start). */
  DATA_DIR: z.string().min(1).default('./data'),
  /** Redis URL (redis://[:password@]host:port[/db]); when set, Redis is the store instead of SQLite. Default unset. */
  REDIS_URL: optionalString.pipe(z.url().optional()),
  /** Prefix for every Redis key, so several deployments can share one Redis. Default kefu: */
  REDIS_KEY_PREFIX: z.string().default('kefu:'),

  // ── Console (agents and team leads) ──────────────────────────────────────────────────────
  /** Password of the built-in console admin account. Default kefu-local-admin (refused in production). */
  CONSOLE_ADMIN_PASSWORD: z.string().min(8).default(DEFAULT_CONSOLE_PASSWORD),
  /** Secret that signs console session cookies, at least 32 characters. Default: random per start (sessions end on restart; required in production). */
  SESSION_SECRET: optionalString.pipe(z.string().min(32).optional()),
  /** Lifetime of a console login session, in seconds. Default 28800 (8 hours, one shift). */
  CONSOLE_SESSION_TTL_S: int(60, 604_800).default(28_800),
  /** Failed console logins allowed per user name (and 4× per client address) in CONSOLE_LOGIN_WINDOW_S before 429. Default 5. */
  CONSOLE_LOGIN_MAX_FAILURES: int(1, 1000).default(5),
  /** Window of the console login failure limit, in seconds. Default 900 (15 minutes). */
  CONSOLE_LOGIN_WINDOW_S: int(10, 86_400).default(900),

  // ── Bot Framework (Azure Bot Service channel on POST /api/messages) ──────────────────────
  /** Bot registration app id; empty = /api/messages unauthenticated (refused in production). */
  MicrosoftAppId: optionalString,
  /** Bot registration password (client secret) for MicrosoftAppId. */
  MicrosoftAppPassword: optionalString,
  /** MultiTenant, SingleTenant or UserAssignedMSI. Default MultiTenant. */
  MicrosoftAppType: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('MultiTenant'),
  /** Azure AD tenant id, required for SingleTenant and UserAssignedMSI. */
  MicrosoftAppTenantId: optionalString,

  // ── Web chat and branding ────────────────────────────────────────────────────────────────
  /** Insurer name shown on the chat page (zh-TW). Default 康福人壽 (a sample name). */
  BRAND_NAME_ZH: z.string().min(1).default('康福人壽'),
  /** Insurer name shown on the chat page (English). Default Kangfu Life (a sample name). */
  BRAND_NAME_EN: z.string().min(1).default('Kangfu Life'),
  /** Accent colour of the chat page as #rrggbb. Default #0b6e4f. */
  BRAND_COLOR: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #0b6e4f')
    .default('#0b6e4f'),
  /** Lifetime of a Direct Line token in seconds (the page refreshes it). Default 1800. */
  DIRECTLINE_TOKEN_TTL_S: int(60, 86_400).default(1800),
  /** Longest message a chat user may send, in characters. Default 2000. */
  CHAT_MAX_MESSAGE_CHARS: int(1, 100_000).default(2000),
  /** Messages a chat user may send per window (see CHAT_RATE_WINDOW_S). Default 20. */
  CHAT_RATE_LIMIT: int(1, 10_000).default(20),
  /** Rate-limit window for chat messages, in seconds. Default 60. */
  CHAT_RATE_WINDOW_S: int(1, 3600).default(60),

  // ── Travel accident insurance (旅平險) ───────────────────────────────────────────────────
  /** Rate table file (JSON, format kefu.travel-rates/1); a relative path is inside the Kefu folder. Default knowledge/travel/rates.sample.json (sample rates). */
  TRAVEL_RATES_FILE: z.string().min(1).default('knowledge/travel/rates.sample.json'),

  // ── LLM (optional) ───────────────────────────────────────────────────────────────────────
  /** API key of an OpenAI-compatible server; unset = answer from the knowledge base alone. */
  OPENAI_API_KEY: optionalString,
  /** Base URL of an OpenAI-compatible server (Azure OpenAI, Ollama, vLLM). Default the OpenAI API. */
  OPENAI_BASE_URL: optionalString.pipe(z.url().optional()),
  /** Model name. Default gpt-4o-mini. */
  OPENAI_MODEL: z.string().min(1).default('gpt-4o-mini'),
  /** Time budget of one LLM call in milliseconds before falling back to retrieval. Default 4000. */
  LLM_TIMEOUT_MS: int(100, 60_000).default(4000),

  // ── Email (optional: IMAP poller and SMTP sender) ────────────────────────────────────────
  /** IMAP server host of the service mailbox; unset = email channel off. */
  IMAP_HOST: optionalString,
  /** IMAP port. Default 993. */
  IMAP_PORT: int(1, 65535).default(993),
  /** Use TLS from the start (true for 993). Default true. */
  IMAP_SECURE: bool.default(true),
  /** IMAP user name. */
  IMAP_USER: optionalString,
  /** IMAP password (or use IMAP_ACCESS_TOKEN). */
  IMAP_PASSWORD: optionalString,
  /** OAuth2 access token for IMAP instead of a password. */
  IMAP_ACCESS_TOKEN: optionalString,
  /** Mailbox to read. Default INBOX. */
  IMAP_MAILBOX: z.string().min(1).default('INBOX'),
  /** Folder processed mail is moved to (created if missing). Default Kefu/Processed. */
  IMAP_PROCESSED_FOLDER: z.string().min(1).default('Kefu/Processed'),
  /** Seconds between full mailbox checks besides IDLE. Default 60. */
  IMAP_CHECK_INTERVAL_S: int(1, 86_400).default(60),
  /** Largest email accepted with its attachments, in bytes. Default 26214400 (25 MB). */
  EMAIL_MAX_BYTES: int(1024, 1_073_741_824).default(26_214_400),
  /** Folder mail that fails to parse three times is moved to (kept raw, shown on /healthz). Default Kefu/Quarantine. */
  IMAP_QUARANTINE_FOLDER: z.string().min(1).default('Kefu/Quarantine'),
  /** Largest single attachment stored, in bytes; bigger ones are listed on the ticket but not kept. Default 15728640 (15 MB). */
  EMAIL_MAX_ATTACHMENT_BYTES: int(1024, 1_073_741_824).default(15_728_640),
  /** Most MIME parts parsed in one email; more = the mail is quarantined as hostile. Default 500. */
  EMAIL_MAX_MIME_PARTS: int(10, 100_000).default(500),
  /** Global breaker: most acknowledgements sent per hour across all senders. Default 300. */
  EMAIL_ACK_MAX_PER_HOUR: int(0, 1_000_000).default(300),
  /** SMTP server host for outgoing mail; unset = mail is queued in the outbox but not sent. */
  SMTP_HOST: optionalString,
  /** SMTP port. Default 587. */
  SMTP_PORT: int(1, 65535).default(587),
  /** Use TLS from the start (true for 465). Default false (STARTTLS when offered). */
  SMTP_SECURE: bool.default(false),
  /** SMTP user name (unset = no authentication). */
  SMTP_USER: optionalString,
  /** SMTP password. */
  SMTP_PASSWORD: optionalString,
  /** From address of mail Kefu sends. Default service@kangfu-life.example (a sample address). */
  MAIL_FROM: z.string().min(3).default('康福人壽客服 <service@kangfu-life.example>'),
  /** Domain of the Message-IDs Kefu writes (loop detection relies on it). Default kefu.kangfu-life.example. */
  MAIL_MESSAGE_ID_DOMAIN: z.string().min(1).default('kefu.kangfu-life.example'),

  // ── Human desk (agents, assignment, business hours) ──────────────────────────────────────
  /** YAML file of teams and agents created at start when missing (see handoff/agents/seed.sample.yaml). Default unset = no seed. */
  AGENT_SEED_FILE: optionalString,
  /** Seconds without activity after which an online agent becomes away; 0 = never. Default 300. */
  AGENT_AWAY_AFTER_S: int(0, 86_400).default(300),
  /** Seconds an agent has to accept an offered live chat before it goes to the next agent. Default 60. */
  LIVE_ACCEPT_TIMEOUT_S: int(5, 3600).default(60),
  /** Seconds an agent has to accept an offered callback or other back-office ticket; 0 = no limit. Default 0. */
  CALLBACK_ACCEPT_TIMEOUT_S: int(0, 604_800).default(0),
  /** SLA minutes per ticket type over the defaults, e.g. "callback=240,email=480". Default unset = built-in targets. */
  TICKET_SLA_MINUTES: optionalString.pipe(
    z
      .string()
      .regex(/^\s*[a-z-]+\s*=\s*\d+\s*(,\s*[a-z-]+\s*=\s*\d+\s*)*$/, 'must be <type>=<minutes>,…')
      .optional(),
  ),
  /** Desk opening hours and holiday files (YAML). Default handoff/calendar/desk-hours.yaml (a sample schedule). */
  DESK_HOURS_FILE: z.string().min(1).default('handoff/calendar/desk-hours.yaml'),
  /** Desk mode over the hours file: scheduled (weekly hours minus holidays) or 24h. Default unset = as in the file. */
  DESK_MODE: optionalString.pipe(z.enum(['scheduled', '24h']).optional()),
  /** A live-chat wait longer than this counts in the waiting ratio (保戶等待比例), seconds. Default 60. */
  HANDOFF_WAIT_THRESHOLD_S: int(1, 3600).default(60),
  /** Average handle time assumed for wait estimates until there is history, seconds. Default 300. */
  HANDOFF_DEFAULT_HANDLE_S: int(1, 86_400).default(300),
  /** A web-chat user waiting for an agent who sends nothing for this long is counted as abandoned (放棄), seconds; 0 = never. Default 900. */
  HANDOFF_ABANDON_AFTER_S: int(0, 86_400).default(900),
  /** A waiting web-chat page with no poll, socket or message for this long counts as closed (abandoned), seconds; 0 = never. Default 120. */
  HANDOFF_PAGE_GONE_AFTER_S: int(0, 86_400).default(120),
});

export type Config = Readonly<
  Omit<z.infer<typeof configSchema>, 'PUBLIC_BASE_URL' | 'SESSION_SECRET'> & {
    PUBLIC_BASE_URL: string;
    SESSION_SECRET: string;
    /** True when SESSION_SECRET was generated for this run. */
    sessionSecretGenerated: boolean;
  }
>;

/**
 * Validates the environment and returns the frozen configuration.
 * @throws ERR_CONFIG_INVALID listing every invalid variable; ERR_CONFIG_UNSAFE in production.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // Empty strings mean "unset" everywhere, as in most .env files.
  const input: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.') || '(environment)';
      const shown = input[name] === undefined ? 'unset' : JSON.stringify(redactForMessage(name, input[name]));
      return `  - ${name} (${shown}): ${issue.message}`;
    });
    throw new KefuError('ERR_CONFIG_INVALID', `Invalid configuration:\n${lines.join('\n')}`, {
      variables: parsed.error.issues.map((i) => i.path.join('.')),
    });
  }
  const c = parsed.data;
  const config = Object.freeze({
    ...c,
    PUBLIC_BASE_URL: (c.PUBLIC_BASE_URL ?? `http://localhost:${c.PORT}`).replace(/\/+$/, ''),
    SESSION_SECRET: c.SESSION_SECRET ?? randomSecret(),
    sessionSecretGenerated: c.SESSION_SECRET === undefined,
  });
  if (config.NODE_ENV === 'production') assertSafeForProduction(config);
  return config;
}

/** Refuses settings that are fine on a laptop and dangerous in production. */
function assertSafeForProduction(c: Config): void {
  const problems: string[] = [];
  if (c.CONSOLE_ADMIN_PASSWORD === DEFAULT_CONSOLE_PASSWORD) {
    problems.push('CONSOLE_ADMIN_PASSWORD is the shipped default; set a strong password of your own.');
  }
  if (c.sessionSecretGenerated) {
    problems.push('SESSION_SECRET is unset; set a random string of at least 32 characters.');
  }
  if (!c.MicrosoftAppId) {
    problems.push('MicrosoftAppId is empty, which would leave POST /api/messages unauthenticated.');
  } else if (!c.MicrosoftAppPassword && c.MicrosoftAppType !== 'UserAssignedMSI') {
    problems.push('MicrosoftAppPassword is empty while MicrosoftAppId is set.');
  }
  if (c.MicrosoftAppType !== 'MultiTenant' && !c.MicrosoftAppTenantId) {
    problems.push(`MicrosoftAppTenantId is required for MicrosoftAppType=${c.MicrosoftAppType}.`);
  }
  if (problems.length > 0) {
    throw new KefuError(
      'ERR_CONFIG_UNSAFE',
      `Refusing to start with NODE_ENV=production:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      { problems },
    );
  }
}

const SECRET_NAME = /PASSWORD|SECRET|TOKEN|KEY/i;

/** Secrets never appear in an error message, even when invalid. */
function redactForMessage(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (SECRET_NAME.test(name)) return '***';
  // URLs carry passwords too (redis://:pw@host, https://user:pw@host), even when malformed.
  return value.replace(/(\/\/[^/@\s:]*):[^@\s]*@/g, '$1:***@');
}

function randomSecret(): string {
  return randomBytes(32).toString('hex');
}
