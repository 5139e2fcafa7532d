/**
 * The ingest use case: one received email becomes (part of) a ticket, exactly once.
 *
 * Steps, each safe to repeat after a crash between any two of them
 * (reliability-lessons.md, "Duplicate tickets after a crash", "Silent loss"):
 * 1. `begin`: the ledger entry is created under (account, mailbox, UIDVALIDITY, UID), and a
 *    per-channel hash of the Message-ID is recorded — before the message is even downloaded.
 * 2. `process`: the raw bytes are kept on disk (mail without Message-ID is keyed by a hash of
 *    its bytes), parsed with limits (three failures → quarantined, never blocking the next
 *    mail), classified (machine mail is stored, never acknowledged; a bounce marks the
 *    address failing), threaded, and turned into a ticket or a message on one. Creating the
 *    ticket or appending the message is guarded by a state on the ledger entry: re-entered in
 *    that state, the ticket/message is looked up (by the ingest id it carries) before any is
 *    created. (The first attempt at an entry this instance has just created opens a ticket
 *    for a known sender without the 'creating' write: every later attempt looks among that
 *    sender's tickets first.) The acknowledgement goes to the outbox under an id made of
 *    ticket, recipient and day of receipt, so it is created once, and that record is also the
 *    "one per sender per thread per day" throttle.
 * 3. `filed`: after the poller flagged \Seen and moved the message (last), the entry is closed.
 * Mail is never deleted. A true duplicate (same Message-ID and same content, e.g. delivered
 * twice) is recorded as such; a reused Message-ID with different content is still imported.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../../app/clock';
import { KefuError, isKefuError } from '../../app/errors';
import type { Logger } from '../../app/logger';
import { localParts, type BusinessCalendar } from '../../handoff/calendar/business-hours';
import type { Actor, TicketService } from '../../handoff/tickets/ticket-service';
import type { Ticket } from '../../handoff/tickets/ticket';
import type { KnowledgeService } from '../../knowledge/types';
import type { Json, Store } from '../../storage/port';
import { composeAcknowledgement, findKnowledgeAnswers } from './acknowledgement';
import { detectLanguage } from './language';
import { classifyMachineMail, type MachineVerdict } from './machine-mail';
import type { Outbox } from './outbox';
import { headerSafe, isControl, type ParsedAttachment, type ParsedEmail, parseEmail } from './parse';
import { decideThread, type ThreadCandidate, ticketNumberInSubject } from './threading';
import { lookupThreadId, recordThreadId } from './thread-ids';

export const LEDGER_COLLECTION = 'email-ledger';
export const MESSAGE_IDS_COLLECTION = 'email-message-ids';
export const FAILING_ADDRESSES_COLLECTION = 'email-failing-addresses';
export const MAX_PARSE_FAILURES = 3;
const CAS_RETRIES = 8;
/** Attachments that can run code on a desk PC are listed on the ticket but not stored. */
const BLOCKED_EXTENSIONS = /\.(exe|com|bat|cmd|scr|pif|vbs|vbe|js|jse|wsf|wsh|msi|msp|jar|ps1|hta|cpl|lnk|reg|dll)$/i;

/** Where a message sits on the IMAP server. */
export interface MailLocation {
  account: string;
  mailbox: string;
  /** UIDVALIDITY as a decimal string (imapflow gives a BigInt). */
  uidValidity: string;
  uid: number;
}

export type LedgerState = 'received' | 'creating' | 'appending' | 'ticketed' | 'duplicate' | 'quarantined' | 'filed';

export interface LedgerEntry extends MailLocation {
  state: LedgerState;
  size: number;
  receivedAt: number;
  messageId?: string;
  /** Key of the Message-ID (or raw-bytes) hash record. */
  dedupeKey?: string;
  rawPath?: string;
  parseFailures: number;
  lastError?: string;
  ticket?: string;
  oversized?: boolean;
  duplicateOf?: string;
  /** The ticket was appended to (not created) — for the ack's thread key. */
  appended?: boolean;
  [key: string]: Json | undefined;
}

/** What the poller should do with the message on the server next. */
export type Disposition = 'download' | 'file' | 'quarantine' | 'retry';

export interface IngestConfig {
  maxBytes: number;
  maxAttachmentBytes: number;
  maxParts: number;
  ackMaxPerHour: number;
  messageIdDomain: string;
  brand: { zh: string; en: string };
  /** Addresses of our own mailboxes (never treated as customers or participants). */
  ownAddresses: string[];
}

export interface IngestDeps {
  store: Pick<Store, 'records' | 'streams' | 'kv' | 'timers'>;
  tickets: TicketService;
  outbox: Outbox;
  clock: Clock;
  log: Logger;
  calendar: BusinessCalendar;
  knowledge?: KnowledgeService;
  /** Folder for raw mail and attachments (e.g. DATA_DIR/mail). */
  dataDir: string;
  config: IngestConfig;
  /** Test hook: called at each stage; a crash test kills the process from here. */
  stageHook?: (stage: string) => void;
}

export interface Ingest {
  /**
   * Step 1: records the message in the ledger (and its Message-ID hash) before download.
   * @returns what to do next: download it, or file/quarantine it on the server right away.
   */
  begin(loc: MailLocation, meta: { size: number; messageId?: string }): Promise<Disposition>;
  /**
   * Step 2: keeps the raw bytes and turns them into a ticket. `raw` is the whole message, or
   * only its header block when the size is over the limit (then `oversized`).
   */
  process(loc: MailLocation, raw: Buffer, options?: { oversized?: boolean }): Promise<Disposition>;
  /** Step 3: the poller flagged and moved the message. */
  filed(loc: MailLocation): Promise<void>;
  ledger(loc: MailLocation): Promise<LedgerEntry | undefined>;
  quarantinedCount(): Promise<number>;
}

export function ledgerId(loc: MailLocation): string {
  return `${loc.account}/${loc.mailbox}/${loc.uidValidity}/${loc.uid}`;
}

function hash(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\u0000');
  return h.digest('hex');
}

export function createIngest(deps: IngestDeps): Ingest {
  const { store, tickets, clock, log, config } = deps;
  const stage = (name: string) => deps.stageHook?.(name);
  const customerActor = (p: ParsedEmail): Actor => ({
    kind: 'customer',
    ...(p.from ? { id: p.from.address } : {}),
    ...(p.from?.name ? { name: p.from.name } : {}),
  });
  const systemActor: Actor = { kind: 'system', id: 'email' };
  /**
   * Ledger entries this instance created in `begin` and has not processed yet. Such an entry
   * has never been seen by any other attempt, so no ticket can exist for it: its first
   * `process` may skip the 'creating' marker write (a retry after a crash finds the entry
   * existing in `begin`, is not fresh, and looks for a ticket made by the earlier attempt).
   * Only memory: losing it (restart, or the cap below) just means the safe path is taken.
   */
  const freshEntries = new Set<string>();
  /**
   * The ledger entries this instance just marked 'ticketed', with their version, so that
   * `filed` (right after the IMAP move) can compare-and-set without reading first. A stale
   * copy only costs the conflict and a read. Bounded like `freshEntries`.
   */
  const ticketedCopies = new Map<string, LedgerCopy>();

  async function getLedger(id: string) {
    return store.records.get<Json>(LEDGER_COLLECTION, id);
  }

  /**
   * Compare-and-set on a ledger entry. `known` is the caller's last copy (saves a read when it
   * is still current; a stale one just costs the conflict and a fresh read).
   */
  async function updateLedger(
    id: string,
    fn: (e: LedgerEntry) => LedgerEntry,
    known?: LedgerCopy,
  ): Promise<LedgerEntry> {
    let rec: LedgerCopy | undefined = known;
    for (let i = 0; i < CAS_RETRIES; i++) {
      if (!rec) {
        const got = await getLedger(id);
        if (!got) throw new KefuError('ERR_STORE_NOT_FOUND', `no ledger entry ${id}`, { id });
        rec = { version: got.version, value: got.value as unknown as LedgerEntry };
      }
      const next = fn(rec.value);
      try {
        const saved = await store.records.replace<Json>(
          LEDGER_COLLECTION,
          id,
          rec.version,
          toJson(next),
          ledgerIndexes(next),
        );
        if (known) {
          known.version = saved.version;
          known.value = next;
        }
        return next;
      } catch (err) {
        if (!isKefuError(err, 'ERR_STORE_CONFLICT')) throw err;
        rec = undefined;
      }
    }
    throw new KefuError('ERR_STORE_CONFLICT', `ledger entry ${id} kept changing`, { id });
  }

  /** Claims the dedupe key for this entry; returns the entry that had it first. */
  async function claimDedupeKey(key: string, id: string): Promise<string> {
    try {
      await store.records.create<Json>(MESSAGE_IDS_COLLECTION, key, { ledgerId: id, at: clock.now() });
      return id;
    } catch (err) {
      if (!isKefuError(err, 'ERR_STORE_EXISTS')) throw err;
      const rec = await store.records.get<Json>(MESSAGE_IDS_COLLECTION, key);
      return String((rec?.value as { ledgerId?: string } | undefined)?.ledgerId ?? id);
    }
  }

  function rawPathOf(id: string): string {
    const h = hash(id);
    return path.join(deps.dataDir, 'raw', h.slice(0, 2), `${h}.eml`);
  }

  const madeDirs = new Set<string>();
  /**
   * Writes a file atomically (temp + rename) unless it exists already (a retry). Asynchronous:
   * creating a file costs this disk about half a millisecond, which on the main thread would
   * stall every other message in flight.
   */
  async function writeOnce(file: string, data: Buffer): Promise<void> {
    if (await exists(file)) return;
    const dir = path.dirname(file);
    if (!madeDirs.has(dir)) {
      await fs.promises.mkdir(dir, { recursive: true });
      if (madeDirs.size > 10_000) madeDirs.clear();
      madeDirs.add(dir);
    }
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.promises.writeFile(tmp, data);
    await fs.promises.rename(tmp, file);
  }

  async function isFailing(address: string): Promise<boolean> {
    return (await store.records.get<Json>(FAILING_ADDRESSES_COLLECTION, address.toLowerCase())) !== undefined;
  }

  async function markFailing(addresses: string[], reason: string): Promise<void> {
    for (const a of addresses) {
      const address = a.toLowerCase();
      try {
        await store.records.create<Json>(FAILING_ADDRESSES_COLLECTION, address, {
          address,
          since: clock.now(),
          reason,
        });
      } catch (err) {
        if (!isKefuError(err, 'ERR_STORE_EXISTS')) throw err;
      }
    }
  }

  async function storeAttachments(id: string, atts: ParsedAttachment[]): Promise<Json[]> {
    const out: Json[] = [];
    const dir = path.join(deps.dataDir, 'attachments', hash(id).slice(0, 32));
    for (const [i, a] of atts.entries()) {
      const info: Record<string, Json> = {
        filename: a.filename,
        contentType: a.contentType,
        size: a.size,
        inline: a.inline,
      };
      if (a.contentId) info.contentId = a.contentId;
      if (a.size > config.maxAttachmentBytes) info.skipped = 'too-large';
      else if (BLOCKED_EXTENSIONS.test(a.filename) || a.contentType === 'application/x-msdownload')
        info.skipped = 'blocked-type';
      else {
        const safe =
          [...a.filename]
            .map((ch) => (isControl(ch) || '/\\:*?"<>|'.includes(ch) ? '_' : ch))
            .join('')
            .slice(0, 120) || `part-${i + 1}`;
        const file = path.join(dir, `${String(i + 1).padStart(3, '0')}-${safe}`);
        await writeOnce(file, a.content);
        info.path = path.relative(deps.dataDir, file);
      }
      out.push(info);
    }
    return out;
  }

  async function candidatesFor(p: ParsedEmail, machine: boolean, ownIds: Set<string>): Promise<ThreadCandidate[]> {
    const refs: Array<{ number: string; via: ThreadCandidate['via'] }> = [];
    // Machine mail may not enter a ticket by its subject (anyone can write a number there),
    // except our own mail reflected back, which carries our Message-ID domain.
    if (!machine || ownIds.size > 0) {
      const n = ticketNumberInSubject(p.subject);
      if (n) refs.push({ number: n, via: 'subject' });
    }
    const ids: Array<{ id: string; via: ThreadCandidate['via'] }> = [];
    if (p.inReplyTo) ids.push({ id: p.inReplyTo, via: 'in-reply-to' });
    if (p.deliveryReport?.originalMessageId) ids.push({ id: p.deliveryReport.originalMessageId, via: 'in-reply-to' });
    for (const r of [...p.references].reverse()) ids.push({ id: r, via: 'references' });
    if (machine && p.messageId && ownIds.has(p.messageId)) ids.unshift({ id: p.messageId, via: 'in-reply-to' });
    for (const { id, via } of ids.slice(0, 30)) {
      const entry = await lookupThreadId(store, id);
      if (entry) refs.push({ number: entry.ticket, via });
    }
    const out: ThreadCandidate[] = [];
    const seen = new Set<string>();
    for (const r of refs) {
      if (seen.has(r.number)) continue;
      seen.add(r.number);
      const t = await tickets.find(r.number);
      if (!t) continue;
      out.push({ number: t.number, via: r.via, status: t.status, participants: participantsOf(t) });
    }
    return out;
  }

  async function findCreatedTicket(id: string, p: ParsedEmail): Promise<Ticket | undefined> {
    const list = p.from ? await tickets.list({ customerEmail: p.from.address }) : await tickets.list({ type: 'email' });
    return list.find((t) => (t.data as { email?: { ingestId?: string } }).email?.ingestId === id);
  }

  async function alreadyAppended(number: string, id: string): Promise<boolean> {
    const events = await tickets.history(number);
    return events.some((e) => e.type === 'message' && e.data.ingestId === id);
  }

  async function queueAck(
    receivedAt: number,
    ticket: Ticket,
    p: ParsedEmail,
    lang: 'zh-TW' | 'en',
    oversized: boolean,
  ): Promise<void> {
    const to = p.replyTo?.address ?? p.from?.address;
    if (!to || config.ownAddresses.includes(to)) return;
    if (await isFailing(to)) return;
    // At most one acknowledgement per sender per thread per (desk-local) day of receipt: the
    // outbox id is that triple, and the outbox creates each id once, so the outbox record is
    // the throttle. The day comes from the ledger (set once in `begin`), so a retry after a
    // crash — even one past midnight — finds the acknowledgement it already queued.
    const day = localParts(receivedAt, deps.calendar.timeZone).date;
    const outboxId = `ack:${ticket.number}:${hash(to.toLowerCase(), day).slice(0, 24)}`;
    if (await deps.outbox.get(outboxId)) return;
    // Global breaker: a flood of mail (or a loop we failed to see) cannot make us a spammer.
    const hourKey = `email-ack-breaker:${Math.floor(clock.now() / 3_600_000)}`;
    const sentThisHour = await store.kv.increment(hourKey, 1, 2 * 3_600_000);
    if (sentThisHour > config.ackMaxPerHour) {
      log.warn({ ticket: ticket.number, sentThisHour }, 'email: acknowledgement breaker open; no acknowledgement sent');
      return;
    }
    const answers = oversized ? [] : await findKnowledgeAnswers(deps.knowledge, p.subject, p.text, lang);
    const mail = composeAcknowledgement({
      ticketNumber: ticket.number,
      subject: p.subject,
      lang,
      now: clock.now(),
      calendar: deps.calendar,
      slaDueAt: ticket.slaDueAt,
      brand: config.brand,
      answers,
      oversized: oversized ? { limitBytes: config.maxBytes } : undefined,
    });
    stage('ack-queue');
    await deps.outbox.enqueue({
      id: outboxId,
      kind: 'ack',
      ticket: ticket.number,
      to,
      subject: mail.subject,
      text: mail.text,
      inReplyTo: p.messageId,
      references: p.messageId ? [...p.references, p.messageId].slice(-20) : p.references,
    });
  }

  return {
    async begin(loc, meta) {
      const id = ledgerId(loc);
      const entry: LedgerEntry = {
        ...loc,
        state: 'received',
        size: meta.size,
        receivedAt: clock.now(),
        parseFailures: 0,
      };
      const messageId = meta.messageId ? headerSafe(meta.messageId).replace(/^<|>$/g, '') : '';
      if (messageId) {
        entry.messageId = messageId;
        // The per-channel Message-ID key goes in with the ledger entry (one write, not two).
        entry.dedupeKey = hash('message-id', loc.account, messageId.toLowerCase());
      }
      let current: LedgerEntry;
      try {
        await store.records.create<Json>(LEDGER_COLLECTION, id, toJson(entry), ledgerIndexes(entry));
        current = entry;
        if (freshEntries.size >= MAX_FRESH_ENTRIES) freshEntries.clear();
        freshEntries.add(id);
      } catch (err) {
        if (!isKefuError(err, 'ERR_STORE_EXISTS')) throw err;
        freshEntries.delete(id);
        current = (await getLedger(id))?.value as unknown as LedgerEntry;
      }
      stage('ledger');
      if (current.state === 'ticketed' || current.state === 'duplicate' || current.state === 'filed') return 'file';
      if (current.state === 'quarantined') return 'quarantine';
      if (current.state === 'received' && current.dedupeKey && current.duplicateOf === undefined) {
        const owner = await claimDedupeKey(current.dedupeKey, id);
        if (owner !== id) await updateLedger(id, (e) => ({ ...e, duplicateOf: owner }));
        stage('message-id');
      }
      return 'download';
    },

    async process(loc, raw, options = {}) {
      const id = ledgerId(loc);
      // Fresh: this instance created the entry and no attempt has processed it before.
      const fresh = freshEntries.delete(id);
      const rec = await getLedger(id);
      if (!rec) throw new KefuError('ERR_STORE_NOT_FOUND', `no ledger entry ${id}; call begin first`, { id });
      const known: LedgerCopy = { version: rec.version, value: rec.value as unknown as LedgerEntry };
      let entry = known.value;
      const updateKnown = (fn: (e: LedgerEntry) => LedgerEntry) => updateLedger(id, fn, known);
      if (entry.state === 'ticketed' || entry.state === 'duplicate' || entry.state === 'filed') return 'file';
      if (entry.state === 'quarantined') return 'quarantine';
      const oversized = options.oversized === true;

      // Keep the raw bytes (a bad decode can be redone; quarantined mail stays readable).
      const rawPath = rawPathOf(id);
      await writeOnce(rawPath, raw);
      const relRaw = path.relative(deps.dataDir, rawPath);
      stage('raw');
      if (!entry.dedupeKey) {
        const key = hash('raw', loc.account, createHash('sha256').update(raw).digest('hex'));
        const owner = await claimDedupeKey(key, id);
        entry = await updateKnown((e) => ({
          ...e,
          dedupeKey: key,
          rawPath: relRaw,
          ...(owner !== id ? { duplicateOf: owner } : {}),
        }));
      }

      let parsed: ParsedEmail;
      try {
        const input = oversized ? Buffer.concat([raw, Buffer.from('\r\n\r\n')]) : raw;
        parsed = await parseEmail(input, { maxParts: config.maxParts });
      } catch (err) {
        const failures = entry.parseFailures + 1;
        const quarantine = failures >= MAX_PARSE_FAILURES;
        await updateKnown((e) => ({
          ...e,
          parseFailures: failures,
          rawPath: relRaw,
          lastError: (err as Error).message.slice(0, 300),
          ...(quarantine ? { state: 'quarantined' as const } : {}),
        }));
        log.warn(
          { err, ledger: id, failures },
          quarantine ? 'email: quarantined a message that fails to parse' : 'email: parse failed; will retry',
        );
        return quarantine ? 'quarantine' : 'retry';
      }
      stage('parsed');

      // A true duplicate: same Message-ID (or bytes) and same content as a message we have.
      if (entry.duplicateOf && entry.state === 'received') {
        const original = (await getLedger(entry.duplicateOf))?.value as unknown as LedgerEntry | undefined;
        const originalHash = original?.contentHash;
        if (
          original &&
          (originalHash === undefined || originalHash === parsed.contentHash) &&
          original.state !== 'quarantined'
        ) {
          await updateKnown((e) => ({ ...e, state: 'duplicate', ticket: original.ticket, rawPath: relRaw }));
          return 'file';
        }
      }

      const ownIds = new Set<string>();
      if (parsed.messageId?.toLowerCase().endsWith(`@${config.messageIdDomain.toLowerCase()}`))
        ownIds.add(parsed.messageId);
      const verdict: MachineVerdict = classifyMachineMail({
        headers: parsed.headers,
        from: parsed.from?.address,
        contentType: parsed.contentType,
        messageId: parsed.messageId,
        ownDomain: config.messageIdDomain,
      });
      if (verdict.kind === 'bounce' && parsed.deliveryReport && parsed.deliveryReport.failedRecipients.length > 0) {
        await markFailing(parsed.deliveryReport.failedRecipients, parsed.deliveryReport.status ?? 'bounce');
      }

      const lang = detectLanguage(`${parsed.subject}\n${parsed.text}`);
      const sender = parsed.from?.address;
      const meta: Record<string, Json> = {
        ingestId: id,
        ...(parsed.messageId ? { messageId: parsed.messageId } : {}),
        ...(sender ? { from: sender } : {}),
        ...(parsed.from?.name ? { fromName: parsed.from.name } : {}),
        subject: parsed.subject,
        ...(parsed.html ? { html: parsed.html } : {}),
        ...(verdict.machine ? { machine: verdict.kind ?? 'auto-reply', machineReasons: verdict.reasons } : {}),
        ...(oversized ? { oversized: true, size: entry.size } : {}),
        rawPath: path.relative(deps.dataDir, rawPath),
      };
      const attachments = oversized ? [] : await storeAttachments(id, parsed.attachments);
      if (attachments.length > 0) meta.attachments = attachments;
      stage('attachments');

      let ticket: Ticket | undefined;
      let appended = false;
      // An earlier attempt may have opened the ticket: it said so ('creating'), or it was a
      // fresh attempt, which opens tickets of mail with a sender without saying so first.
      if (entry.state === 'creating' || (entry.state === 'received' && !fresh && sender !== undefined)) {
        ticket = await findCreatedTicket(id, parsed);
        // Died inside open(): the record exists but its first message may not.
        if (ticket && !(await alreadyAppended(ticket.number, id))) {
          await tickets.addMessage(ticket.number, verdict.machine ? systemActor : customerActor(parsed), {
            text: parsed.text,
            channel: 'email',
            meta,
          });
        }
      } else if (entry.state === 'appending' && entry.ticket) {
        ticket = await tickets.get(entry.ticket);
        appended = true;
        if (!(await alreadyAppended(entry.ticket, id))) {
          await tickets.addMessage(entry.ticket, verdict.machine ? systemActor : customerActor(parsed), {
            text: parsed.text,
            channel: 'email',
            meta,
          });
        }
      }

      if (!ticket) {
        const candidates = await candidatesFor(parsed, verdict.machine, ownIds);
        const decision = verdict.machine
          ? candidates[0]
            ? { kind: 'append' as const, number: candidates[0].number, via: candidates[0].via, reopen: false }
            : { kind: 'new' as const }
          : decideThread(sender, candidates);
        if (decision.kind === 'append') {
          await updateKnown((e) => ({
            ...e,
            state: 'appending',
            ticket: decision.number,
            rawPath: relRaw,
            oversized,
          }));
          stage('appending');
          if (decision.reopen) {
            await tickets.changeStatus(decision.number, 'queued', customerActor(parsed), 'customer replied by email');
          }
          ticket = await tickets.addMessage(decision.number, verdict.machine ? systemActor : customerActor(parsed), {
            text: parsed.text,
            channel: 'email',
            meta: { ...meta, threadedVia: decision.via },
          });
          appended = true;
          if (sender && !verdict.machine) await addParticipants(ticket, parsed);
        } else {
          // The 'creating' marker tells a retry to look for the ticket before opening one. A
          // fresh attempt with a sender needs no marker (a retry is never fresh and looks by
          // the sender's tickets anyway), which saves a durable write per new ticket. Mail
          // without a sender keeps it, so no retry ever has to scan every email ticket.
          if (!fresh || sender === undefined) {
            await updateKnown((e) => ({ ...e, state: 'creating', rawPath: relRaw, oversized }));
          }
          stage('creating');
          const participants = participantAddresses(parsed, config.ownAddresses);
          ticket = await tickets.open({
            type: 'email',
            channel: 'email',
            subject: parsed.subject.trim() || (lang === 'en' ? '(no subject)' : '（無主旨）'),
            customer: {
              ...(parsed.from?.name ? { name: parsed.from.name } : {}),
              ...(sender ? { email: sender } : {}),
              lang,
            },
            status: 'queued',
            priority: verdict.machine ? 'low' : undefined,
            actor: verdict.machine ? systemActor : customerActor(parsed),
            links: decision.linkTo ? [{ number: decision.linkTo.number, relation: 'related' }] : [],
            data: {
              email: {
                ingestId: id,
                mailbox: `${loc.account}/${loc.mailbox}`,
                ...(parsed.messageId ? { messageId: parsed.messageId } : {}),
                ...(verdict.machine ? { machine: verdict.kind } : {}),
                ...(oversized ? { oversized: true } : {}),
              },
              emailParticipants: participants,
            },
            firstMessage: { text: parsed.text, meta },
          });
          if (oversized) {
            await tickets.addNote(
              ticket.number,
              systemActor,
              `Email of ${entry.size} bytes is over the ${config.maxBytes}-byte limit: only its headers were read, attachments were not downloaded. The sender was told.`,
            );
          }
        }
      }
      stage('ticket');
      if (parsed.messageId) {
        await recordThreadId(store, parsed.messageId, { ticket: ticket.number, direction: 'in', at: clock.now() });
      }
      if (!verdict.machine) await queueAck(entry.receivedAt, ticket, parsed, lang, oversized);
      const number = ticket.number;
      await updateKnown((e) => ({
        ...e,
        state: 'ticketed',
        ticket: number,
        appended,
        rawPath: relRaw,
        oversized,
        contentHash: parsed.contentHash,
      }));
      if (ticketedCopies.size >= MAX_FRESH_ENTRIES) ticketedCopies.clear();
      ticketedCopies.set(id, known);
      stage('ticketed');
      return 'file';
    },

    async filed(loc) {
      const id = ledgerId(loc);
      try {
        const known = ticketedCopies.get(id);
        ticketedCopies.delete(id);
        await updateLedger(
          id,
          (e) => (e.state === 'ticketed' || e.state === 'duplicate' ? { ...e, state: 'filed' } : e),
          known,
        );
      } catch (err) {
        log.warn({ err, ledger: id }, 'email: could not mark a message filed');
      }
    },

    async ledger(loc) {
      return (await getLedger(ledgerId(loc)))?.value as unknown as LedgerEntry | undefined;
    },

    quarantinedCount() {
      return store.records.count(LEDGER_COLLECTION, { name: 'state', value: 'quarantined' });
    },
  };

  async function addParticipants(ticket: Ticket, p: ParsedEmail): Promise<void> {
    const current = participantsOf(ticket);
    const extra = participantAddresses(p, config.ownAddresses).filter((a) => !current.includes(a));
    if (extra.length > 0) {
      await tickets.mergeData(ticket.number, { emailParticipants: [...current, ...extra].slice(0, 50) }, systemActor);
    }
  }
}

/** The customer and the thread's participants, lower case. */
export function participantsOf(t: Ticket): string[] {
  const list = Array.isArray(t.data.emailParticipants) ? (t.data.emailParticipants as string[]) : [];
  const out = new Set(list.map((a) => a.toLowerCase()));
  if (t.customer.email) out.add(t.customer.email.toLowerCase());
  return [...out];
}

function participantAddresses(p: ParsedEmail, own: string[]): string[] {
  const list = [p.from, p.replyTo, ...p.cc]
    .filter((a): a is NonNullable<typeof a> => a !== undefined)
    .map((a) => a.address);
  return [...new Set(list)].filter((a) => !own.includes(a)).slice(0, 20);
}

/** A ledger entry with the version it was read or written at (for compare-and-set). */
interface LedgerCopy {
  version: number;
  value: LedgerEntry;
}

/** Bound on `freshEntries` (ids only); past it the set is dropped and retries take the safe path. */
const MAX_FRESH_ENTRIES = 50_000;

async function exists(file: string): Promise<boolean> {
  try {
    await fs.promises.access(file);
    return true;
  } catch {
    return false;
  }
}

function ledgerIndexes(e: LedgerEntry): Record<string, string> {
  return { state: e.state, mailbox: `${e.account}/${e.mailbox}` };
}

function toJson(v: unknown): Json {
  return JSON.parse(JSON.stringify(v)) as Json;
}
