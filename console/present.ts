/**
 * How tickets leave the API: personal data masked by default, email HTML made safe.
 *
 * - Lists and the ticket view show the customer's name, email, phone, address and IDs masked
 *   with `app/mask.ts`, and free text (subjects, messages, notes, type-specific data) through
 *   `maskText`. Full values are only given by the audited unmask route.
 * - Email HTML is sanitised here with the console's own allow-list (sanitize-html), whatever
 *   the email channel did before: no script, no event handler attributes, no style, no forms,
 *   no frames, links only http(s)/mailto, images only inline `data:image/…`. The page then
 *   shows it inside `<iframe sandbox="" srcdoc>` under the console's CSP, so even a sanitiser
 *   bug cannot run code in the console's origin.
 * - Internal fields (raw mail paths, ledger ids) are dropped.
 */
import sanitizeHtml from 'sanitize-html';
import { EMAIL_HTML_POLICY } from '../channels/email/parse';
import { mask, maskText } from '../app/mask';
import type { Ticket } from '../handoff/tickets/ticket';
import type { TicketEvent } from '../handoff/tickets/ticket-service';
import type { Json } from '../storage/port';

/** Longest sanitised email HTML sent to the browser, characters. */
const MAX_HTML_CHARS = 200_000;
const HIDDEN_META = new Set(['raw', 'ingestId', 'html']);

export interface TicketSummary {
  number: string;
  type: Ticket['type'];
  status: Ticket['status'];
  priority: Ticket['priority'];
  channel: Ticket['channel'];
  queue: Ticket['queue'];
  subject: string;
  customer: { name?: string; email?: string; phone?: string; lang: string; chat: boolean };
  assigneeId?: string;
  createdAt: number;
  updatedAt: number;
  slaDueAt: number;
  slaBreached: boolean;
}

export interface PresentedEvent {
  at: number;
  actor: { kind: string; id?: string; name?: string };
  type: string;
  text?: string;
  /** Sanitised email HTML (render in a sandboxed frame only). */
  html?: string;
  data: { [key: string]: Json };
}

/** A ticket for a list or header, personal data masked unless `reveal`. */
export function summariseTicket(t: Ticket, now: number, reveal = false): TicketSummary {
  const c = t.customer;
  const show = (kind: 'name' | 'email' | 'phone', v: string | undefined) =>
    v === undefined ? undefined : reveal ? v : mask(kind, v);
  return {
    number: t.number,
    type: t.type,
    status: t.status,
    priority: t.priority,
    channel: t.channel,
    queue: t.queue,
    subject: reveal ? t.subject : maskText(t.subject),
    customer: {
      ...(c.name ? { name: show('name', c.name) } : {}),
      ...(c.email ? { email: show('email', c.email) } : {}),
      ...(c.phone ? { phone: show('phone', c.phone) } : {}),
      lang: c.lang,
      chat: Boolean(c.conversationId),
    },
    ...(t.assigneeId ? { assigneeId: t.assigneeId } : {}),
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    slaDueAt: t.slaDueAt,
    slaBreached: t.status !== 'resolved' && t.status !== 'closed' && now > t.slaDueAt,
  };
}

/** Type-specific data with personal values masked (keys name the kind) unless `reveal`. */
export function presentData(value: unknown, reveal: boolean, key = ''): Json {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    if (reveal) return value;
    if (/phone|mobile|tel/i.test(key)) return mask('phone', value);
    if (/address|addr/i.test(key)) return mask('address', value);
    if (/nationalId|idNumber|^id_?no$/i.test(key)) return mask('nationalId', value);
    if (/policyNumber|policyNo/i.test(key)) return mask('policyNumber', value);
    if (/email/i.test(key) && value.includes('@')) return mask('email', value);
    if (/name/i.test(key) && !/file|sub|user/i.test(key)) return mask('name', value);
    return maskText(value);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((v) => presentData(v, reveal, key));
  if (typeof value === 'object') {
    const out: { [k: string]: Json } = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (HIDDEN_META.has(k)) continue;
      out[k] = presentData(v, reveal, k);
    }
    return out;
  }
  return null;
}

/** A ticket's history for the ticket view. */
export function presentHistory(events: TicketEvent[], reveal = false): PresentedEvent[] {
  return events.map((e) => {
    const data = e.data as Record<string, unknown>;
    // The ticket service stores a message's meta fields flat beside its text.
    const text = typeof data.text === 'string' ? data.text : undefined;
    const rawHtml = typeof data.html === 'string' ? data.html : undefined;
    const rest: Record<string, unknown> = { ...data };
    delete rest.text;
    return {
      at: e.at,
      actor: {
        kind: e.actor.kind,
        ...(e.actor.id ? { id: e.actor.id } : {}),
        ...(e.actor.name
          ? { name: reveal || e.actor.kind !== 'customer' ? e.actor.name : mask('name', e.actor.name) }
          : {}),
      },
      type: e.type,
      ...(text !== undefined ? { text: reveal ? text : maskText(text) } : {}),
      ...(rawHtml ? { html: sanitiseEmailHtml(rawHtml, reveal) } : {}),
      data: presentData(rest, reveal) as { [key: string]: Json },
    };
  });
}

/**
 * Email HTML for the console: the email channel's allow-list once more (defence in depth, the
 * stored HTML was sanitised at ingest), inline `data:` images only, and text masked unless
 * `reveal`.
 */
export function sanitiseEmailHtml(html: string, reveal = false): string {
  return sanitizeHtml(html.slice(0, MAX_HTML_CHARS), {
    ...EMAIL_HTML_POLICY,
    allowedSchemesByTag: { img: ['data'] },
    transformTags: {
      ...EMAIL_HTML_POLICY.transformTags,
      // Only inline images: a remote or relative source would be a tracking pixel or a 404.
      img: (tagName, attribs) => {
        const { src, ...rest } = attribs;
        return { tagName, attribs: src && /^data:image\/(png|gif|jpeg|webp);/i.test(src) ? { ...rest, src } : rest };
      },
    },
    ...(reveal ? {} : { textFilter: (text: string) => maskText(text) }),
  });
}
