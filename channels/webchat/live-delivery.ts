/**
 * The web chat side of the live handoff: the chat port of handoff/live-chat.ts on top of the
 * self-hosted Direct Line, and the hooks that keep the bot silent while a person has the chat.
 *
 * - `notify` renders the desk's notices in the customer's language (bot/strings.ts) and appends
 *   them to the conversation (`deliverToConversation`): queue position updates, "專員 王小明 已加入
 *   對話", the agent's messages under the agent's name, the end of the live phase. Each carries
 *   `channelData.kefu` `{ intent: 'handoff', ticket }`. The Bot Framework `handoff.status`
 *   event (`accepted` when an agent joins, `completed` when the agent ends it, `failed` when
 *   the customer left first) goes into the conversation too, for an external agent hub.
 * - `history` reads the conversation's activity log for the ticket's transcript.
 * - Page presence: Direct Line has no close event, so a page counts as present while it polls
 *   (`GET …/activities`, `GET …/conversations/:id`), holds an open stream socket or posts. The
 *   last sighting is kept in the store (at most one write per conversation per
 *   PRESENCE_WRITE_EVERY_MS per instance) so any instance's abandonment check can read it.
 * - The interceptor sees each user activity before the bot: a message while a session is
 *   active goes to the live desk instead (the bot stays silent); "取消等候" / "Stop waiting"
 *   ends the wait; an `endOfConversation` activity or a `kefu/leave` event means the page
 *   closed.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { EventFactory } from 'botbuilder';
import type { Request, Response, Server } from 'restify';
import type { Clock } from '../../app/clock';
import type { Logger } from '../../app/logger';
import type { ChatPort, LiveChat, LiveChatNotice, TranscriptLine } from '../../handoff/live-chat';
import type { KefuMetadata } from '../../bot/kefu-metadata';
import { localeOf } from '../../bot/language';
import { LANGS, strings } from '../../bot/strings';
import type { Json, KeyValueStore } from '../../storage/port';
import type { StoredActivity } from './conversation-log';
import type { ProactiveMessage, WebChat } from '.';

/** Name of the event a page may send when it closes (a `sendBeacon`-style goodbye). */
export const LEAVE_EVENT = 'kefu/leave';
/** How often one instance writes a conversation's "page seen" time at most, ms. */
export const PRESENCE_WRITE_EVERY_MS = 10_000;
const SEEN_KEY = 'webchat:seen:';
const SEEN_TTL_MS = 86_400_000;
const CONVERSATION_PATH = /^\/v3\/directline\/conversations\/([^/?]+)(?:\/(activities|stream))?(?:\?|$)/;

export interface WebChatLiveChat {
  /** The chat port for `createLiveChat`; usable once `bind` was called. */
  port: ChatPort;
  /** Connects the port to the mounted web chat: interceptor, poll and socket watching. */
  bind(webchat: WebChat, server: Server, liveChat: LiveChat): void;
  /** Removes the hooks and the presence refresher. */
  stop(): void;
}

export function createWebChatLiveChat(deps: { kv: KeyValueStore; clock: Clock; log: Logger }): WebChatLiveChat {
  const { kv, clock, log } = deps;
  let webchat: WebChat | undefined;
  const lastWrite = new Map<string, number>();
  const openSockets = new Map<string, number>();
  const cleanups: Array<() => void> = [];

  function chat(): WebChat {
    if (!webchat) throw new Error('the web chat live-chat port is not bound yet');
    return webchat;
  }

  async function seen(conversationId: string, force = false): Promise<void> {
    const now = clock.now();
    const last = lastWrite.get(conversationId);
    if (!force && last !== undefined && now - last < PRESENCE_WRITE_EVERY_MS && now >= last) return;
    lastWrite.set(conversationId, now);
    if (lastWrite.size > 50_000) lastWrite.clear();
    try {
      await kv.set(SEEN_KEY + conversationId, now, SEEN_TTL_MS);
    } catch (err) {
      log.debug({ err }, 'web chat: page presence not recorded');
    }
  }

  function kefu(notice: LiveChatNotice, extra: Record<string, Json> = {}): { [key: string]: Json } {
    const meta: KefuMetadata = { intent: 'handoff', lang: notice.lang, ticket: { number: notice.number, ...extra } };
    return { kefu: meta as unknown as Json };
  }

  function render(notice: LiveChatNotice): ProactiveMessage {
    const s = strings(notice.lang);
    const base = { locale: localeOf(notice.lang), textFormat: 'markdown' as const };
    const buttons = (titles: string[]): Json => ({
      actions: titles.map((t) => ({ type: 'imBack', title: t, value: t })),
    });
    switch (notice.type) {
      case 'queue-position':
        return {
          ...base,
          text:
            notice.position === 0
              ? s.handoffAgentFound
              : s.handoffQueueUpdate(notice.position, s.waitEstimate(notice.estimatedWaitS)),
          ...(notice.position > 0 ? { suggestedActions: buttons([s.handoffCancelWaiting]) } : {}),
          channelData: kefu(notice, {
            type: 'chat-handoff',
            position: notice.position,
            ...(notice.estimatedWaitS !== undefined ? { estimatedWaitS: notice.estimatedWaitS } : {}),
          }),
        };
      case 'agent-joined':
        return {
          ...base,
          text: s.handoffAgentJoined(s.agentLabel(notice.agent.name ?? notice.agent.id)),
          channelData: kefu(notice, { type: 'chat-handoff', agent: notice.agent.id }),
        };
      case 'agent-message':
        return {
          ...base,
          text: notice.text,
          from: { id: `agent:${notice.agent.id}`, name: notice.agent.name ?? notice.agent.id },
          channelData: kefu(notice, { type: 'chat-handoff', agent: notice.agent.id }),
        };
      case 'message-noted':
        return {
          ...base,
          text: s.handoffMessageNoted(notice.position),
          suggestedActions: buttons([s.handoffCancelWaiting]),
          channelData: kefu(notice, { type: 'chat-handoff' }),
        };
      case 'phone-noted':
        return {
          ...base,
          text: s.handoffPhoneNoted(notice.phoneDisplay),
          channelData: kefu(notice, { type: 'chat-handoff' }),
        };
      case 'ended': {
        const agent = notice.agent ? s.agentLabel(notice.agent.name ?? notice.agent.id) : undefined;
        const text =
          notice.reason === 'handback'
            ? agent
              ? s.handoffHandedBack(agent)
              : s.handoffEnded
            : notice.reason === 'resolved'
              ? s.handoffResolved(notice.number)
              : notice.reason === 'cancelled'
                ? s.handoffCancelled
                : notice.reason === 'abandoned'
                  ? s.handoffAbandoned(notice.callbackNumber)
                  : s.handoffEnded;
        return {
          ...base,
          text,
          channelData: kefu(notice, {
            type: 'chat-handoff',
            ended: notice.reason,
            ...(notice.callbackNumber ? { callback: notice.callbackNumber } : {}),
          }),
        };
      }
    }
  }

  async function status(conversationId: string, state: 'accepted' | 'failed' | 'completed', why?: string) {
    const event = EventFactory.createHandoffStatus(
      { id: conversationId, isGroup: false, conversationType: 'personal', name: '' },
      state,
      why,
    );
    await chat().deliverToConversation(conversationId, {
      type: 'event',
      name: event.name!,
      value: JSON.parse(JSON.stringify(event.value)) as Json,
    });
  }

  const port: ChatPort = {
    async notify(conversationId, notice) {
      const sent = await chat().deliverToConversation(conversationId, render(notice));
      if (notice.type === 'agent-joined') await status(conversationId, 'accepted');
      if (notice.type === 'ended') {
        const completed = notice.reason === 'handback' || notice.reason === 'resolved' || notice.reason === 'released';
        await status(conversationId, completed ? 'completed' : 'failed', completed ? undefined : notice.reason);
      }
      return { id: sent.id };
    },

    async history(conversationId) {
      const { activities } = await chat().channel.activities({ conversationId, userId: '', expiresAt: 0 }, 0);
      return activities.flatMap((a) => toLine(a));
    },

    async lastSeen(conversationId) {
      if ((openSockets.get(conversationId) ?? 0) > 0) return clock.now();
      return kv.get<number>(SEEN_KEY + conversationId);
    },
  };

  return {
    port,

    bind(mounted, server, liveChat) {
      webchat = mounted;

      // Polls and reconnects that succeeded are signs of an open page.
      const onAfter = (req: Request, res: Response): void => {
        if (res.statusCode >= 400) return;
        const m = CONVERSATION_PATH.exec(req.url ?? '');
        if (m && (req.method === 'GET' || m[2] === 'activities')) void seen(decodeURIComponent(m[1]!));
      };
      server.on('after', onAfter);
      cleanups.push(() => server.removeListener('after', onAfter));

      // An open stream socket is an open page, for as long as it stays open.
      const onUpgrade = (req: IncomingMessage, socket: Duplex): void => {
        const m = CONVERSATION_PATH.exec(req.url ?? '');
        if (m?.[2] !== 'stream') return;
        const id = decodeURIComponent(m[1]!);
        openSockets.set(id, (openSockets.get(id) ?? 0) + 1);
        void seen(id, true);
        socket.once('close', () => {
          const n = (openSockets.get(id) ?? 1) - 1;
          if (n <= 0) openSockets.delete(id);
          else openSockets.set(id, n);
          void seen(id, true);
        });
      };
      server.server.on('upgrade', onUpgrade);
      cleanups.push(() => server.server.removeListener('upgrade', onUpgrade));
      // Other instances read the store: keep the sightings of open sockets fresh there.
      const refresher = setInterval(() => {
        for (const id of openSockets.keys()) void seen(id, true);
      }, PRESENCE_WRITE_EVERY_MS);
      refresher.unref();
      cleanups.push(() => clearInterval(refresher));

      const unintercept = mounted.interceptUserActivities((conversationId, activity) =>
        intercept(liveChat, conversationId, activity),
      );
      cleanups.push(unintercept);
    },

    stop() {
      for (const c of cleanups.splice(0)) c();
    },
  };

  async function intercept(liveChat: LiveChat, conversationId: string, activity: StoredActivity): Promise<boolean> {
    await seen(conversationId);
    const leaving =
      activity.type === 'endOfConversation' || (activity.type === 'event' && activity['name'] === LEAVE_EVENT);
    if (leaving) return liveChat.customerLeft(conversationId, 'page-closed');
    if (activity.type !== 'message') return false;
    const session = await liveChat.activeSession(conversationId);
    if (!session) return false;
    const text = typeof activity['text'] === 'string' ? activity['text'].trim() : '';
    if (session.state === 'waiting' && isStopWaiting(text)) {
      await liveChat.customerLeft(conversationId, 'cancelled');
      return true;
    }
    const value = activity['value'];
    const said = text || (value !== undefined ? JSON.stringify(value) : '');
    if (!said) return true;
    return liveChat.customerMessage(conversationId, said);
  }
}

function isStopWaiting(text: string): boolean {
  const t = text.toLowerCase();
  return LANGS.some((l) => strings(l).handoffCancelWaiting.toLowerCase() === t) || t === '取消' || t === 'cancel';
}

/** One transcript line from a stored activity (messages only; cards become their text). */
function toLine(a: StoredActivity): TranscriptLine[] {
  if (a.type !== 'message') return [];
  const from = (a['from'] ?? {}) as { id?: string; name?: string; role?: string };
  let text = typeof a['text'] === 'string' ? a['text'] : '';
  if (!text && Array.isArray(a['attachments'])) {
    text = (a['attachments'] as Array<{ content?: { body?: Array<{ text?: string }> } }>)
      .flatMap((att) => att.content?.body ?? [])
      .map((b) => b.text ?? '')
      .filter(Boolean)
      .join('\n');
  }
  if (!text) return [];
  const role: TranscriptLine['role'] =
    from.role === 'user' ? 'customer' : from.id?.startsWith('agent:') ? 'agent' : 'bot';
  return [
    {
      at: Date.parse(a.timestamp) || 0,
      role,
      text,
      ...(role === 'agent' && from.name ? { name: from.name } : {}),
    },
  ];
}
