/**
 * The bot adapter of the self-hosted Direct Line channel: activities are delivered to the
 * bot in-process (no HTTP hop, no Bot Framework token), and whatever the bot sends is written
 * to the conversation log, where polling and WebSocket clients pick it up. Proactive
 * messages use the same path: `continueConversation` runs bot logic with a turn context whose
 * sends land in the same log, so an agent's reply or a ticket update reaches an open page the
 * way a bot reply does.
 */
import {
  type Activity,
  ActivityTypes,
  BotAdapter,
  type ConversationReference,
  type ResourceResponse,
  TurnContext,
} from 'botbuilder';
import type { Json } from '../../storage/port';
import { BOT_ACCOUNT, type ConversationLog } from './conversation-log';

export class DirectLineAdapter extends BotAdapter {
  constructor(private readonly log: ConversationLog) {
    super();
  }

  /** Runs the bot (through the adapter's middleware) on an activity from the page. */
  processActivity(activity: Partial<Activity>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    return this.runMiddleware(new TurnContext(this, activity), logic);
  }

  override async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const responses: ResourceResponse[] = [];
    for (const activity of activities) {
      if (activity.type === 'delay') {
        const ms = typeof activity.value === 'number' ? Math.min(activity.value, 10_000) : 1000;
        await new Promise((resolve) => setTimeout(resolve, ms));
        responses.push({ id: '' });
        continue;
      }
      if (activity.type === ActivityTypes.InvokeResponse || activity.type === ActivityTypes.Trace) {
        responses.push({ id: '' });
        continue;
      }
      const conversationId = activity.conversation?.id ?? context.activity.conversation?.id;
      if (!conversationId) throw new Error('an outgoing activity has no conversation id');
      const outgoing = toJson({
        ...activity,
        from: { ...BOT_ACCOUNT, ...(activity.from ?? {}), role: 'bot' },
      });
      if (activity.type === ActivityTypes.Typing) {
        await this.log.publishEphemeral(conversationId, outgoing);
        responses.push({ id: '' });
        continue;
      }
      const { activity: stored } = await this.log.append(conversationId, outgoing);
      responses.push({ id: stored.id });
    }
    return responses;
  }

  override async updateActivity(): Promise<void> {
    throw new Error('updating a sent activity is not supported by the self-hosted Direct Line');
  }

  override async deleteActivity(): Promise<void> {
    throw new Error('deleting a sent activity is not supported by the self-hosted Direct Line');
  }

  override async continueConversation(
    reference: Partial<ConversationReference>,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<void> {
    const activity = TurnContext.applyConversationReference(
      { type: ActivityTypes.Event, name: 'continueConversation' },
      reference,
      true,
    );
    await this.runMiddleware(new TurnContext(this, activity), logic);
  }
}

/** Drops undefined and functions so the activity is storable JSON. */
function toJson(value: unknown): { [key: string]: Json } {
  return JSON.parse(JSON.stringify(value)) as { [key: string]: Json };
}
