/**
 * The web chat channel, assembled: self-hosted Direct Line 3.0 (routes, tokens, history,
 * WebSocket stream), the in-process bot adapter, and the chat page at `/`. The composition
 * root calls `mountWebChat` before listening and registers `stop` after the HTTP listener,
 * so on shutdown sockets close first, queued bot turns finish, then the listener closes.
 *
 * For other modules: `deliverToConversation(conversationId, message)` pushes a message into
 * an open chat (agent replies, ticket updates); `interceptUserActivities` lets the human desk
 * take user messages while an agent has the conversation.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Server } from 'restify';
import type { TurnContext } from 'botbuilder';
import type { Clock } from '../../app/clock';
import type { Config } from '../../app/config';
import type { Lifecycle } from '../../app/lifecycle';
import type { Logger } from '../../app/logger';
import type { KefuBotRuntime } from '../../bot/create-bot';
import type { Store } from '../../storage/port';
import { BOT_ACCOUNT, ConversationLog, WEBCHAT_CHANNEL_ID } from './conversation-log';
import { DirectLineAdapter } from './directline-adapter';
import { mountDirectLineRoutes } from './directline-routes';
import { mountPageRoutes } from './page-routes';
import { StreamServer } from './stream-server';
import { DirectLineTokens } from './tokens';
import { type ProactiveMessage, type UserActivityInterceptor, WebChatChannel } from './webchat-channel';

export type { ProactiveMessage, UserActivityInterceptor } from './webchat-channel';
export { WebChatChannel } from './webchat-channel';

export interface WebChatDeps {
  server: Server;
  store: Store;
  config: Config;
  clock: Clock;
  log: Logger;
  lifecycle: Lifecycle;
  bot: KefuBotRuntime;
  /** Prometheus registry for the channel's metrics (optional in tests). */
  metrics?: Registry;
}

export interface WebChat {
  channel: WebChatChannel;
  adapter: DirectLineAdapter;
  streams: StreamServer;
  /**
   * Appends a message to a web chat conversation and pushes it to the open page.
   * @throws ERR_NOT_FOUND when the conversation does not exist.
   */
  deliverToConversation(conversationId: string, message: ProactiveMessage): Promise<{ id: string; watermark: number }>;
  /**
   * Runs bot logic in an existing web chat conversation (a proactive turn: the bot's state and
   * middleware are available; what it sends reaches the open page). Queued after any turn in
   * progress on that conversation.
   * @throws ERR_NOT_FOUND when the conversation does not exist.
   */
  continueConversation(conversationId: string, logic: (context: TurnContext) => Promise<void>): Promise<void>;
  /** See `WebChatChannel.interceptUserActivities`. */
  interceptUserActivities(interceptor: UserActivityInterceptor): () => void;
  /** Closes sockets and waits for queued bot turns. */
  stop(): Promise<void>;
}

export async function mountWebChat(deps: WebChatDeps): Promise<WebChat> {
  const { server, store, config, clock, lifecycle, bot } = deps;
  const logger = deps.log.child({ component: 'webchat' });
  const log = new ConversationLog(store, clock);
  const tokens = new DirectLineTokens(store.kv, clock, config.DIRECTLINE_TOKEN_TTL_S);
  const adapter = bot.attach(new DirectLineAdapter(log));
  const registers = deps.metrics ? [deps.metrics] : [];
  const posted = new Counter({
    name: 'kefu_webchat_user_activities_total',
    help: 'Activities posted by web chat users, by what became of them.',
    labelNames: ['outcome'],
    registers,
  });
  const turns = new Histogram({
    name: 'kefu_webchat_bot_turn_seconds',
    help: 'Time the bot took for one web chat turn (until all its replies were stored).',
    labelNames: ['failed'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  const channel = new WebChatChannel({
    store,
    log,
    tokens,
    clock,
    logger,
    limits: {
      tokenTtlS: config.DIRECTLINE_TOKEN_TTL_S,
      maxMessageChars: config.CHAT_MAX_MESSAGE_CHARS,
      rateLimit: config.CHAT_RATE_LIMIT,
      rateWindowS: config.CHAT_RATE_WINDOW_S,
    },
    serviceUrl: config.PUBLIC_BASE_URL,
    runBotTurn: (activity) => adapter.processActivity(activity, (context) => bot.bot.run(context)),
    track: (work) => lifecycle.track(work),
    onOutcome: (outcome) => posted.inc({ outcome }),
    onTurnDone: (seconds, failed) => turns.observe({ failed: String(failed) }, seconds),
  });
  mountDirectLineRoutes(server, channel, config.PUBLIC_BASE_URL);
  mountPageRoutes(server, { nameZh: config.BRAND_NAME_ZH, nameEn: config.BRAND_NAME_EN, color: config.BRAND_COLOR });
  const streams = new StreamServer({ httpServer: server.server, bus: store.bus, log, tokens, logger });
  await streams.start();
  new Gauge({
    name: 'kefu_webchat_open_streams',
    help: 'Open Direct Line WebSocket streams on this instance.',
    registers,
    collect() {
      this.set(streams.openSockets);
    },
  });
  return {
    channel,
    adapter,
    streams,
    deliverToConversation: (conversationId, message) => channel.deliverToConversation(conversationId, message),
    interceptUserActivities: (interceptor) => channel.interceptUserActivities(interceptor),
    continueConversation: (conversationId, logic) =>
      channel.runInConversation(conversationId, (record) =>
        adapter.continueConversation(
          {
            channelId: WEBCHAT_CHANNEL_ID,
            serviceUrl: config.PUBLIC_BASE_URL,
            conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' },
            bot: { ...BOT_ACCOUNT },
            user: { id: record.userId, name: '', role: 'user' },
            ...(record.locale ? { locale: record.locale } : {}),
          },
          logic,
        ),
      ),
    async stop() {
      await streams.stop();
      await channel.idle();
    },
  };
}
