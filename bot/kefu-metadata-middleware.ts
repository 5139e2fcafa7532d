/**
 * Stamps `channelData.kefu` on every message the bot sends while answering a user message,
 * so no dialog can forget it. The value is the turn's report (`reportKefu`) at the moment the
 * message is sent; a message sent before anything was reported gets the fallback intent
 * `unrouted`, which shows up in analytics instead of silently missing.
 */
import { ActivityTypes, type Middleware, type TurnContext } from 'botbuilder';
import { finaliseKefuMetadata } from './kefu-metadata';
import { reportedKefu } from './turn-state';

/** Intent written when a message leaves before any dialog reported one. */
export const UNROUTED_INTENT = 'unrouted';

export class KefuMetadataMiddleware implements Middleware {
  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    context.onSendActivities(async (ctx, activities, sendNext) => {
      const report = reportedKefu(ctx);
      const answersUser = ctx.activity.type === ActivityTypes.Message;
      for (const activity of activities) {
        if (activity.type !== ActivityTypes.Message) continue;
        const existing = (activity.channelData ?? {}) as Record<string, unknown>;
        // A notice that set its own metadata (welcome, error) keeps it.
        if (existing['kefu'] !== undefined) continue;
        if (!answersUser && report.intent === undefined) continue;
        activity.channelData = { ...existing, kefu: finaliseKefuMetadata(report, UNROUTED_INTENT) };
      }
      return sendNext();
    });
    await next();
  }
}
