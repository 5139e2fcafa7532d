/**
 * Recognises machine mail — auto-replies, bounces, mailing lists and our own mail reflected
 * back — so that Kefu never acknowledges it and no mail loop can start.
 *
 * The rule set is the union of what Zammad, Request Tracker, osTicket and Chatwoot check
 * (shared/notes/reliability-lessons.md, "Mail loops"). `Auto-Submitted: no` alone marks a
 * human. Pure: headers in, a verdict with every matching reason out (reasons are stored on
 * the ticket so staff can see why no acknowledgement went out).
 */

/** Our own loop header, stamped on every mail Kefu sends. */
export const LOOP_HEADER = 'X-Kefu-Loop';

/** Header name (lower case) → every value it has, unfolded. */
export type HeaderMap = ReadonlyMap<string, readonly string[]>;

export type MachineKind = 'bounce' | 'own' | 'loop' | 'auto-reply' | 'list' | 'bulk';

export interface MachineVerdict {
  machine: boolean;
  /** The most specific kind when `machine`: bounce > own > loop > auto-reply > list > bulk. */
  kind?: MachineKind;
  /** Every rule that matched, e.g. 'auto-submitted:auto-replied'. */
  reasons: string[];
}

const AUTO_REPLY_HEADERS = ['x-autoreply', 'x-autorespond', 'x-autoresponder', 'x-autoreply-from', 'x-mail-autoreply'];
const PRECEDENCE_MACHINE = new Set(['bulk', 'junk', 'list', 'auto_reply']);
const SUPPRESS_MACHINE = new Set(['all', 'oof', 'autoreply', 'dr', 'rn', 'nrn']);
const KIND_ORDER: MachineKind[] = ['bounce', 'own', 'loop', 'auto-reply', 'list', 'bulk'];

export interface ClassifyInput {
  headers: HeaderMap;
  /** The sender address (From), lower case. */
  from?: string;
  /** The top-level Content-Type value, e.g. 'multipart/report; report-type=delivery-status'. */
  contentType?: string;
  messageId?: string;
  /** Our Message-ID domain (MAIL_MESSAGE_ID_DOMAIN). */
  ownDomain: string;
}

/** Decides whether a received message was written by a machine. Pure. */
export function classifyMachineMail(input: ClassifyInput): MachineVerdict {
  const { headers } = input;
  const first = (name: string): string | undefined => headers.get(name)?.[0]?.trim();
  const kinds = new Set<MachineKind>();
  const reasons: string[] = [];
  const hit = (kind: MachineKind, reason: string) => {
    kinds.add(kind);
    reasons.push(reason);
  };

  const autoSubmitted = first('auto-submitted');
  if (autoSubmitted !== undefined) {
    const token = (autoSubmitted.split(';')[0] ?? '').trim().toLowerCase();
    if (token !== 'no') hit('auto-reply', `auto-submitted:${token || 'empty'}`);
  }
  for (const name of ['precedence', 'x-precedence']) {
    const v = first(name)?.toLowerCase();
    if (v && PRECEDENCE_MACHINE.has(v))
      hit(v === 'auto_reply' ? 'auto-reply' : v === 'list' ? 'list' : 'bulk', `${name}:${v}`);
  }
  if (headers.has('list-id')) hit('list', 'list-id');
  if (headers.has('list-unsubscribe')) hit('list', 'list-unsubscribe');
  for (const name of AUTO_REPLY_HEADERS) if (headers.has(name)) hit('auto-reply', name);
  const suppress = first('x-auto-response-suppress');
  if (suppress) {
    const tokens = suppress
      .toLowerCase()
      .split(/[\s,]+/)
      .filter(Boolean);
    const matched = tokens.filter((t) => SUPPRESS_MACHINE.has(t));
    if (matched.length > 0) hit('auto-reply', `x-auto-response-suppress:${matched.join(',')}`);
  }
  if (headers.has('x-loop')) hit('loop', 'x-loop');
  if (headers.has(LOOP_HEADER.toLowerCase())) hit('own', 'kefu-loop-header');
  const returnPaths = headers.get('return-path') ?? [];
  if (returnPaths.some((v) => /^<\s*>$/.test(v.trim()))) hit('bounce', 'return-path:null');
  const local = input.from?.split('@')[0]?.toLowerCase();
  if (local === 'mailer-daemon' || local === 'postmaster') hit('bounce', `sender:${local}`);
  const ct = (input.contentType ?? first('content-type') ?? '').toLowerCase();
  if (ct.startsWith('multipart/report')) hit('bounce', 'multipart/report');
  const domain = input.ownDomain.toLowerCase();
  if (input.messageId?.toLowerCase().endsWith(`@${domain}`)) hit('own', 'message-id:own-domain');

  const kind = KIND_ORDER.find((k) => kinds.has(k));
  return { machine: kind !== undefined, kind, reasons };
}
