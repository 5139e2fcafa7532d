/**
 * The outbox: every mail Kefu sends (acknowledgements, agent replies, notices) is first a
 * record, then a durable timer that sends it.
 *
 * Guarantees:
 * - `enqueue` is create-once by id: running it again after a crash returns the existing
 *   message, never a second one.
 * - Each message carries the loop markers (`Auto-Submitted`, `X-Auto-Response-Suppress: All`,
 *   `X-Kefu-Loop`) and a Message-ID on our domain derived from its id, so a re-send has the
 *   same Message-ID, and that Message-ID is recorded for threading before the mail leaves.
 * - Sending is retried with backoff on SMTP failure (a new timer id per attempt, as the timer
 *   runner requires), up to MAX_SEND_ATTEMPTS.
 * - An acknowledgement is at most once: a message found in 'sending' state (the process died
 *   during SMTP, outcome unknown) is not sent again but marked 'unknown'. Agent replies are
 *   at least once instead (same Message-ID, so mail clients show one).
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../app/clock';
import { KefuError, isKefuError } from '../../app/errors';
import type { Logger } from '../../app/logger';
import type { Json, Store, StoreWrite, TimerRecord } from '../../storage/port';
import { LOOP_HEADER } from './machine-mail';
import { headerSafe } from './parse';
import type { MailSender } from './ports';
import { threadIdWrite } from './thread-ids';

export const OUTBOX_COLLECTION = 'email-outbox';
export const OUTBOX_TIMER_KIND = 'email-outbox-send';
export const MAX_SEND_ATTEMPTS = 8;
const BASE_BACKOFF_MS = 15_000;
const MAX_BACKOFF_MS = 3_600_000;
const NO_SENDER_RETRY_MS = 600_000;
const CAS_RETRIES = 5;

export type OutboxKind = 'ack' | 'reply' | 'notice';
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'unknown';

export interface OutboxMessage {
  id: string;
  kind: OutboxKind;
  ticket: string;
  to: string;
  subject: string;
  text: string;
  messageId: string;
  inReplyTo?: string;
  references: string[];
  status: OutboxStatus;
  attempts: number;
  createdAt: number;
  sentAt?: number;
  lastError?: string;
  [key: string]: Json | undefined;
}

export interface OutboxDeps {
  store: Pick<Store, 'records' | 'timers' | 'commit'>;
  clock: Clock;
  log: Logger;
  sender?: MailSender;
  /** MAIL_FROM. */
  from: string;
  /** MAIL_MESSAGE_ID_DOMAIN. */
  messageIdDomain: string;
  /** Test hook, called at 'smtp-send' and 'smtp-sent'. */
  stageHook?: (stage: string) => void;
}

/** What a caller gives; the outbox adds the Message-ID, status and bookkeeping. */
export type EnqueueInput = Pick<OutboxMessage, 'id' | 'kind' | 'ticket' | 'to' | 'subject' | 'text' | 'inReplyTo'> & {
  references?: string[];
};

export interface Outbox {
  /** Creates the message once (same id → the existing one) and schedules its sending. */
  enqueue(input: EnqueueInput): Promise<OutboxMessage>;
  /**
   * The writes that queue a message — its Message-ID for threading, the record, the timer that
   * sends it — for a caller's unit of work. Committed with an id that is taken, they fail the
   * commit with ERR_STORE_EXISTS (the caller looks with `get` first).
   */
  plan(input: EnqueueInput): { message: OutboxMessage; writes: StoreWrite[] };
  get(id: string): Promise<OutboxMessage | undefined>;
  /** The timer handler for OUTBOX_TIMER_KIND (register it with the TimerRunner). */
  handle(timer: TimerRecord<Json>): Promise<void>;
  /** Messages not sent yet (pending or being sent). */
  pendingCount(): Promise<number>;
}

/** The Message-ID of an outbox message: stable per id, on our domain. */
export function outboxMessageId(id: string, domain: string): string {
  return `kefu.${createHash('sha256').update(id).digest('hex').slice(0, 24)}@${domain}`;
}

export function createOutbox(deps: OutboxDeps): Outbox {
  const { store, clock, log } = deps;

  async function get(id: string): Promise<OutboxMessage | undefined> {
    const rec = await store.records.get<Json>(OUTBOX_COLLECTION, id);
    return rec ? (rec.value as unknown as OutboxMessage) : undefined;
  }

  async function update(
    id: string,
    fn: (m: OutboxMessage) => OutboxMessage | undefined,
  ): Promise<OutboxMessage | undefined> {
    for (let i = 0; i < CAS_RETRIES; i++) {
      const rec = await store.records.get<Json>(OUTBOX_COLLECTION, id);
      if (!rec) return undefined;
      const next = fn(rec.value as unknown as OutboxMessage);
      if (!next) return rec.value as unknown as OutboxMessage;
      try {
        await store.records.replace<Json>(OUTBOX_COLLECTION, id, rec.version, clean(next), { status: next.status });
        return next;
      } catch (err) {
        if (!isKefuError(err, 'ERR_STORE_CONFLICT')) throw err;
      }
    }
    throw new KefuError('ERR_STORE_CONFLICT', `outbox message ${id} kept changing`, { id });
  }

  async function schedule(id: string, attempt: number, dueAt: number): Promise<void> {
    await store.timers.schedule(sendTimer(id, attempt, dueAt));
  }

  function plan(input: EnqueueInput): { message: OutboxMessage; writes: StoreWrite[] } {
    const message: OutboxMessage = {
      id: input.id,
      kind: input.kind,
      ticket: input.ticket,
      to: headerSafe(input.to),
      subject: headerSafe(input.subject),
      text: input.text,
      messageId: outboxMessageId(input.id, deps.messageIdDomain),
      inReplyTo: input.inReplyTo,
      references: input.references ?? [],
      status: 'pending',
      attempts: 0,
      createdAt: clock.now(),
    };
    return {
      message,
      writes: [
        // Committed with the record, so a reply to it threads even if we die right after sending.
        threadIdWrite(message.messageId, { ticket: message.ticket, direction: 'out', at: message.createdAt }),
        {
          kind: 'record.create',
          collection: OUTBOX_COLLECTION,
          id: message.id,
          value: clean(message),
          indexes: { status: 'pending', ticket: message.ticket },
        },
        { kind: 'timer.schedule', timer: sendTimer(message.id, 0, message.createdAt) },
      ],
    };
  }

  return {
    get,

    plan,

    async enqueue(input) {
      // No read first: the create in the commit is the once-only check (an existing id is
      // returned as it is).
      const { message, writes } = plan(input);
      try {
        await store.commit(writes);
        return message;
      } catch (err) {
        if (!isKefuError(err, 'ERR_STORE_EXISTS')) throw err;
        return (await get(input.id)) as OutboxMessage;
      }
    },

    async handle(timer) {
      const id = String((timer.payload as { id?: string }).id ?? '');
      const msg = await get(id);
      if (!msg || msg.status === 'sent' || msg.status === 'failed' || msg.status === 'unknown') return;
      if (msg.status === 'sending' && msg.kind === 'ack') {
        await update(id, (m) =>
          m.status === 'sending'
            ? { ...m, status: 'unknown', lastError: 'interrupted during SMTP; not re-sent (at most once)' }
            : undefined,
        );
        log.warn({ outbox: id }, 'email outbox: acknowledgement interrupted during sending; not sending it twice');
        return;
      }
      const sender = deps.sender;
      if (!sender) {
        await schedule(id, msg.attempts + 1, clock.now() + NO_SENDER_RETRY_MS);
        return;
      }
      const claimed = await update(id, (m) =>
        m.status === 'pending' || m.status === 'sending' ? { ...m, status: 'sending' } : undefined,
      );
      if (claimed?.status !== 'sending') return;
      deps.stageHook?.('smtp-send');
      try {
        await sender.send({
          from: deps.from,
          to: msg.to,
          subject: msg.subject,
          text: msg.text,
          messageId: msg.messageId,
          inReplyTo: msg.inReplyTo,
          references: msg.references,
          headers: {
            'Auto-Submitted': msg.kind === 'ack' ? 'auto-replied' : 'auto-generated',
            'X-Auto-Response-Suppress': 'All',
            [LOOP_HEADER]: deps.messageIdDomain,
          },
        });
      } catch (err) {
        const attempts = msg.attempts + 1;
        const failed = attempts >= MAX_SEND_ATTEMPTS;
        await update(id, (m) => ({
          ...m,
          status: failed ? 'failed' : 'pending',
          attempts,
          lastError: (err as Error).message.slice(0, 300),
        }));
        if (failed) {
          log.error({ err, outbox: id }, 'email outbox: giving up on a message after repeated SMTP failures');
        } else {
          const delay = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (attempts - 1));
          await schedule(id, attempts, clock.now() + delay);
          log.warn({ err, outbox: id, attempts, retryInMs: delay }, 'email outbox: SMTP failed; will retry');
        }
        return;
      }
      deps.stageHook?.('smtp-sent');
      await update(id, (m) => ({ ...m, status: 'sent', attempts: m.attempts + 1, sentAt: clock.now() }));
    },

    async pendingCount() {
      const [pending, sending] = await Promise.all([
        store.records.count(OUTBOX_COLLECTION, { name: 'status', value: 'pending' }),
        store.records.count(OUTBOX_COLLECTION, { name: 'status', value: 'sending' }),
      ]);
      return pending + sending;
    },
  };
}

/** The timer of one sending attempt (a new id per attempt, as the timer runner requires). */
function sendTimer(id: string, attempt: number, dueAt: number) {
  return { id: `email-outbox:${id}:${attempt}`, kind: OUTBOX_TIMER_KIND, dueAt, payload: { id } };
}

/**
 * A message as the store takes it. No copy: both adapters keep values as JSON, which drops the
 * fields left undefined, and a message object is never changed after it is written.
 */
function clean(m: OutboxMessage): Json {
  return m as unknown as Json;
}
