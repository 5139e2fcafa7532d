/**
 * The web chat channel's use cases, apart from HTTP: issue a token, start or resume a
 * conversation, accept an activity from the page, read activities after a watermark, refresh
 * a token, refuse uploads, and deliver proactive messages. The restify routes
 * (`directline-routes.ts`) and the WebSocket stream (`stream-server.ts`) only translate.
 *
 * Guarantees:
 * - A token reaches only its own conversation (others answer 403) and speaks only as its own
 *   user: `from.id` of a posted activity is always replaced by the token's user id.
 * - Every posted user activity is echoed into the log with its `channelData.clientActivityID`
 *   (Web Chat marks the message as sent when the echo arrives), then delivered to the bot.
 * - Limits answer politely inside the chat: a message over CHAT_MAX_MESSAGE_CHARS, more than
 *   CHAT_RATE_LIMIT messages per CHAT_RATE_WINDOW_S, and attachments get a bot notice instead
 *   of reaching the bot. A client that keeps flooding past twice the limit gets HTTP 429.
 * - Bot turns of one conversation run one at a time on this instance, in arrival order.
 */
import type { Clock } from '../../app/clock';
import { KefuError } from '../../app/errors';
import type { Logger } from '../../app/logger';
import type { Json, Store } from '../../storage/port';
import type { KefuMetadata, NoticeIntent } from '../../bot/kefu-metadata';
import { langFromLocale, langFromText, localeOf } from '../../bot/language';
import { strings } from '../../bot/strings';
import {
  BOT_ACCOUNT,
  type ConversationLog,
  type ConversationRecord,
  type StoredActivity,
  WEBCHAT_CHANNEL_ID,
} from './conversation-log';
import { type DirectLineTokens, randomId, type TokenBinding } from './tokens';

/** Activity types a page may post. */
const ACCEPTED_TYPES = new Set(['message', 'event', 'typing']);
/** Token requests one client address may make per minute. */
export const TOKEN_REQUESTS_PER_MINUTE = 30;
/** Longest display name kept from a posted activity. */
const MAX_NAME_CHARS = 64;

export interface WebChatLimits {
  tokenTtlS: number;
  maxMessageChars: number;
  rateLimit: number;
  rateWindowS: number;
}

/** A message other modules deliver into an open conversation (an agent's reply, a ticket update). */
export interface ProactiveMessage {
  type?: 'message' | 'event';
  text?: string;
  textFormat?: 'markdown' | 'plain';
  locale?: string;
  /** Sender shown in the chat; defaults to the bot. An agent: `{ id: 'agent:7', name: '客服 王小姐' }`. */
  from?: { id: string; name?: string };
  attachments?: Json[];
  suggestedActions?: Json;
  name?: string;
  value?: Json;
  /** Put `{ kefu: { intent: 'handoff', ticket: … } }` here; it is stored as given. */
  channelData?: { [key: string]: Json };
}

/**
 * Sees each user activity before the bot does. Return true to take it (the bot is not called),
 * e.g. while a human agent has the conversation.
 */
export type UserActivityInterceptor = (conversationId: string, activity: StoredActivity) => Promise<boolean>;

/** Runs the bot on an activity; provided by the composition root (adapter + bot). */
export type BotTurnRunner = (activity: { [key: string]: Json }) => Promise<void>;

export interface WebChatChannelDeps {
  store: Store;
  log: ConversationLog;
  tokens: DirectLineTokens;
  clock: Clock;
  logger: Logger;
  limits: WebChatLimits;
  /** Base URL written as the activities' serviceUrl. */
  serviceUrl: string;
  runBotTurn: BotTurnRunner;
  /** Tracks background work so shutdown waits for it. */
  track: <T>(work: Promise<T>) => Promise<T>;
  /** Told what became of each posted user activity (metrics). */
  onOutcome?: (outcome: PostOutcome) => void;
  /** Told how long each bot turn took, in seconds (metrics). */
  onTurnDone?: (seconds: number, failed: boolean) => void;
}

/** What became of a posted user activity. */
export type PostOutcome = 'delivered' | 'rate-limited' | 'too-long' | 'attachment-refused' | 'flood-refused';

export interface ConversationInfo {
  conversationId: string;
  token: string;
  expires_in: number;
  /** Stream ticket for the WebSocket URL (the route turns it into `streamUrl`). */
  streamTicket: string;
  watermark: number;
}

export class WebChatChannel {
  private readonly queues = new Map<string, Promise<void>>();
  private readonly interceptors: UserActivityInterceptor[] = [];

  constructor(private readonly deps: WebChatChannelDeps) {}

  /**
   * A new conversation and a token bound to it, for the page (`POST /api/v1/webchat/token`).
   * @throws ERR_RATE_LIMITED when the client address asked too often this minute.
   */
  async issueToken(input: { clientAddress: string; locale?: string }): Promise<{
    token: string;
    conversationId: string;
    userId: string;
    expires_in: number;
  }> {
    const minute = Math.floor(this.deps.clock.now() / 60_000);
    const count = await this.deps.store.kv.increment(`webchat:token-rate:${input.clientAddress}:${minute}`, 1, 60_000);
    if (count > TOKEN_REQUESTS_PER_MINUTE) {
      throw new KefuError(
        'ERR_RATE_LIMITED',
        'Too many chat sessions were started from this address; try again in a minute.',
      );
    }
    const conversationId = randomId(16);
    const userId = `dl_${randomId(12)}`;
    const lang = langFromLocale(input.locale);
    await this.deps.log.create({
      conversationId,
      userId,
      createdAt: this.deps.clock.now(),
      ...(lang ? { locale: localeOf(lang) } : {}),
    });
    const { token, expiresIn } = await this.deps.tokens.issue({ conversationId, userId });
    return { token, conversationId, userId, expires_in: expiresIn };
  }

  /**
   * Checks a bearer token, and that it belongs to `conversationId` when one is named.
   * @throws ERR_UNAUTHORIZED without a token; ERR_FORBIDDEN for an unknown or expired token or
   *   another conversation's id.
   */
  async authorize(token: string | undefined, conversationId?: string): Promise<TokenBinding> {
    if (!token) throw new KefuError('ERR_UNAUTHORIZED', 'A Direct Line token is required (Authorization: Bearer …).');
    const binding = await this.deps.tokens.verify(token);
    if (!binding) throw new KefuError('ERR_FORBIDDEN', 'The token is invalid or has expired.');
    if (conversationId !== undefined && conversationId !== binding.conversationId) {
      throw new KefuError('ERR_FORBIDDEN', 'The token does not grant access to this conversation.');
    }
    return binding;
  }

  /** Starts the token's conversation (the first start welcomes the user) or resumes it. */
  async start(
    token: string,
    binding: TokenBinding,
    requestedLocale?: string,
  ): Promise<ConversationInfo & { created: boolean }> {
    const record = await this.deps.log.get(binding.conversationId);
    if (!record) throw new KefuError('ERR_NOT_FOUND', 'The conversation has ended.');
    const created = await this.deps.log.markStarted(binding.conversationId);
    if (created) {
      const locale =
        record.locale ?? (langFromLocale(requestedLocale) ? localeOf(langFromLocale(requestedLocale)!) : undefined);
      const user = { id: binding.userId, role: 'user' };
      this.enqueueTurn(binding.conversationId, {
        // No id: the welcome must not carry a replyToId that names an activity the page never
        // receives (Web Chat holds such replies back while it waits for the original).
        type: 'conversationUpdate',
        channelId: WEBCHAT_CHANNEL_ID,
        serviceUrl: this.deps.serviceUrl,
        conversation: { id: binding.conversationId },
        from: user,
        recipient: { ...BOT_ACCOUNT },
        membersAdded: [{ ...BOT_ACCOUNT }, user],
        timestamp: new Date(this.deps.clock.now()).toISOString(),
        ...(locale ? { locale } : {}),
      });
    }
    return { ...(await this.resume(token, binding, 0)), created };
  }

  /** What a client needs to reconnect: the same token, a fresh stream ticket. */
  async resume(token: string, binding: TokenBinding, watermark: number): Promise<ConversationInfo> {
    const record = await this.deps.log.get(binding.conversationId);
    if (!record) throw new KefuError('ERR_NOT_FOUND', 'The conversation has ended.');
    return {
      conversationId: binding.conversationId,
      token,
      expires_in: this.deps.tokens.secondsLeft(binding),
      streamTicket: await this.deps.tokens.issueStreamTicket(binding),
      watermark,
    };
  }

  /** A new token for the same conversation and user. */
  async refresh(binding: TokenBinding): Promise<{ conversationId: string; token: string; expires_in: number }> {
    const { token, expiresIn } = await this.deps.tokens.refresh(binding);
    return { conversationId: binding.conversationId, token, expires_in: expiresIn };
  }

  /** Activities after the watermark and the new watermark (Direct Line's activity set). */
  async activities(
    binding: TokenBinding,
    watermark: number,
  ): Promise<{ activities: StoredActivity[]; watermark: string }> {
    const entries = await this.deps.log.after(binding.conversationId, watermark);
    const last = entries.at(-1)?.seq ?? Math.min(watermark, await this.deps.log.lastWatermark(binding.conversationId));
    return { activities: entries.map((e) => e.activity), watermark: String(last) };
  }

  /**
   * Accepts an activity the page posted: echoes it, applies the limits and hands it to the bot.
   * @returns the id of the echoed activity.
   * @throws ERR_BAD_REQUEST for a body that is not an activity; ERR_RATE_LIMITED past twice the limit.
   */
  async post(binding: TokenBinding, body: unknown): Promise<{ id: string }> {
    const input = parseActivity(body);
    const conversationId = binding.conversationId;
    if (input.type === 'typing') return { id: `${conversationId}|typing` };

    const lang =
      langFromText(typeof input.text === 'string' ? input.text : undefined) ??
      langFromLocale(str(input.locale)) ??
      'zh-TW';
    const { limits } = this.deps;
    const window = Math.floor(this.deps.clock.now() / (limits.rateWindowS * 1000));
    const count = await this.deps.store.kv.increment(
      `webchat:message-rate:${binding.userId}:${window}`,
      1,
      limits.rateWindowS * 1000,
    );
    if (count > limits.rateLimit * 2) {
      this.deps.onOutcome?.('flood-refused');
      throw new KefuError('ERR_RATE_LIMITED', `Too many messages; wait ${limits.rateWindowS} seconds.`, {
        retryAfterS: limits.rateWindowS,
      });
    }

    const text = typeof input.text === 'string' ? input.text : undefined;
    const tooLong = text !== undefined && [...text].length > limits.maxMessageChars;
    const hasAttachments = Array.isArray(input.attachments) && input.attachments.length > 0;
    const echo: { [key: string]: Json } = {
      ...input,
      ...(tooLong ? { text: `${[...text!].slice(0, limits.maxMessageChars).join('')}…` } : {}),
      ...(hasAttachments ? { attachments: [] } : {}),
      from: {
        id: binding.userId,
        role: 'user',
        ...(str((input.from as { name?: unknown })?.name)
          ? { name: str((input.from as { name?: unknown }).name)!.slice(0, MAX_NAME_CHARS) }
          : {}),
      },
      recipient: { ...BOT_ACCOUNT },
      serviceUrl: this.deps.serviceUrl,
    };
    const { activity } = await this.deps.log.append(conversationId, echo);

    if (count > limits.rateLimit) {
      await this.notice(
        conversationId,
        activity.id,
        lang,
        'rate-limited',
        strings(lang).rateLimited(limits.rateWindowS),
      );
      this.deps.onOutcome?.('rate-limited');
    } else if (tooLong) {
      await this.notice(conversationId, activity.id, lang, 'too-long', strings(lang).tooLong(limits.maxMessageChars));
      this.deps.onOutcome?.('too-long');
    } else if (hasAttachments) {
      await this.notice(conversationId, activity.id, lang, 'upload-refused', strings(lang).uploadRefused);
      this.deps.onOutcome?.('attachment-refused');
    } else {
      this.enqueueTurn(conversationId, activity);
      this.deps.onOutcome?.('delivered');
    }
    return { id: activity.id };
  }

  /** Refuses a file upload with a notice the user sees in the chat. */
  async refuseUpload(binding: TokenBinding, locale?: string): Promise<{ id: string }> {
    const lang = langFromLocale(locale) ?? 'zh-TW';
    const id = await this.notice(
      binding.conversationId,
      undefined,
      lang,
      'upload-refused',
      strings(lang).uploadRefused,
    );
    return { id };
  }

  /**
   * Appends a message to a web chat conversation and pushes it to every open page, on any
   * instance. Other modules (the human desk for agent replies, ticket updates) call this.
   * @throws ERR_NOT_FOUND when the conversation does not exist.
   */
  async deliverToConversation(
    conversationId: string,
    message: ProactiveMessage,
  ): Promise<{ id: string; watermark: number }> {
    const record = await this.deps.log.get(conversationId);
    if (!record) throw new KefuError('ERR_NOT_FOUND', 'No such web chat conversation.', { conversationId });
    const activity: { [key: string]: Json } = JSON.parse(
      JSON.stringify({
        ...message,
        type: message.type ?? 'message',
        from: { ...BOT_ACCOUNT, ...(message.from ?? {}), role: 'bot' },
        recipient: { id: record.userId, role: 'user' },
        serviceUrl: this.deps.serviceUrl,
      }),
    );
    const { activity: stored, seq } = await this.deps.log.append(conversationId, activity);
    return { id: stored.id, watermark: seq };
  }

  /** Registers an interceptor that sees user activities before the bot. */
  interceptUserActivities(interceptor: UserActivityInterceptor): () => void {
    this.interceptors.push(interceptor);
    return () => {
      const i = this.interceptors.indexOf(interceptor);
      if (i >= 0) this.interceptors.splice(i, 1);
    };
  }

  /**
   * Runs `work` in the conversation's turn queue (after any bot turn in progress, before the
   * next), so proactive bot logic never races a user's turn on the same conversation state.
   * @throws ERR_NOT_FOUND when the conversation does not exist.
   */
  async runInConversation<T>(conversationId: string, work: (record: ConversationRecord) => Promise<T>): Promise<T> {
    const record = await this.deps.log.get(conversationId);
    if (!record) throw new KefuError('ERR_NOT_FOUND', 'No such web chat conversation.', { conversationId });
    const previous = this.queues.get(conversationId) ?? Promise.resolve();
    const result = previous.then(() => work(record));
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(conversationId, settled);
    void this.deps.track(settled).then(() => {
      if (this.queues.get(conversationId) === settled) this.queues.delete(conversationId);
    });
    return result;
  }

  /** Resolves when every queued bot turn has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.queues.size > 0) await Promise.allSettled([...this.queues.values()]);
  }

  private async notice(
    conversationId: string,
    replyToId: string | undefined,
    lang: 'zh-TW' | 'en',
    intent: NoticeIntent,
    text: string,
  ): Promise<string> {
    const kefu: KefuMetadata = { intent, lang };
    const { activity } = await this.deps.log.append(conversationId, {
      type: 'message',
      text,
      locale: localeOf(lang),
      from: { ...BOT_ACCOUNT },
      serviceUrl: this.deps.serviceUrl,
      ...(replyToId ? { replyToId } : {}),
      channelData: { kefu: { ...kefu } },
    });
    return activity.id;
  }

  private enqueueTurn(conversationId: string, activity: { [key: string]: Json }): void {
    const previous = this.queues.get(conversationId) ?? Promise.resolve();
    const turn = previous.then(async () => {
      const started = process.hrtime.bigint();
      const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
      try {
        for (const interceptor of this.interceptors) {
          if (await interceptor(conversationId, activity as StoredActivity)) return;
        }
        await this.deps.runBotTurn(activity);
        this.deps.onTurnDone?.(seconds(), false);
      } catch (err) {
        // The bot's own turn-error handler already answered; this is the last resort.
        this.deps.onTurnDone?.(seconds(), true);
        this.deps.logger.error({ err, conversationId }, 'web chat turn failed');
      }
    });
    this.queues.set(conversationId, turn);
    void this.deps.track(turn).then(() => {
      if (this.queues.get(conversationId) === turn) this.queues.delete(conversationId);
    });
  }
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** Keeps the fields of a posted activity that a page may set; the server sets the rest. */
function parseActivity(body: unknown): { [key: string]: Json } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new KefuError('ERR_BAD_REQUEST', 'The body must be a JSON activity object.');
  }
  const b = body as Record<string, unknown>;
  if (typeof b['type'] !== 'string' || !ACCEPTED_TYPES.has(b['type'])) {
    throw new KefuError('ERR_BAD_REQUEST', `Activity type must be one of: ${[...ACCEPTED_TYPES].join(', ')}.`);
  }
  if (b['text'] !== undefined && typeof b['text'] !== 'string') {
    throw new KefuError('ERR_BAD_REQUEST', 'Activity text must be a string.');
  }
  const out: { [key: string]: Json } = { type: b['type'] };
  for (const key of [
    'text',
    'textFormat',
    'locale',
    'name',
    'value',
    'attachments',
    'channelData',
    'entities',
    'from',
  ] as const) {
    if (b[key] !== undefined) out[key] = b[key] as Json;
  }
  // Only the bot writes Kefu metadata; a page cannot forge it.
  const channelData = out['channelData'];
  if (channelData && typeof channelData === 'object' && !Array.isArray(channelData) && 'kefu' in channelData) {
    const { kefu: _dropped, ...rest } = channelData;
    out['channelData'] = rest;
  }
  return out;
}
