/**
 * Shared pieces of the live-handoff tests over Direct Line: a Kefu with a manual clock, agents
 * created through the desk facade, a chat user who talks through the real Direct Line endpoints,
 * and waits on the ticket's history.
 */
import { ManualClock } from '../../../app/clock';
import type { RunningKefu } from '../../../app/start';
import type { TicketEvent } from '../../../handoff/tickets/ticket-service';
import { type Activity, dl, startConversation, startTestKefu, waitForActivities } from './harness';

/** Friday 27 Nov 2026, 10:00 in Taipei (desk open on the sample schedule). */
export const FRIDAY_10_TAIPEI = Date.UTC(2026, 10, 27, 2, 0, 0);
/** Friday 27 Nov 2026, 20:00 in Taipei (desk closed; next opening Monday 30 Nov 09:00). */
export const FRIDAY_20_TAIPEI = Date.UTC(2026, 10, 27, 12, 0, 0);

export async function startHandoffKefu(
  env: Record<string, string> = {},
  start = FRIDAY_10_TAIPEI,
): Promise<{ kefu: RunningKefu; clock: ManualClock }> {
  const clock = new ManualClock(start);
  const kefu = await startTestKefu(env, { clock });
  return { kefu, clock };
}

export async function addOnlineAgent(
  kefu: RunningKefu,
  id: string,
  name: string,
  capacity: { live: number; callback: number } = { live: 2, callback: 5 },
): Promise<void> {
  await kefu.handoff.agents.createAgent({
    id,
    name,
    email: `${id}@kangfu-life.example`,
    skills: ['lang:zh-TW', 'lang:en', 'queue:general', 'queue:complaints'],
    capacity,
  });
  await kefu.handoff.presence.set(id, 'online');
}

/** A web chat user on the real Direct Line endpoints. */
export class ChatUser {
  private constructor(
    readonly baseUrl: string,
    readonly token: string,
    readonly conversationId: string,
  ) {}

  static async start(baseUrl: string, locale = 'zh-TW'): Promise<ChatUser> {
    const t = await startConversation(baseUrl, locale);
    return new ChatUser(baseUrl, t.token, t.conversationId);
  }

  /** Posts a message; returns the echoed activity id. */
  async say(text: string, locale = 'zh-TW'): Promise<string> {
    const r = await dl(this.baseUrl, this.token, 'POST', `/conversations/${this.conversationId}/activities`, {
      type: 'message',
      from: { id: 'ignored' },
      text,
      locale,
    });
    if (r.status !== 200) throw new Error(`post: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json.id as string;
  }

  /** Everything in the conversation so far (a poll: the page is seen). */
  async all(): Promise<Activity[]> {
    const r = await dl(this.baseUrl, this.token, 'GET', `/conversations/${this.conversationId}/activities?watermark=0`);
    return r.json.activities as Activity[];
  }

  waitFor(predicate: (all: Activity[]) => boolean, ms = 10_000): Promise<Activity[]> {
    return waitForActivities(this.baseUrl, this.token, this.conversationId, predicate, ms);
  }

  /** Waits for a message (from anyone but the user) whose text contains `part`. */
  async waitForText(part: string, ms = 10_000): Promise<Activity> {
    const all = await this.waitFor(
      (a) => a.some((x) => x.type === 'message' && x.from.role === 'bot' && (x.text ?? '').includes(part)),
      ms,
    );
    return all.find((x) => x.type === 'message' && x.from.role === 'bot' && (x.text ?? '').includes(part))!;
  }
}

/** The `channelData.kefu.ticket` of the first bot message that reported one. */
export function reportedTicket(
  all: Activity[],
): { number: string; type: string; position?: number; estimatedWaitS?: number } | undefined {
  const hit = all.find((a) => a.from.role === 'bot' && a.type === 'message' && a.channelData?.kefu?.['ticket']);
  return hit?.channelData?.kefu?.['ticket'] as { number: string; type: string; position?: number } | undefined;
}

/** Polls the ticket's history until `predicate` holds. */
export async function waitForHistory(
  kefu: RunningKefu,
  number: string,
  predicate: (events: TicketEvent[]) => boolean,
  ms = 10_000,
): Promise<TicketEvent[]> {
  const deadline = Date.now() + ms;
  let last: TicketEvent[] = [];
  while (Date.now() < deadline) {
    last = await kefu.tickets.history(number);
    if (predicate(last)) return last;
    await new Promise((r) => setTimeout(r, 30));
  }
  throw new Error(`history of ${number} not as expected: ${JSON.stringify(last.map((e) => [e.type, e.data]))}`);
}

/** Polls until `check` returns a value (not undefined). */
export async function eventually<T>(check: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 30));
  }
}
