/**
 * Builds the bot once and attaches it to any number of adapters (the self-hosted Direct Line
 * adapter and the CloudAdapter behind POST /api/messages), so both channels share the same
 * dialogs, state, metadata middleware and turn-error handler.
 */
import { type BotAdapter, ConversationState, type Storage, UserState } from 'botbuilder';
import { systemClock, type Clock } from '../app/clock';
import type { Logger } from '../app/logger';
import type { KnowledgeService, Lang } from '../knowledge/types';
import type { BotStateStorage } from '../storage/port';
import type { BotServices, HandoffDesk } from './dialogs/intent-dialog';
import type { TravelDialogDeps } from './dialogs/travel-quote-dialog';
import { KefuBot } from './kefu-bot';
import { KefuMetadataMiddleware } from './kefu-metadata-middleware';
import { createTurnErrorHandler } from './turn-error';

export interface BotDeps {
  /** The store's bot state (structurally botbuilder's Storage). */
  storage: BotStateStorage;
  knowledge: KnowledgeService;
  log: Logger;
  brand: Record<Lang, string>;
  clock?: Clock;
  /** Travel quote dependencies (rate table, application port, payment text). */
  travel?: TravelDialogDeps;
  /** The human desk (live handoff and callbacks); absent = the handoff dialog offers the phone line. */
  desk?: HandoffDesk;
}

export interface KefuBotRuntime {
  bot: KefuBot;
  conversationState: ConversationState;
  userState: UserState;
  services: BotServices;
  /** Adds the metadata middleware and the turn-error handler to an adapter. */
  attach<A extends BotAdapter>(adapter: A): A;
}

export function createKefuBot(deps: BotDeps): KefuBotRuntime {
  const storage = deps.storage as unknown as Storage;
  const conversationState = new ConversationState(storage);
  const userState = new UserState(storage);
  const services: BotServices = {
    knowledge: deps.knowledge,
    log: deps.log.child({ component: 'bot' }),
    clock: deps.clock ?? systemClock,
    brand: deps.brand,
    ...(deps.travel ? { travel: deps.travel } : {}),
    ...(deps.desk ? { desk: deps.desk } : {}),
  };
  const bot = new KefuBot(services, conversationState, userState);
  const onTurnError = createTurnErrorHandler({ log: services.log, conversationState });
  return {
    bot,
    conversationState,
    userState,
    services,
    attach(adapter) {
      adapter.use(new KefuMetadataMiddleware());
      adapter.onTurnError = onTurnError;
      return adapter;
    },
  };
}
