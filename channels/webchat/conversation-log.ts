/**
 * The history of each web chat conversation, kept through the storage port.
 *
 * Every activity the user sees (their own echoed messages, the bot's replies, agents'
 * replies) is appended to one stream per conversation; its sequence number is the Direct Line
 * watermark, so polling (`GET …/activities?watermark=`) and the WebSocket stream read the same
 * ordered log, a restart loses nothing, and another instance serves the same conversation.
 * After each append a notification goes on the bus so sockets on any instance push it at
 * once. Typing indicators are ephemeral: they go on the bus only and are not kept.
 */
import type { Clock } from '../../app/clock';
import { KefuError } from '../../app/errors';
import type { Json, Store } from '../../storage/port';
import { randomId } from './tokens';

/** Channel id written on web chat activities (botbuilder keys conversation state by it). */
export const WEBCHAT_CHANNEL_ID = 'webchat';
/** The bot's account in web chat conversations. */
export const BOT_ACCOUNT = { id: 'kefu-bot', name: 'Kefu', role: 'bot' } as const;
/** Bus channel of "something new in conversation X" notifications. */
export const ACTIVITY_BUS_CHANNEL = 'webchat:activity';

/** An activity as stored and served (a JSON object following the Bot Framework schema). */
export type StoredActivity = { [key: string]: Json } & { id: string; type: string; timestamp: string };

export interface ConversationRecord {
  conversationId: string;
  userId: string;
  createdAt: number;
  /** Locale the page asked for when the conversation was created. */
  locale?: string;
}

/** Notification on the bus: new entries up to `seq`, or an ephemeral activity. */
export type ActivityNotice =
  | { conversationId: string; seq: number }
  | { conversationId: string; ephemeral: StoredActivity };

const CONVERSATION_KEY = 'webchat:conversation:';
const STARTED_KEY = 'webchat:started:';
const STREAM_PREFIX = 'webchat:conversation:';

export class ConversationLog {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async create(record: ConversationRecord): Promise<void> {
    const created = await this.store.kv.setIfAbsent(CONVERSATION_KEY + record.conversationId, { ...record });
    if (!created)
      throw new KefuError('ERR_STORE_EXISTS', 'conversation id already in use', {
        conversationId: record.conversationId,
      });
  }

  async get(conversationId: string): Promise<ConversationRecord | undefined> {
    return this.store.kv.get<ConversationRecord & { [k: string]: Json }>(CONVERSATION_KEY + conversationId);
  }

  /** True exactly once per conversation: the first start triggers the bot's welcome. */
  markStarted(conversationId: string): Promise<boolean> {
    return this.store.kv.setIfAbsent(STARTED_KEY + conversationId, this.clock.now());
  }

  /**
   * Appends an activity (id and timestamp are assigned here) and notifies every instance.
   * @returns the stored activity and its watermark.
   */
  async append(
    conversationId: string,
    activity: { [key: string]: Json },
  ): Promise<{ activity: StoredActivity; seq: number }> {
    const stored = this.stamp(conversationId, activity);
    const seq = await this.store.streams.append(STREAM_PREFIX + conversationId, stored);
    await this.notify({ conversationId, seq });
    return { activity: stored, seq };
  }

  /** Sends an activity to open sockets without keeping it (typing indicators). */
  async publishEphemeral(conversationId: string, activity: { [key: string]: Json }): Promise<void> {
    await this.notify({ conversationId, ephemeral: this.stamp(conversationId, activity) });
  }

  /** Activities after the watermark, oldest first. */
  async after(
    conversationId: string,
    watermark: number,
    limit = 200,
  ): Promise<Array<{ seq: number; activity: StoredActivity }>> {
    const entries = await this.store.streams.range<StoredActivity>(STREAM_PREFIX + conversationId, watermark, limit);
    return entries.map((e) => ({ seq: e.seq, activity: e.value }));
  }

  lastWatermark(conversationId: string): Promise<number> {
    return this.store.streams.lastSeq(STREAM_PREFIX + conversationId);
  }

  private stamp(conversationId: string, activity: { [key: string]: Json }): StoredActivity {
    return {
      ...activity,
      id: `${conversationId}|${randomId(9)}`,
      type: typeof activity['type'] === 'string' ? activity['type'] : 'message',
      timestamp: new Date(this.clock.now()).toISOString(),
      channelId: WEBCHAT_CHANNEL_ID,
      conversation: { id: conversationId },
    };
  }

  private async notify(notice: ActivityNotice): Promise<void> {
    try {
      await this.store.bus.publish(ACTIVITY_BUS_CHANNEL, notice as unknown as Json);
    } catch {
      // At-most-once by design: sockets that miss a notice catch up on the next one, and
      // polling clients read the stream directly.
    }
  }
}
