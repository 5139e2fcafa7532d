/**
 * The bot's turn-error handler — one of the three places errors are translated
 * (STYLE.md). It apologises in the user's language and shows a short correlation id, clears
 * the conversation's dialog state so the next message starts clean (the conversation stays
 * usable), and logs the error with the same id so staff can find it.
 */
import { randomBytes } from 'node:crypto';
import type { ConversationState, TurnContext } from 'botbuilder';
import type { Logger } from '../app/logger';
import type { KefuMetadata } from './kefu-metadata';
import { localeOf, resolveLang } from './language';
import { strings } from './strings';

/** A short id a user can read out on the phone (8 characters, no look-alikes). */
export function newCorrelationId(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(8);
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
}

export function createTurnErrorHandler(deps: {
  log: Logger;
  conversationState: ConversationState;
}): (context: TurnContext, error: Error) => Promise<void> {
  return async (context, error) => {
    const correlationId = newCorrelationId();
    const activity = context.activity;
    deps.log.error(
      {
        err: error,
        correlationId,
        conversationId: activity?.conversation?.id,
        channelId: activity?.channelId,
        activityType: activity?.type,
      },
      'bot turn failed',
    );
    try {
      await deps.conversationState.delete(context);
    } catch (clearErr) {
      deps.log.error({ err: clearErr, correlationId }, 'could not clear the conversation state after a turn error');
    }
    if (activity?.type !== 'message' && activity?.type !== 'event') return;
    const lang = resolveLang({ text: activity.text, locale: activity.locale });
    try {
      await context.sendActivity({
        type: 'message',
        text: strings(lang).turnError(correlationId),
        locale: localeOf(lang),
        channelData: { kefu: { intent: 'error', lang, correlationId } satisfies KefuMetadata },
      });
    } catch (sendErr) {
      deps.log.error({ err: sendErr, correlationId }, 'could not send the apology after a turn error');
    }
  };
}
