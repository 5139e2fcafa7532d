/**
 * Turns the raw bytes of one received email into plain, bounded, safe data.
 *
 * Why this exists: mailparser does most of the decoding (Big5 as Big5-HKSCS, GB2312 as GBK,
 * quoted-printable, base64, RFC 2047/2231) but real Taiwanese mail needs more, and hostile
 * mail must not take the service down. Guarantees:
 * - Parsing has limits: MIME parts (`maxChildNodes`), header size per node, inline `cid:`
 *   images are left as links (`keepCidLinks`), text and HTML are capped. Anything the parser
 *   rejects surfaces as ERR_EMAIL_PARSE so the caller can count and quarantine.
 * - Raw 8-bit Big5 in Subject/From (old clients send it unencoded) is re-decoded as Big5;
 *   charset labels `x-x-big5`/`x-big5` are treated as Big5.
 * - NUL characters are removed everywhere; `headerSafe` strips CR/LF/control characters from
 *   anything that may reach a header we write.
 * - HTML bodies are sanitised with an allow-list (sanitize-html) before anyone can render
 *   them; the parser's own `textAsHtml` is never produced.
 * - Delivery-status parts are kept (`keepDeliveryStatus`) so a bounce names the failing
 *   recipient and the original Message-ID.
 * Pure apart from CPU: no I/O, no driver.
 */
import { createHash } from 'node:crypto';
import iconv from 'iconv-lite';
import { type AddressObject, type ParsedMail, simpleParser } from 'mailparser';
import sanitizeHtml from 'sanitize-html';
import { KefuError } from '../../app/errors';
import type { HeaderMap } from './machine-mail';

export const MAX_TEXT_CHARS = 100_000;
export const MAX_HTML_CHARS = 300_000;
/** Header bytes per MIME node (mailparser's default is 1 MB; real headers are a few KB). */
export const MAX_HEADER_BYTES = 256 * 1024;
export const DEFAULT_MAX_PARTS = 500;

export interface EmailAddress {
  address: string;
  name?: string;
}

export interface ParsedAttachment {
  filename: string;
  contentType: string;
  size: number;
  contentId?: string;
  inline: boolean;
  content: Buffer;
}

export interface DeliveryReport {
  /** Recipients the report says failed (Final-Recipient with Action: failed). */
  failedRecipients: string[];
  /** Message-ID of the mail that bounced, when the report quotes its headers. */
  originalMessageId?: string;
  status?: string;
}

export interface ParsedEmail {
  /** Message-ID without angle brackets, lower-cased domain kept as sent. */
  messageId?: string;
  inReplyTo?: string;
  references: string[];
  subject: string;
  from?: EmailAddress;
  replyTo?: EmailAddress;
  to: EmailAddress[];
  cc: EmailAddress[];
  date?: number;
  /** Plain text body (from the HTML when there is no text part), NUL-free, capped. */
  text: string;
  /** Allow-list-sanitised HTML body, capped; undefined when the mail has none. */
  html?: string;
  contentType: string;
  headers: HeaderMap;
  attachments: ParsedAttachment[];
  deliveryReport?: DeliveryReport;
  /** sha256 of subject + text, to tell a true duplicate from a reused Message-ID. */
  contentHash: string;
}

export interface ParseLimits {
  maxParts?: number;
  maxHeaderBytes?: number;
}

/**
 * Parses one raw email with limits.
 * @throws ERR_EMAIL_PARSE when the MIME structure is malformed or exceeds a limit.
 */
export async function parseEmail(raw: Buffer, limits: ParseLimits = {}): Promise<ParsedEmail> {
  const input = relabelCharsets(raw);
  let mail: ParsedMail;
  try {
    mail = await simpleParser(input, {
      keepDeliveryStatus: true,
      keepCidLinks: true,
      skipTextToHtml: true,
      skipImageLinks: true,
      skipTextLinks: true,
      // Passed through to mailsplit: the parser throws beyond these.
      maxChildNodes: limits.maxParts ?? DEFAULT_MAX_PARTS,
      maxHeadSize: limits.maxHeaderBytes ?? MAX_HEADER_BYTES,
    } as Parameters<typeof simpleParser>[1]);
  } catch (err) {
    throw new KefuError('ERR_EMAIL_PARSE', `email could not be parsed: ${(err as Error).message}`, {}, { cause: err });
  }
  const headers = headerMap(mail);
  const rawHeaders = rawHeaderFallback(input);

  let subject = headerSafe(stripNul(mail.subject ?? ''));
  if (rawHeaders.subject !== undefined && subject.includes('\uFFFD')) subject = rawHeaders.subject;
  let from = firstAddress(mail.from);
  if (from && rawHeaders.fromName !== undefined && (from.name ?? '').includes('\uFFFD')) {
    from = { ...from, name: rawHeaders.fromName };
  }

  const htmlRaw = typeof mail.html === 'string' ? mail.html : undefined;
  const html =
    htmlRaw === undefined
      ? undefined
      : sanitizeEmailHtml(stripNul(htmlRaw).slice(0, MAX_HTML_CHARS * 3)).slice(0, MAX_HTML_CHARS);
  let text = stripNul(mail.text ?? '');
  if (!text.trim() && htmlRaw) text = htmlToPlain(htmlRaw);
  if (!text.trim() && !htmlRaw && mail.attachments.length === 0) text = rawBodyText(input);
  text = text.slice(0, MAX_TEXT_CHARS);

  const attachments: ParsedAttachment[] = [];
  let deliveryReport: DeliveryReport | undefined;
  for (const a of mail.attachments) {
    const ctype = (a.contentType ?? 'application/octet-stream').toLowerCase();
    if (ctype === 'message/delivery-status' || ctype === 'message/global-delivery-status') {
      const ds = readDeliveryStatus(a.content);
      deliveryReport = {
        ...deliveryReport,
        status: deliveryReport?.status ?? ds.status,
        failedRecipients: [...(deliveryReport?.failedRecipients ?? []), ...ds.failedRecipients],
      };
      continue;
    }
    if (ctype === 'text/rfc822-headers' || ctype === 'message/rfc822-headers') {
      const id = /^message-id:\s*<?([^>\s]+)>?/im.exec(a.content.toString('latin1'))?.[1];
      deliveryReport = {
        failedRecipients: deliveryReport?.failedRecipients ?? [],
        ...deliveryReport,
        originalMessageId: id,
      };
      continue;
    }
    if (ctype === 'message/rfc822' && mail.headers.get('content-type') && isReport(mail)) {
      const id = /^message-id:\s*<?([^>\s]+)>?/im.exec(a.content.subarray(0, 64 * 1024).toString('latin1'))?.[1];
      if (id)
        deliveryReport = {
          failedRecipients: deliveryReport?.failedRecipients ?? [],
          ...deliveryReport,
          originalMessageId: id,
        };
    }
    attachments.push({
      filename: headerSafe(stripNul(a.filename ?? '')) || defaultName(ctype, attachments.length),
      contentType: ctype,
      size: a.size ?? a.content.length,
      contentId: a.contentId ? headerSafe(a.contentId.replace(/^<|>$/g, '')) : undefined,
      inline: a.contentDisposition === 'inline' || Boolean(a.related),
      content: a.content,
    });
  }

  const contentType = (headers.get('content-type')?.[0] ?? 'text/plain').toLowerCase();
  if (!deliveryReport && contentType.startsWith('multipart/report') && /delivery-status/.test(contentType)) {
    deliveryReport = { failedRecipients: [] };
  }

  return {
    messageId: cleanId(mail.messageId),
    inReplyTo: cleanId(typeof mail.inReplyTo === 'string' ? mail.inReplyTo.split(/\s+/)[0] : undefined),
    references: referencesOf(mail.references),
    subject: subject.slice(0, 998),
    from,
    replyTo: firstAddress(mail.replyTo),
    to: addresses(mail.to),
    cc: addresses(mail.cc),
    date: mail.date instanceof Date && !Number.isNaN(mail.date.getTime()) ? mail.date.getTime() : undefined,
    text,
    html,
    contentType,
    headers,
    attachments,
    deliveryReport,
    contentHash: createHash('sha256').update(subject).update('\n').update(text).digest('hex'),
  };
}

/** Removes CR, LF, NUL and other control characters so a value can go into a header we write. */
export function headerSafe(value: string): string {
  let out = '';
  for (const ch of value) out += isControl(ch) ? ' ' : ch;
  return out.replace(/\s{2,}/g, ' ').trim();
}

/** Removes NUL characters (invalid base64 yields them; stores and consoles choke on them). */
export function stripNul(value: string): string {
  return value.includes(NUL) ? value.split(NUL).join('') : value;
}

const NUL = String.fromCharCode(0);

/** C0 controls, DEL and the Unicode line/paragraph separators. */
export function isControl(ch: string): boolean {
  const c = ch.codePointAt(0) ?? 0;
  return c < 0x20 || c === 0x7f || c === 0x2028 || c === 0x2029;
}

const ALLOWED_TAGS = [
  'dl',
  'dt',
  'dd',
  'tfoot',
  'caption',
  'p',
  'br',
  'div',
  'span',
  'b',
  'strong',
  'i',
  'em',
  'u',
  's',
  'blockquote',
  'pre',
  'code',
  'ul',
  'ol',
  'li',
  'table',
  'thead',
  'tbody',
  'tr',
  'td',
  'th',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'a',
  'img',
  'hr',
  'font',
  'center',
  'small',
  'sub',
  'sup',
];

/**
 * The one allow-list for email HTML, used when a mail is stored and again when the console
 * shows it: no script, style, iframe, form, event handler or javascript: URL survives; links
 * may be http(s)/mailto only; images `cid:` only (remote images would tell the sender when
 * staff opened the mail).
 */
export const EMAIL_HTML_POLICY: sanitizeHtml.IOptions = {
  allowedTags: ALLOWED_TAGS,
  allowedAttributes: {
    a: ['href', 'title', 'rel', 'target'],
    img: ['src', 'alt', 'width', 'height'],
    td: ['colspan', 'rowspan', 'align'],
    th: ['colspan', 'rowspan', 'align'],
    table: ['border', 'cellpadding', 'cellspacing'],
    font: ['color'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['cid'] },
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'head', 'iframe', 'object'],
  transformTags: {
    a: (tagName, attribs) => ({
      tagName,
      attribs: { ...attribs, rel: 'noopener noreferrer nofollow', target: '_blank' },
    }),
  },
};

/** Sanitises email HTML with `EMAIL_HTML_POLICY`. */
export function sanitizeEmailHtml(html: string): string {
  return sanitizeHtml(html, EMAIL_HTML_POLICY);
}

function htmlToPlain(html: string): string {
  const noTags = sanitizeHtml(html.slice(0, MAX_HTML_CHARS * 3).replace(/<(br|\/p|\/div|\/tr|\/li)[^>]*>/gi, '\n'), {
    allowedTags: [],
    allowedAttributes: {},
  });
  return stripNul(decodeEntities(noTags))
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function decodeEntities(s: string): string {
  return s
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&amp;/g, '&');
}

function headerMap(mail: ParsedMail): HeaderMap {
  const map = new Map<string, string[]>();
  for (const { key, line } of mail.headerLines) {
    const idx = line.indexOf(':');
    const value = (idx >= 0 ? line.slice(idx + 1) : '').replace(/\r?\n[ \t]+/g, ' ').trim();
    const list = map.get(key.toLowerCase()) ?? [];
    list.push(value);
    map.set(key.toLowerCase(), list);
  }
  return map;
}

function isReport(mail: ParsedMail): boolean {
  const ct = mail.headers.get('content-type') as { value?: string } | undefined;
  return typeof ct?.value === 'string' && ct.value.toLowerCase() === 'multipart/report';
}

function readDeliveryStatus(content: Buffer): DeliveryReport {
  const text = content.toString('utf8');
  const failed: string[] = [];
  let status: string | undefined;
  for (const block of text.split(/\r?\n\r?\n/)) {
    const rcpt = /^final-recipient:\s*[^;]*;\s*(\S+)/im.exec(block)?.[1];
    const action = /^action:\s*(\S+)/im.exec(block)?.[1]?.toLowerCase();
    const st = /^status:\s*(\S+)/im.exec(block)?.[1];
    if (rcpt && (action === 'failed' || (st?.startsWith('5') ?? false))) {
      failed.push(rcpt.replace(/^<|>$/g, '').toLowerCase());
      status ??= st;
    }
  }
  return { failedRecipients: failed, status };
}

function cleanId(id: string | undefined): string | undefined {
  if (!id) return undefined;
  const v = headerSafe(id).replace(/^<|>$/g, '').trim();
  return v === '' ? undefined : v.slice(0, 500);
}

function referencesOf(refs: string | string[] | undefined): string[] {
  if (!refs) return [];
  const list = Array.isArray(refs) ? refs : refs.split(/\s+/);
  return list
    .map((r) => cleanId(r))
    .filter((r): r is string => r !== undefined)
    .slice(-50);
}

function firstAddress(obj: AddressObject | AddressObject[] | undefined): EmailAddress | undefined {
  return addresses(obj)[0];
}

function addresses(obj: AddressObject | AddressObject[] | undefined): EmailAddress[] {
  if (!obj) return [];
  const out: EmailAddress[] = [];
  for (const o of Array.isArray(obj) ? obj : [obj]) {
    for (const v of o.value) {
      const list = v.group ?? [v];
      for (const a of list) {
        const address = headerSafe(a.address ?? '').toLowerCase();
        if (!address.includes('@')) continue;
        const name = headerSafe(stripNul(a.name ?? ''));
        out.push(name ? { address, name } : { address });
      }
    }
  }
  return out.slice(0, 100);
}

function defaultName(ctype: string, index: number): string {
  const ext = ctype.split('/')[1]?.replace(/[^a-z0-9]/g, '') || 'bin';
  return `attachment-${index + 1}.${ext}`;
}

const BIG5_LABELS = [/charset="?x-x-big5"?/gi, /charset="?x-big5"?/gi];

/** Old Outlook labels Big5 as x-x-big5; iconv-lite does not know that name. */
function relabelCharsets(raw: Buffer): Buffer {
  const probe = raw.subarray(0, Math.min(raw.length, 4 * 1024 * 1024));
  if (probe.indexOf('big5') < 0 && probe.indexOf('BIG5') < 0 && probe.indexOf('Big5') < 0) return raw;
  let text = raw.toString('latin1');
  let changed = false;
  for (const re of BIG5_LABELS) {
    text = text.replace(re, () => {
      changed = true;
      return 'charset=big5';
    });
  }
  return changed ? Buffer.from(text, 'latin1') : raw;
}

/** Broken MIME (a multipart without boundary) can leave nothing parsed: keep the raw body text. */
function rawBodyText(raw: Buffer): string {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  const start = crlf >= 0 ? crlf + 4 : lf >= 0 ? lf + 2 : -1;
  if (start < 0) return '';
  const body = raw.subarray(start, start + MAX_TEXT_CHARS * 3);
  let text: string;
  try {
    text = utf8Strict.decode(body);
  } catch {
    text = iconv.decode(body, 'big5');
  }
  return stripNul(text).trim();
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/**
 * Subject and From display name decoded again from the raw header bytes when they hold
 * unencoded 8-bit text that is not UTF-8 (old Taiwanese clients: raw Big5).
 */
function rawHeaderFallback(raw: Buffer): { subject?: string; fromName?: string } {
  let end = raw.indexOf('\r\n\r\n');
  if (end < 0) end = raw.indexOf('\n\n');
  const head = raw.subarray(0, end < 0 ? Math.min(raw.length, MAX_HEADER_BYTES) : Math.min(end, MAX_HEADER_BYTES));
  const out: { subject?: string; fromName?: string } = {};
  const lines = splitHeaderLines(head);
  for (const line of lines) {
    const colon = line.indexOf(0x3a);
    if (colon < 0) continue;
    const name = line.subarray(0, colon).toString('latin1').trim().toLowerCase();
    if (name !== 'subject' && name !== 'from') continue;
    const valueBytes = line.subarray(colon + 1);
    if (!valueBytes.some((b) => b >= 0x80)) continue;
    try {
      utf8Strict.decode(valueBytes);
      continue; // valid UTF-8: mailparser decoded it already
    } catch {
      // not UTF-8: fall back to Big5
    }
    const decoded = headerSafe(stripNul(iconv.decode(valueBytes, 'big5')));
    if (name === 'subject') out.subject = decoded;
    else
      out.fromName = headerSafe(
        decoded
          .replace(/<[^>]*>\s*$/, '')
          .replace(/^"|"$/g, '')
          .replace(/"\s*$/, '')
          .trim(),
      );
  }
  return out;
}

function splitHeaderLines(head: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < head.length; i++) {
    if (head[i] !== 0x0a) continue;
    const next = head[i + 1];
    if (next === 0x20 || next === 0x09) continue; // folded continuation
    lines.push(head.subarray(start, i));
    start = i + 1;
  }
  if (start < head.length) lines.push(head.subarray(start));
  return lines.map((l) =>
    Buffer.from(
      l
        .toString('latin1')
        .replace(/\r?\n[ \t]+/g, ' ')
        .replace(/\r$/, ''),
      'latin1',
    ),
  );
}
