/**
 * The live conversation between a chat customer and an agent (真人客服), and the callback
 * request (回電) when nobody can take the chat now — the use cases both the bot's handoff dialog
 * and the console call, so the two sides never disagree about who has the conversation.
 *
 * The story of one live handoff (a session: collection `live-chats`, id = conversation id):
 *
 *   startLive ──► waiting ──accepted──► connected ──handBack / resolve──► ended
 *                    │  (queue position told as it changes)         ▲
 *                    └── cancel / abandoned (no activity, page gone) ┘
 *
 * What it guarantees:
 * - One session per conversation; every state change is a compare-and-set on its record, so
 *   when two instances (or a bus notice and a request) race, exactly one of them moves it and
 *   only that one tells the customer — no message is sent twice.
 * - The bot is silent while a session is active: `customerMessage` takes the message (true),
 *   puts it on the ticket's transcript and, once an agent is there, in front of the agent.
 * - The transcript is on the ticket: the conversation before the handoff (as far as the chat
 *   keeps it), the customer's and the agent's messages, and how it ended.
 * - Nothing depends on the bus (at-most-once): a missed "accepted" notice is caught up when
 *   the customer or the agent next writes, a missed "released" when the customer next writes;
 *   abandonment is a durable timer that re-arms itself under a new id.
 * - A customer who leaves before an agent joined is counted as abandoned (event `abandoned`
 *   on the ticket, work released as `abandoned`); one who left a phone number gets a callback
 *   ticket instead of being lost.
 *
 * Domain code: the store, clock, ticket service, desk facade and a chat port are passed in;
 * no driver, no botbuilder. The chat port renders the notices in the customer's language.
 */
import type { Clock } from '../app/clock';
import { isKefuError, KefuError } from '../app/errors';
import type { Logger } from '../app/logger';
import { mask } from '../app/mask';
import type { TimerRunner } from '../app/timer-runner';
import type { Lang } from '../knowledge/types';
import type { Json, Store, TimerRecord } from '../storage/port';
import type { Handoff, HandoffNotice, QueuePosition } from '.';
import { type CallbackWindow, findTaiwanPhone, parseTaiwanPhone } from './callback';
import { type Channel, isOpenStatus, type Ticket } from './tickets/ticket';
import type { Actor, TicketService } from './tickets/ticket-service';

export const LIVE_CHATS_COLLECTION = 'live-chats';
export const ABANDON_TIMER_KIND = 'handoff-abandon-check';
/** Transcript lines copied from the conversation before the handoff, at most. */
const MAX_HISTORY_LINES = 60;
const CAS_RETRIES = 16;
const SYSTEM: Actor = { kind: 'system', id: 'live-chat' };
const BOT: Actor = { kind: 'bot', id: 'kefu-bot' };

export type LiveState = 'waiting' | 'connected' | 'ended';
export type EndReason = 'handback' | 'resolved' | 'cancelled' | 'abandoned' | 'released';

export interface LiveSession {
  conversationId: string;
  number: string;
  lang: Lang;
  userId?: string;
  state: LiveState;
  agentId?: string;
  agentName?: string;
  startedAt: number;
  connectedAt?: number;
  endedAt?: number;
  endedReason?: EndReason;
  /** Last message from the customer (or the start), epoch ms. */
  lastActivityAt: number;
  /** Queue position the customer was last told; undefined until the first answer went out. */
  toldPosition?: number;
  /** Abandonment checks so far (the timer id of check n is `handoff-abandon:<conversation>:<n>`). */
  checks: number;
  /** A phone number the customer left while waiting (national format). */
  phone?: string;
  /** The callback ticket opened when the customer left after giving a number. */
  callbackNumber?: string;
  [key: string]: unknown;
}

/** One line of a conversation as the chat keeps it. */
export interface TranscriptLine {
  at: number;
  role: 'customer' | 'bot' | 'agent';
  name?: string;
  text: string;
}

export interface AgentRef {
  id: string;
  name?: string;
}

/** What the customer is told; the chat port renders it in `lang`. */
export type LiveChatNotice =
  | {
      /** Position 0: an agent was found and is being connected. */
      type: 'queue-position';
      number: string;
      lang: Lang;
      position: number;
      queueLength: number;
      estimatedWaitS?: number;
    }
  | { type: 'agent-joined'; number: string; lang: Lang; agent: AgentRef }
  | { type: 'agent-message'; number: string; lang: Lang; agent: AgentRef; text: string }
  | { type: 'message-noted'; number: string; lang: Lang; position: number }
  | { type: 'phone-noted'; number: string; lang: Lang; phoneDisplay: string }
  | {
      type: 'ended';
      number: string;
      lang: Lang;
      reason: EndReason;
      agent?: AgentRef;
      /** A callback ticket that takes over (the customer left a number). */
      callbackNumber?: string;
    };

/** The chat side, implemented by the web chat channel. */
export interface ChatPort {
  /** Delivers a notice into the conversation. @throws ERR_NOT_FOUND when the conversation is gone. */
  notify(conversationId: string, notice: LiveChatNotice): Promise<{ id?: string }>;
  /** The conversation so far, oldest first. */
  history(conversationId: string): Promise<TranscriptLine[]>;
  /** When the customer's page was last seen (a poll, an open socket, a message); undefined = unknown. */
  lastSeen(conversationId: string): Promise<number | undefined>;
}

export interface LiveChatOptions {
  /** No message from a waiting customer for this long → abandoned, ms; 0 = never. */
  abandonAfterMs: number;
  /** No sign of a waiting customer's page for this long → abandoned, ms; 0 = never. */
  pageGoneAfterMs: number;
}

export interface LiveChatDeps {
  store: Pick<Store, 'records' | 'timers'>;
  clock: Clock;
  log: Logger;
  tickets: TicketService;
  handoff: Pick<Handoff, 'assignment' | 'agents' | 'isDeskOpen' | 'nextOpening' | 'subscribe'>;
  chat: ChatPort;
  options: LiveChatOptions;
  /** Tells the console a ticket changed (a customer wrote); never throws. */
  notifyDesk?: (notice: { type: string; ticket: string }) => Promise<void>;
}

export interface Availability {
  /** Desk open and at least one online agent able to take a live chat in this language. */
  live: boolean;
  deskOpen: boolean;
  onlineAgents: number;
  /** When the desk opens next (now when open) and the wording of the promise. */
  nextOpening: { at: number; text: string };
}

export interface StartLiveInput {
  conversationId: string;
  userId?: string;
  lang: Lang;
  /** What the customer asked (ticket subject). */
  subject: string;
  channel?: Channel;
  /** Why the bot handed off: asked for a person, could not help, complaint. */
  reason?: string;
}

export interface CallbackInput {
  conversationId?: string;
  userId?: string;
  lang: Lang;
  /** As typed; validated again here. */
  phone: string;
  window: CallbackWindow;
  /** When the customer agreed to be called (個資 consent), epoch ms. */
  consentAt: number;
  subject: string;
  channel?: Channel;
  /** A ticket this callback follows up (an abandoned chat). */
  followsUp?: string;
}

export interface LiveChat {
  /** Whether a live handoff is possible now in a language. */
  availability(lang: Lang): Promise<Availability>;
  /**
   * Opens a `chat-handoff` ticket for the conversation, copies the conversation so far onto it,
   * queues it and starts the session. A conversation already waiting or connected keeps its
   * session (the same ticket is returned).
   */
  startLive(
    input: StartLiveInput,
  ): Promise<{ ticket: Ticket; queue: QueuePosition; resumed: boolean; transcript: TranscriptLine[] }>;
  /**
   * Opens a `callback` ticket and queues it for the agents (the next shift's when nobody is on).
   * @throws ERR_BAD_REQUEST when the phone number is not a Taiwan number.
   */
  openCallback(input: CallbackInput): Promise<{ ticket: Ticket; promise: { at: number; text: string } }>;
  /** The conversation's session while it is waiting or connected. */
  activeSession(conversationId: string): Promise<LiveSession | undefined>;
  /** A customer message: true when the live desk took it (the bot must not answer). */
  customerMessage(conversationId: string, text: string): Promise<boolean>;
  /** The customer stopped waiting (a button) or the page said it closes; true when a session ended. */
  customerLeft(conversationId: string, how: 'cancelled' | 'page-closed'): Promise<boolean>;
  /**
   * An agent's message to the customer: shown in the chat with the agent's name, kept on the ticket.
   * @throws ERR_TICKET_NOT_FOUND; ERR_BAD_REQUEST when the ticket has no chat to answer on.
   */
  agentMessage(number: string, agent: AgentRef, text: string): Promise<{ activityId?: string }>;
  /** The agent gives the conversation back to the bot (ticket resolved). @throws ERR_TICKET_NOT_FOUND */
  handBack(number: string, agent: AgentRef): Promise<void>;
  /** The agent resolves the ticket and ends the chat. @throws ERR_TICKET_NOT_FOUND, ERR_ASSIGNMENT_CONFLICT */
  resolve(number: string, agent: AgentRef): Promise<void>;
  /** Reacts to a desk notice (accepted, released, queue changes). Never throws. */
  onNotice(notice: HandoffNotice): Promise<void>;
  /** Handler of `handoff-abandon-check` timers. */
  onAbandonTimer(timer: TimerRecord<Json>): Promise<void>;
  registerTimers(runner: Pick<TimerRunner, 'on'>): void;
  /** Subscribes to the desk's notices; returns the unsubscribe. */
  start(): Promise<() => Promise<void>>;
}

export function abandonTimerId(conversationId: string, check: number): string {
  return `handoff-abandon:${conversationId}:${check}`;
}

/** The agent's name as the customer sees it: the Chinese part for zh-TW, the rest for English. */
export function agentDisplayName(name: string | undefined, lang: Lang): string | undefined {
  if (!name) return undefined;
  const parts = name.trim().split(/\s+/);
  const han = parts.filter((p) => /\p{Script=Han}/u.test(p));
  const latin = parts.filter((p) => !/\p{Script=Han}/u.test(p));
  if (lang === 'zh-TW') return han.length > 0 ? han.join(' ') : name.trim();
  return latin.length > 0 ? latin.join(' ') : name.trim();
}

export function createLiveChat(deps: LiveChatDeps): LiveChat {
  const { store, clock, log, tickets, handoff, chat, options } = deps;

  async function getSession(conversationId: string): Promise<{ s: LiveSession; version: number } | undefined> {
    const rec = await store.records.get<Json>(LIVE_CHATS_COLLECTION, conversationId);
    return rec ? { s: rec.value as unknown as LiveSession, version: rec.version } : undefined;
  }

  async function sessionOfTicket(number: string): Promise<LiveSession | undefined> {
    const recs = await store.records.list<Json>(LIVE_CHATS_COLLECTION, {
      index: { name: 'ticket', value: number.toUpperCase() },
    });
    return recs.map((r) => r.value as unknown as LiveSession).find((s) => s.number === number.toUpperCase());
  }

  function indexes(s: LiveSession): Record<string, string> {
    return { state: s.state, ticket: s.number };
  }

  /** Compare-and-set; `mutate` returns the same object for "no change". Returns the new session when it changed. */
  async function cas(
    conversationId: string,
    mutate: (s: LiveSession, now: number) => LiveSession,
  ): Promise<{ before: LiveSession; after: LiveSession } | undefined> {
    for (let attempt = 0; ; attempt++) {
      const got = await getSession(conversationId);
      if (!got) return undefined;
      const after = mutate(got.s, clock.now());
      if (after === got.s) return undefined;
      try {
        await store.records.replace<Json>(
          LIVE_CHATS_COLLECTION,
          conversationId,
          got.version,
          after as unknown as Json,
          indexes(after),
        );
        return { before: got.s, after };
      } catch (err) {
        if (isKefuError(err, 'ERR_STORE_CONFLICT') && attempt < CAS_RETRIES) continue;
        throw err;
      }
    }
  }

  async function tell(conversationId: string, notice: LiveChatNotice): Promise<{ id?: string }> {
    try {
      return await chat.notify(conversationId, notice);
    } catch (err) {
      // The conversation is gone (expired, another channel): the state is stored all the same.
      log.warn({ err, conversationId, notice: notice.type }, 'live chat: could not deliver a notice');
      return {};
    }
  }

  async function agentRef(agentId: string | undefined, lang: Lang): Promise<AgentRef | undefined> {
    if (!agentId) return undefined;
    const agent = await handoff.agents.findAgent(agentId);
    const name = agentDisplayName(agent?.name, lang);
    return { id: agentId, ...(name ? { name } : {}) };
  }

  async function scheduleCheck(s: LiveSession, dueAt: number): Promise<void> {
    await store.timers.schedule({
      id: abandonTimerId(s.conversationId, s.checks),
      kind: ABANDON_TIMER_KIND,
      dueAt,
      payload: { conversationId: s.conversationId, number: s.number, check: s.checks },
    });
  }

  function firstCheckAt(now: number): number | undefined {
    const spans = [options.abandonAfterMs, options.pageGoneAfterMs].filter((ms) => ms > 0);
    return spans.length > 0 ? now + Math.min(...spans) : undefined;
  }

  /** waiting → connected, told once. */
  async function connect(conversationId: string, agentId: string): Promise<boolean> {
    const got = await getSession(conversationId);
    if (got?.s.state !== 'waiting') return false;
    const agent = await agentRef(agentId, got.s.lang);
    const ch = await cas(conversationId, (s, now) =>
      s.state === 'waiting' && s.number === got.s.number
        ? {
            ...s,
            state: 'connected',
            agentId,
            ...(agent?.name ? { agentName: agent.name } : {}),
            connectedAt: now,
          }
        : s,
    );
    if (!ch) return false;
    await store.timers.cancel(abandonTimerId(conversationId, ch.after.checks));
    await tell(conversationId, { type: 'agent-joined', number: ch.after.number, lang: ch.after.lang, agent: agent! });
    return true;
  }

  /** waiting|connected → ended, told once; returns the ended session when this call ended it. */
  async function end(
    conversationId: string,
    number: string,
    reason: EndReason,
    extra: Partial<LiveSession> = {},
  ): Promise<LiveSession | undefined> {
    const ch = await cas(conversationId, (s, now) =>
      s.state !== 'ended' && s.number === number
        ? { ...s, ...extra, state: 'ended', endedAt: now, endedReason: reason }
        : s,
    );
    if (!ch) return undefined;
    await store.timers.cancel(abandonTimerId(conversationId, ch.after.checks));
    const agent =
      ch.before.agentId !== undefined
        ? { id: ch.before.agentId, ...(ch.before.agentName ? { name: ch.before.agentName } : {}) }
        : undefined;
    await tell(conversationId, {
      type: 'ended',
      number,
      lang: ch.after.lang,
      reason,
      ...(agent ? { agent } : {}),
      ...(ch.after.callbackNumber ? { callbackNumber: ch.after.callbackNumber } : {}),
    });
    return ch.after;
  }

  /** Brings a session in step with the work item when a bus notice was missed. */
  async function catchUp(s: LiveSession): Promise<LiveSession | undefined> {
    const work = await handoff.assignment.status(s.number);
    if (s.state === 'waiting' && work?.state === 'accepted' && work.agentId) {
      await connect(s.conversationId, work.agentId);
    } else if (work?.state === 'closed' || !work) {
      await end(s.conversationId, s.number, closedReason(work?.closedReason));
    }
    return (await getSession(s.conversationId))?.s;
  }

  async function copyHistory(
    number: string,
    conversationId: string,
    userId: string | undefined,
  ): Promise<TranscriptLine[]> {
    let lines: TranscriptLine[];
    try {
      lines = (await chat.history(conversationId)).slice(-MAX_HISTORY_LINES);
    } catch (err) {
      log.warn({ err, conversationId }, 'live chat: the conversation history could not be read');
      return [];
    }
    for (const line of lines) {
      const actor: Actor =
        line.role === 'customer'
          ? { kind: 'customer', ...(userId ? { id: userId } : {}) }
          : line.role === 'agent'
            ? { kind: 'agent', ...(line.name ? { name: line.name } : {}) }
            : BOT;
      await tickets.addMessage(number, actor, {
        text: line.text,
        channel: 'webchat',
        meta: { sentAt: line.at, beforeHandoff: true },
      });
    }
    return lines;
  }

  async function abandon(s: LiveSession, why: 'inactive' | 'page-closed' | 'cancelled'): Promise<boolean> {
    let callbackNumber: string | undefined;
    if (s.phone && why !== 'cancelled') {
      // The customer left a number: the request stays, as a callback.
      const cb = await openCallbackTicket({
        ...(s.conversationId ? { conversationId: s.conversationId } : {}),
        ...(s.userId ? { userId: s.userId } : {}),
        lang: s.lang,
        phone: s.phone,
        window: 'any',
        consentAt: s.lastActivityAt,
        subject: (await tickets.get(s.number)).subject,
        followsUp: s.number,
      });
      callbackNumber = cb.number;
    }
    const ended = await end(s.conversationId, s.number, why === 'cancelled' ? 'cancelled' : 'abandoned', {
      ...(callbackNumber ? { callbackNumber } : {}),
    });
    if (!ended) return false;
    await tickets.record(s.number, s.state === 'waiting' ? { kind: 'customer' } : SYSTEM, 'abandoned', {
      reason: why,
      waitedS: Math.round((clock.now() - s.startedAt) / 1000),
      ...(callbackNumber ? { callback: callbackNumber } : {}),
    });
    await handoff.assignment.release(s.number, why === 'cancelled' ? 'cancelled' : 'abandoned');
    const t = await tickets.get(s.number);
    if (isOpenStatus(t.status)) {
      await tickets.changeStatus(
        s.number,
        'closed',
        SYSTEM,
        callbackNumber
          ? `the customer left before an agent joined; callback ${callbackNumber}`
          : why === 'cancelled'
            ? 'the customer stopped waiting'
            : 'the customer left before an agent joined',
      );
    }
    log.info(
      { component: 'live-chat', ticket: s.number, reason: why, callback: callbackNumber },
      'live chat abandoned before an agent joined',
    );
    return true;
  }

  async function openCallbackTicket(input: CallbackInput): Promise<Ticket> {
    const phone = parseTaiwanPhone(input.phone);
    if (!phone.ok) {
      throw new KefuError('ERR_BAD_REQUEST', 'The phone number is not a Taiwan mobile or landline number.', {
        problem: phone.problem,
      });
    }
    const promise = handoff.nextOpening(input.lang);
    const ticket = await tickets.open({
      type: 'callback',
      channel: input.channel ?? 'webchat',
      subject: input.subject || (input.lang === 'en' ? 'Callback request' : '回電需求'),
      customer: {
        lang: input.lang,
        phone: phone.national,
        ...(input.conversationId ? { conversationId: input.conversationId } : {}),
        ...(input.userId ? { userId: input.userId } : {}),
      },
      data: {
        callback: {
          phone: phone.national,
          phoneKind: phone.kind,
          ...(phone.extension ? { extension: phone.extension } : {}),
          window: input.window,
          consentAt: input.consentAt,
          promisedFrom: promise.at,
        },
      },
      ...(input.followsUp ? { links: [{ number: input.followsUp, relation: 'follows-up' as const }] } : {}),
      actor: { kind: 'customer', ...(input.userId ? { id: input.userId } : {}) },
      firstMessage: {
        text:
          input.lang === 'en'
            ? `Callback requested to ${mask('phone', phone.national)} (${input.window}).`
            : `請回電 ${mask('phone', phone.national)}（時段：${input.window}）。`,
      },
    });
    await handoff.assignment.enqueue(ticket.number);
    return ticket;
  }

  async function onAccepted(number: string, agentId: string): Promise<void> {
    const s = await sessionOfTicket(number);
    if (s && s.state === 'waiting') await connect(s.conversationId, agentId);
  }

  /** An agent was found (offered): the customer hears that someone is coming, once per wait. */
  async function onOffered(number: string): Promise<void> {
    const s = await sessionOfTicket(number);
    if (s?.state !== 'waiting' || s.toldPosition === undefined || s.toldPosition === 0) return;
    const ch = await cas(s.conversationId, (cur) =>
      cur.state === 'waiting' && cur.number === s.number && cur.toldPosition !== 0 ? { ...cur, toldPosition: 0 } : cur,
    );
    if (!ch) return;
    await tell(s.conversationId, {
      type: 'queue-position',
      number: s.number,
      lang: s.lang,
      position: 0,
      queueLength: 0,
    });
  }

  async function onReleased(number: string, reason: string): Promise<void> {
    const s = await sessionOfTicket(number);
    if (!s || s.state === 'ended' || reason === 'transferred') return;
    await end(s.conversationId, s.number, closedReason(reason));
  }

  async function onQueueChanged(): Promise<void> {
    const waiting = await store.records.list<Json>(LIVE_CHATS_COLLECTION, {
      index: { name: 'state', value: 'waiting' },
    });
    for (const rec of waiting) {
      const s = rec.value as unknown as LiveSession;
      if (s.toldPosition === undefined) continue; // the dialog has not answered yet
      const q = await handoff.assignment.queuePosition(s.number);
      if (q?.state !== 'queued' || q.position === s.toldPosition) continue;
      const ch = await cas(s.conversationId, (cur) =>
        cur.state === 'waiting' && cur.number === s.number && cur.toldPosition !== q.position
          ? { ...cur, toldPosition: q.position }
          : cur,
      );
      if (!ch) continue;
      await tell(s.conversationId, {
        type: 'queue-position',
        number: s.number,
        lang: s.lang,
        position: q.position,
        queueLength: q.queueLength,
        ...(q.estimatedWaitS !== undefined ? { estimatedWaitS: q.estimatedWaitS } : {}),
      });
    }
  }

  const service: LiveChat = {
    async availability(lang) {
      const deskOpen = handoff.isDeskOpen();
      const online = await handoff.agents.listAgents({ presence: 'online' });
      const able = online.filter(
        (a) => a.capacity.live > 0 && a.skills.includes(`lang:${lang}`) && a.skills.includes('queue:general'),
      );
      return {
        live: deskOpen && able.length > 0,
        deskOpen,
        onlineAgents: able.length,
        nextOpening: handoff.nextOpening(lang),
      };
    },

    async startLive(input) {
      const existing = await getSession(input.conversationId);
      if (existing && existing.s.state !== 'ended') {
        const queue = await handoff.assignment.queuePosition(existing.s.number);
        if (queue && queue.state !== 'closed') {
          return { ticket: await tickets.get(existing.s.number), queue, resumed: true, transcript: [] };
        }
      }
      const ticket = await tickets.open({
        type: 'chat-handoff',
        channel: input.channel ?? 'webchat',
        subject: input.subject || (input.lang === 'en' ? 'Live chat with an agent' : '轉接真人客服'),
        customer: {
          lang: input.lang,
          conversationId: input.conversationId,
          ...(input.userId ? { userId: input.userId } : {}),
        },
        ...(input.reason ? { data: { handoffReason: input.reason } } : {}),
        actor: BOT,
      });
      const transcript = await copyHistory(ticket.number, input.conversationId, input.userId);
      const now = clock.now();
      const session: LiveSession = {
        conversationId: input.conversationId,
        number: ticket.number,
        lang: input.lang,
        ...(input.userId ? { userId: input.userId } : {}),
        state: 'waiting',
        startedAt: now,
        lastActivityAt: now,
        checks: (existing?.s.checks ?? 0) + 1,
      };
      // The session exists before the ticket is queued, so an immediate accept finds it.
      if (existing) {
        await store.records.replace<Json>(
          LIVE_CHATS_COLLECTION,
          input.conversationId,
          existing.version,
          session as unknown as Json,
          indexes(session),
        );
      } else {
        await store.records.create<Json>(
          LIVE_CHATS_COLLECTION,
          input.conversationId,
          session as unknown as Json,
          indexes(session),
        );
      }
      const checkAt = firstCheckAt(now);
      if (checkAt !== undefined) await scheduleCheck(session, checkAt);
      await handoff.assignment.enqueue(ticket.number);
      const queue = (await handoff.assignment.queuePosition(ticket.number))!;
      await cas(input.conversationId, (s) =>
        s.number === ticket.number && s.toldPosition === undefined ? { ...s, toldPosition: queue.position } : s,
      );
      // Accepted in the meantime (a very quick agent): the notice may have found no position yet.
      const work = await handoff.assignment.status(ticket.number);
      if (work?.state === 'accepted' && work.agentId) await connect(input.conversationId, work.agentId);
      return { ticket: await tickets.get(ticket.number), queue, resumed: false, transcript };
    },

    async openCallback(input) {
      const ticket = await openCallbackTicket(input);
      return { ticket: await tickets.get(ticket.number), promise: handoff.nextOpening(input.lang) };
    },

    async activeSession(conversationId) {
      const got = await getSession(conversationId);
      return got && got.s.state !== 'ended' ? got.s : undefined;
    },

    async customerMessage(conversationId, text) {
      const got = await getSession(conversationId);
      if (!got || got.s.state === 'ended') return false;
      const current = await catchUp(got.s);
      if (!current || current.state === 'ended') return false;
      const number = current.number;
      await tickets.addMessage(
        number,
        { kind: 'customer', ...(current.userId ? { id: current.userId } : {}) },
        {
          text,
          channel: 'webchat',
        },
      );
      const phone = current.state === 'waiting' ? findTaiwanPhone(text) : undefined;
      await cas(conversationId, (s, now) =>
        s.number === number && s.state !== 'ended'
          ? { ...s, lastActivityAt: now, ...(phone ? { phone: phone.national } : {}) }
          : s,
      );
      await deps.notifyDesk?.({ type: 'customer-message', ticket: number });
      if (current.state === 'waiting') {
        if (phone) {
          await tickets.mergeData(number, { callbackPhone: phone.national }, { kind: 'customer' });
          await tell(conversationId, { type: 'phone-noted', number, lang: current.lang, phoneDisplay: phone.display });
        } else {
          const q = await handoff.assignment.queuePosition(number);
          await tell(conversationId, {
            type: 'message-noted',
            number,
            lang: current.lang,
            position: q?.state === 'queued' ? q.position : 0,
          });
        }
      }
      return true;
    },

    async customerLeft(conversationId, how) {
      const got = await getSession(conversationId);
      if (!got || got.s.state === 'ended') return false;
      if (got.s.state === 'connected') {
        if (how === 'cancelled') return false; // with an agent, "stop waiting" means nothing
        await tickets.record(got.s.number, { kind: 'customer' }, 'data', { pageClosed: clock.now() });
        return false;
      }
      return abandon(got.s, how === 'cancelled' ? 'cancelled' : 'page-closed');
    },

    async agentMessage(number, agent, text) {
      const ticket = await tickets.get(number);
      const conversationId = ticket.customer.conversationId;
      if (!conversationId) {
        throw new KefuError('ERR_BAD_REQUEST', `Ticket ${ticket.number} has no chat to answer on.`, {
          number: ticket.number,
        });
      }
      const s = (await getSession(conversationId))?.s;
      if (s && s.number === ticket.number && s.state === 'waiting') await connect(conversationId, agent.id);
      const shown = { id: agent.id, name: agentDisplayName(agent.name, ticket.customer.lang) ?? agent.name };
      const sent = await chat.notify(conversationId, {
        type: 'agent-message',
        number: ticket.number,
        lang: ticket.customer.lang,
        agent: shown,
        text,
      });
      await tickets.addMessage(
        ticket.number,
        { kind: 'agent', id: agent.id, ...(agent.name ? { name: agent.name } : {}) },
        { text, channel: 'webchat', ...(sent.id ? { meta: { activityId: sent.id } } : {}) },
      );
      return { ...(sent.id ? { activityId: sent.id } : {}) };
    },

    async handBack(number, agent) {
      const ticket = await tickets.get(number);
      const actor: Actor = { kind: 'agent', id: agent.id, ...(agent.name ? { name: agent.name } : {}) };
      const conversationId = ticket.customer.conversationId;
      if (conversationId) {
        const hadSession = (await sessionOfTicket(ticket.number)) !== undefined;
        if (hadSession) await end(conversationId, ticket.number, 'handback');
        else {
          // A chat ticket opened without the handoff dialog (by the console): still say goodbye.
          const shown = await agentRef(agent.id, ticket.customer.lang);
          await tell(conversationId, {
            type: 'ended',
            number: ticket.number,
            lang: ticket.customer.lang,
            reason: 'handback',
            ...(shown ? { agent: shown } : {}),
          });
        }
      }
      await handoff.assignment.release(ticket.number, 'handback');
      const now = await tickets.get(ticket.number);
      if (isOpenStatus(now.status))
        await tickets.changeStatus(ticket.number, 'resolved', actor, 'handed back to the bot');
    },

    async resolve(number, agent) {
      const ticket = await tickets.get(number);
      const work = await handoff.assignment.status(ticket.number);
      if (work && work.state !== 'closed' && work.agentId === agent.id) {
        await handoff.assignment.resolve(ticket.number, agent.id);
      } else {
        const actor: Actor = { kind: 'agent', id: agent.id, ...(agent.name ? { name: agent.name } : {}) };
        if (isOpenStatus(ticket.status)) await tickets.changeStatus(ticket.number, 'resolved', actor);
        await handoff.assignment.release(ticket.number, 'resolved');
      }
      if (ticket.customer.conversationId) await end(ticket.customer.conversationId, ticket.number, 'resolved');
    },

    async onNotice(notice) {
      try {
        if (notice.type === 'accepted') await onAccepted(notice.ticket, notice.agentId);
        else if (notice.type === 'assigned' && notice.pool === 'live') await onOffered(notice.ticket);
        else if (notice.type === 'released') await onReleased(notice.ticket, notice.reason);
        else if (notice.type === 'queue-changed' && notice.pool === 'live') await onQueueChanged();
        else if (notice.type === 'unassigned' && notice.pool === 'live') await onQueueChanged();
      } catch (err) {
        log.warn({ err, notice: notice.type }, 'live chat: a desk notice could not be handled');
      }
    },

    async onAbandonTimer(timer) {
      const p = timer.payload as { conversationId?: string; number?: string; check?: number } | null;
      if (!p?.conversationId || !p.number) return;
      const got = await getSession(p.conversationId);
      if (got?.s.state !== 'waiting' || got.s.number !== p.number || got.s.checks !== p.check) return;
      const s = (await catchUp(got.s)) ?? got.s;
      if (s.state !== 'waiting') return;
      const now = clock.now();
      const seen = Math.max(s.lastActivityAt, (await chat.lastSeen(s.conversationId)) ?? 0);
      const inactiveAt = options.abandonAfterMs > 0 ? s.lastActivityAt + options.abandonAfterMs : Infinity;
      const goneAt = options.pageGoneAfterMs > 0 ? seen + options.pageGoneAfterMs : Infinity;
      if (now >= goneAt) {
        await abandon(s, 'page-closed');
        return;
      }
      if (now >= inactiveAt) {
        await abandon(s, 'inactive');
        return;
      }
      // Not yet: look again at the earlier deadline, under a new timer id.
      const ch = await cas(s.conversationId, (cur) =>
        cur.state === 'waiting' && cur.checks === s.checks ? { ...cur, checks: cur.checks + 1 } : cur,
      );
      if (ch) await scheduleCheck(ch.after, Math.min(inactiveAt, goneAt));
    },

    registerTimers(runner) {
      runner.on(ABANDON_TIMER_KIND, (t) => service.onAbandonTimer(t));
    },

    start() {
      return handoff.subscribe((notice) => {
        void service.onNotice(notice);
      });
    },
  };
  return service;
}

function closedReason(reason: string | undefined): EndReason {
  return reason === 'handback' || reason === 'resolved' || reason === 'cancelled' || reason === 'abandoned'
    ? reason
    : 'released';
}
