/**
 * The ingest use case: one received email becomes (part of) a ticket, exactly once.
 *
 * Steps, each safe to repeat after a crash between any two of them
 * (reliability-lessons.md, "Duplicate tickets after a crash", "Silent loss"):
 * 1. `begin`: the ledger entry is created under (account, mailbox, UIDVALIDITY, UID), with a
 *    per-channel hash of the Message-ID claimed in the same commit — before the message is
 *    even downloaded. `beginMany` does a whole batch in one commit.
 * 2. `process`: the raw bytes are appended to a segment file (`RawMailStore`; mail without
 *    Message-ID is keyed by a hash of its bytes), parsed with limits (three failures → quarantined, never blocking the next
 *    mail), classified (machine mail is stored, never acknowledged; a bounce marks the
 *    address failing), threaded, and turned into a ticket or a message on one. Everything that
 *    step writes — the ticket (or the message on it), its history and SLA timer, the
 *    Message-ID for threading, the acknowledgement in the outbox, the failing addresses and the
 *    ledger entry saying 'ticketed' — is one unit of work (`Store.commit`): a crash leaves all
 *    of it or none, so a retry either finds the entry 'ticketed' or starts from a clean slate.
 *    (A crash just before the commit only skips the ticket number it had reserved.) The
 *    acknowledgement's outbox id is made of ticket, recipient and day of receipt, so that
 *    record is also the "one per sender per thread per day" throttle.
 * 3. `filed`: after the poller flagged \Seen and moved the message (last), the entry is closed
 *    (`filedMany`: a whole move in one commit).
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
import type { Actor, TicketDraft, TicketService } from '../../handoff/tickets/ticket-service';
import type { Ticket } from '../../handoff/tickets/ticket';
import type { KnowledgeService } from '../../knowledge/types';
import type { Json, Store, StoreWrite } from '../../storage/port';
import { composeAcknowledgement, findKnowledgeAnswers } from './acknowledgement';
import { detectLanguage } from './language';
import { classifyMachineMail, type MachineVerdict } from './machine-mail';
import type { Outbox } from './outbox';
import { RawMailStore, type RawRef } from './raw-store';
import { headerSafe, isControl, type ParsedAttachment, type ParsedEmail, parseEmail } from './parse';
import { decideThread, type ThreadCandidate, ticketNumberInSubject } from './threading';
import { lookupThreadId, threadIdWrite } from './thread-ids';

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

export type LedgerState = 'received' | 'ticketed' | 'duplicate' | 'quarantined' | 'filed';

export interface LedgerEntry extends MailLocation {
  state: LedgerState;
  size: number;
  receivedAt: number;
  messageId?: string;
  /** Key of the Message-ID (or raw-bytes) hash record. */
  dedupeKey?: string;
  /** Where the raw bytes are kept (see RawMailStore). */
  raw?: RawRef;
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
  store: Pick<Store, 'records' | 'streams' | 'kv' | 'timers' | 'commit'>;
  tickets: TicketService;
  outbox: Outbox;
  clock: Clock;
  log: Logger;
  calendar: BusinessCalendar;
  knowledge?: KnowledgeService;
  /** Folder for raw mail and attachments (e.g. DATA_DIR/mail). */
  dataDir: string;
  /** Where raw mail is appended (created on `dataDir` when absent; close it on shutdown). */
  rawStore?: RawMailStore;
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
   * `begin` for a batch, in one commit for the entries that are new. Of messages sharing a
   * Message-ID the first one listed claims it (list them in UID order).
   */
  beginMany(items: Array<{ loc: MailLocation; size: number; messageId?: string }>): Promise<Disposition[]>;
  /**
   * Step 2: keeps the raw bytes and turns them into a ticket. `raw` is the whole message, or
   * only its header block when the size is over the limit (then `oversized`).
   */
  process(loc: MailLocation, raw: Buffer, options?: { oversized?: boolean }): Promise<Disposition>;
  /** Step 3: the poller flagged and moved the message. */
  filed(loc: MailLocation): Promise<void>;
  /** `filed` for every message of one move, in one commit. */
  filedMany(locs: MailLocation[]): Promise<void>;
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
  const rawStore = deps.rawStore ?? new RawMailStore(deps.dataDir);
  const stage = (name: string) => deps.stageHook?.(name);
  const customerActor = (p: ParsedEmail): Actor => ({
    kind: 'customer',
    ...(p.from ? { id: p.from.address } : {}),
    ...(p.from?.name ? { name: p.from.name } : {}),
  });
  const systemActor: Actor = { kind: 'system', id: 'email' };
  /**
   * The ledger entries this instance wrote last, with their version, so that the next step
   * (process after begin, filed after process) compares-and-sets without reading first. Only
   * this instance writes a mailbox's entries (the poller holds a lease), so a copy is nearly
   * always current; a stale one costs a conflict and a fresh read, never a wrong write.
   * Bounded: past the cap the map is dropped and the next steps read.
   */
  const copies = new Map<string, LedgerCopy>();
  const remember = (id: string, copy: LedgerCopy) => {
    if (copies.size >= MAX_COPIES) copies.clear();
    copies.set(id, copy);
  };

  async function readLedger(id: string): Promise<LedgerCopy | undefined> {
    const got = await store.records.get<Json>(LEDGER_COLLECTION, id);
    return got ? { version: got.version, value: got.value as unknown as LedgerEntry } : undefined;
  }

  /** The write that moves a ledger entry from the version in `copy` to `next`. */
  function ledgerWrite(id: string, copy: LedgerCopy, next: LedgerEntry): StoreWrite {
    return {
      kind: 'record.replace',
      collection: LEDGER_COLLECTION,
      id,
      expectedVersion: copy.version,
      value: toJson(next),
      indexes: ledgerIndexes(next),
    };
  }

  /**
   * Compare-and-set on a ledger entry, with `extra` writes in the same commit. `known` is the
   * caller's last copy (a stale one just costs the conflict and a fresh read); it is updated.
   */
  async function updateLedger(
    id: string,
    fn: (e: LedgerEntry) => LedgerEntry,
    known?: LedgerCopy,
  ): Promise<LedgerEntry> {
    let copy = known;
    for (let i = 0; i < CAS_RETRIES; i++) {
      copy ??= await readLedger(id);
      if (!copy) throw new KefuError('ERR_STORE_NOT_FOUND', `no ledger entry ${id}`, { id });
      const next = fn(copy.value);
      if (next === copy.value) return next;
      try {
        const [result] = await store.commit([ledgerWrite(id, copy, next)]);
        const saved = { version: (result as { version: number }).version, value: next };
        if (known) Object.assign(known, saved);
        remember(id, saved);
        return next;
      } catch (err) {
        if (!isKefuError(err, 'ERR_STORE_CONFLICT')) throw err;
        copy = undefined;
      }
    }
    throw new KefuError('ERR_STORE_CONFLICT', `ledger entry ${id} kept changing`, { id });
  }

  /** Claims the dedupe key for this entry; returns the entry that had it first. */
  async function claimDedupeKey(key: string, id: string): Promise<string> {
    const [claimed] = await store.commit([dedupeWrite(key, id, clock.now())]);
    if ((claimed as { created: boolean }).created) return id;
    return dedupeOwner(key, id);
  }

  async function dedupeOwner(key: string, fallback: string): Promise<string> {
    const rec = await store.records.get<Json>(MESSAGE_IDS_COLLECTION, key);
    return String((rec?.value as { ledgerId?: string } | undefined)?.ledgerId ?? fallback);
  }

  const madeDirs = new Set<string>();
  /**
   * Writes an attachment file atomically (temp + rename) unless it exists already (a retry).
   * Asynchronous: creating a file costs this disk about half a millisecond, which on the main
   * thread would stall every other message in flight.
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

  /** Writes marking bounced addresses as failing (the first report wins). */
  function failingWrites(addresses: string[], reason: string): StoreWrite[] {
    return [...new Set(addresses.map((a) => a.toLowerCase()))].map((address) => ({
      kind: 'record.create',
      collection: FAILING_ADDRESSES_COLLECTION,
      id: address,
      value: { address, since: clock.now(), reason },
      ifAbsent: true,
    }));
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

  /** Who an acknowledgement would go to: the reply-to or sender, never our own mailboxes. */
  function ackRecipient(p: ParsedEmail): string | undefined {
    const to = p.replyTo?.address ?? p.from?.address;
    return to && !config.ownAddresses.includes(to) ? to : undefined;
  }

  /**
   * The acknowledgement's writes, or none: no recipient, a failing address (`failing`, asked
   * for early, side by side with the ticket's reads), an acknowledgement already queued on this
   * thread today, or the breaker open.
   */
  async function planAck(
    receivedAt: number,
    draft: TicketDraft,
    p: ParsedEmail,
    lang: 'zh-TW' | 'en',
    oversized: boolean,
    failing: Promise<boolean>,
    breaker: { open?: boolean },
  ): Promise<StoreWrite[]> {
    const to = ackRecipient(p);
    if (!to || (await failing)) return [];
    const ticket = draft.ticket;
    // At most one acknowledgement per sender per thread per (desk-local) day of receipt: the
    // outbox id is that triple, and the outbox creates each id once, so the outbox record is
    // the throttle. The day comes from the ledger (set once in `begin`). A ticket being opened
    // has none yet.
    const day = localParts(receivedAt, deps.calendar.timeZone).date;
    const outboxId = `ack:${ticket.number}:${hash(to.toLowerCase(), day).slice(0, 24)}`;
    if (!draft.isNew && (await deps.outbox.get(outboxId))) return [];
    // Global breaker: a flood of mail (or a loop we failed to see) cannot make us a spammer.
    // Counted once per message, however often its commit is retried, and the answer kept.
    if (breaker.open === undefined) {
      const hourKey = `email-ack-breaker:${Math.floor(clock.now() / 3_600_000)}`;
      const sentThisHour = await store.kv.increment(hourKey, 1, 2 * 3_600_000);
      breaker.open = sentThisHour > config.ackMaxPerHour;
      if (breaker.open) {
        log.warn(
          { ticket: ticket.number, sentThisHour },
          'email: acknowledgement breaker open; no acknowledgement sent',
        );
      }
    }
    if (breaker.open) return [];
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
    return deps.outbox.plan({
      id: outboxId,
      kind: 'ack',
      ticket: ticket.number,
      to,
      subject: mail.subject,
      text: mail.text,
      inReplyTo: p.messageId,
      references: p.messageId ? [...p.references, p.messageId].slice(-20) : p.references,
    }).writes;
  }

  /** The ticket this mail opens or joins, with its changes drafted (nothing stored yet). */
  async function draftTicket(
    loc: MailLocation,
    entry: LedgerEntry,
    parsed: ParsedEmail,
    verdict: MachineVerdict,
    meta: Record<string, Json>,
    lang: 'zh-TW' | 'en',
    oversized: boolean,
  ): Promise<{ draft: TicketDraft; appended: boolean }> {
    const sender = parsed.from?.address;
    const actor = verdict.machine ? systemActor : customerActor(parsed);
    const ownIds = new Set<string>();
    if (parsed.messageId?.toLowerCase().endsWith(`@${config.messageIdDomain.toLowerCase()}`))
      ownIds.add(parsed.messageId);
    const candidates = await candidatesFor(parsed, verdict.machine, ownIds);
    const decision = verdict.machine
      ? candidates[0]
        ? { kind: 'append' as const, number: candidates[0].number, via: candidates[0].via, reopen: false }
        : { kind: 'new' as const }
      : decideThread(sender, candidates);
    if (decision.kind === 'append') {
      const draft = await tickets.draft(decision.number);
      if (decision.reopen) draft.changeStatus('queued', customerActor(parsed), 'customer replied by email');
      draft.addMessage(actor, { text: parsed.text, channel: 'email', meta: { ...meta, threadedVia: decision.via } });
      if (sender && !verdict.machine) {
        const current = participantsOf(draft.ticket);
        const extra = participantAddresses(parsed, config.ownAddresses).filter((a) => !current.includes(a));
        if (extra.length > 0) {
          draft.mergeData({ emailParticipants: [...current, ...extra].slice(0, 50) }, systemActor);
        }
      }
      return { draft, appended: true };
    }
    const draft = await tickets.draftNew({
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
      actor,
      links: decision.linkTo ? [{ number: decision.linkTo.number, relation: 'related' }] : [],
      data: {
        email: {
          ingestId: ledgerId(loc),
          mailbox: `${loc.account}/${loc.mailbox}`,
          ...(parsed.messageId ? { messageId: parsed.messageId } : {}),
          ...(verdict.machine ? { machine: verdict.kind } : {}),
          ...(oversized ? { oversized: true } : {}),
        },
        emailParticipants: participantAddresses(parsed, config.ownAddresses),
      },
      firstMessage: { text: parsed.text, meta },
    });
    if (oversized) {
      draft.addNote(
        systemActor,
        `Email of ${entry.size} bytes is over the ${config.maxBytes}-byte limit: only its headers were read, attachments were not downloaded. The sender was told.`,
      );
    }
    return { draft, appended: false };
  }

  /** The ledger entry and dedupe claim of a new message, before any is written. */
  function newEntry(loc: MailLocation, meta: { size: number; messageId?: string }): LedgerEntry {
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
      entry.dedupeKey = hash('message-id', loc.account, messageId.toLowerCase());
    }
    return entry;
  }

  /** What to do with a message whose ledger entry already existed (a retry, or a second look). */
  async function resume(id: string, current: LedgerEntry): Promise<Disposition> {
    if (current.state === 'ticketed' || current.state === 'duplicate' || current.state === 'filed') return 'file';
    if (current.state === 'quarantined') return 'quarantine';
    if (current.state === 'received' && current.dedupeKey && current.duplicateOf === undefined) {
      // The entry and its claim are one commit, but an entry whose claim another message held
      // is marked `duplicateOf` in a second write: a crash between the two leaves it unmarked.
      // Settle it (for an entry that owns its claim this only reads the claim back).
      const owner = await claimDedupeKey(current.dedupeKey, id);
      if (owner !== id) await updateLedger(id, (e) => ({ ...e, duplicateOf: owner }));
      stage('message-id');
    }
    return 'download';
  }

  const ingest: Ingest = {
    async begin(loc, meta) {
      const [d] = await ingest.beginMany([{ loc, ...meta }]);
      return d ?? 'retry';
    },

    async beginMany(items) {
      const ids = items.map((i) => ledgerId(i.loc));
      const found = await store.records.getMany<Json>(LEDGER_COLLECTION, ids);
      const writes: StoreWrite[] = [];
      const fresh = new Map<string, { entry: LedgerEntry; claims: boolean }>();
      const claimedHere = new Map<string, string>();
      for (const [i, item] of items.entries()) {
        const id = ids[i] as string;
        if (found[i] || fresh.has(id)) continue;
        const entry = newEntry(item.loc, item);
        // The first of several messages with one Message-ID claims it; the later ones are its
        // duplicates from the start.
        const firstOwner = entry.dedupeKey ? claimedHere.get(entry.dedupeKey) : undefined;
        if (firstOwner) entry.duplicateOf = firstOwner;
        else if (entry.dedupeKey) claimedHere.set(entry.dedupeKey, id);
        fresh.set(id, { entry, claims: entry.dedupeKey !== undefined && !firstOwner });
        writes.push({
          kind: 'record.create',
          collection: LEDGER_COLLECTION,
          id,
          value: toJson(entry),
          indexes: ledgerIndexes(entry),
        });
        if (entry.dedupeKey && !firstOwner) writes.push(dedupeWrite(entry.dedupeKey, id, entry.receivedAt));
      }
      let results: Awaited<ReturnType<Store['commit']>> = [];
      try {
        results = await store.commit(writes);
      } catch (err) {
        // Someone else created one of the entries meanwhile: take them one at a time.
        if (!isKefuError(err, 'ERR_STORE_EXISTS') || items.length === 1) throw err;
        const out: Disposition[] = [];
        for (const item of items) out.push(await ingest.begin(item.loc, item));
        return out;
      }
      // Read back the claims that an earlier message (another batch) holds.
      let r = 0;
      const lostClaims: Array<{ id: string; key: string }> = [];
      for (const [id, { entry, claims }] of fresh) {
        r++; // the entry's create
        if (claims) {
          const claim = results[r++] as { created: boolean };
          if (!claim.created && entry.dedupeKey) lostClaims.push({ id, key: entry.dedupeKey });
        }
        remember(id, { version: 1, value: entry });
      }
      for (const { id, key } of lostClaims) {
        const owner = await dedupeOwner(key, id);
        if (owner !== id) await updateLedger(id, (e) => ({ ...e, duplicateOf: owner }), copies.get(id));
      }
      const out: Disposition[] = [];
      for (const [i, id] of ids.entries()) {
        stage('ledger');
        const before = found[i];
        out.push(before ? await resume(id, before.value as unknown as LedgerEntry) : 'download');
      }
      return out;
    },

    async process(loc, rawBytes, options = {}) {
      const id = ledgerId(loc);
      let known = copies.get(id) ?? (await readLedger(id));
      if (!known) throw new KefuError('ERR_STORE_NOT_FOUND', `no ledger entry ${id}; call begin first`, { id });
      let entry = known.value;
      if (entry.state === 'ticketed' || entry.state === 'duplicate' || entry.state === 'filed') return 'file';
      if (entry.state === 'quarantined') return 'quarantine';
      const oversized = options.oversized === true;
      const update = (fn: (e: LedgerEntry) => LedgerEntry) => updateLedger(id, fn, known);

      // Keep the raw bytes (a bad decode can be redone; quarantined mail stays readable). An
      // earlier attempt that failed to parse kept them already.
      const raw = entry.raw ?? (await rawStore.put(id, rawBytes));
      stage('raw');
      if (!entry.dedupeKey) {
        const key = hash('raw', loc.account, createHash('sha256').update(rawBytes).digest('hex'));
        const owner = await claimDedupeKey(key, id);
        entry = await update((e) => ({
          ...e,
          dedupeKey: key,
          raw,
          ...(owner !== id ? { duplicateOf: owner } : {}),
        }));
      }

      let parsed: ParsedEmail;
      try {
        const input = oversized ? Buffer.concat([rawBytes, Buffer.from('\r\n\r\n')]) : rawBytes;
        parsed = await parseEmail(input, { maxParts: config.maxParts });
      } catch (err) {
        const failures = entry.parseFailures + 1;
        const quarantine = failures >= MAX_PARSE_FAILURES;
        await update((e) => ({
          ...e,
          parseFailures: failures,
          raw,
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
      if (entry.duplicateOf) {
        const original = (await readLedger(entry.duplicateOf))?.value;
        const originalHash = original?.contentHash;
        if (
          original &&
          (originalHash === undefined || originalHash === parsed.contentHash) &&
          original.state !== 'quarantined'
        ) {
          await update((e) => ({ ...e, state: 'duplicate', ticket: original.ticket, raw }));
          return 'file';
        }
      }

      const verdict: MachineVerdict = classifyMachineMail({
        headers: parsed.headers,
        from: parsed.from?.address,
        contentType: parsed.contentType,
        messageId: parsed.messageId,
        ownDomain: config.messageIdDomain,
      });
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
        raw,
      };
      const attachments = oversized ? [] : await storeAttachments(id, parsed.attachments);
      if (attachments.length > 0) meta.attachments = attachments;
      stage('attachments');

      // One unit of work: ticket, history, timers, thread id, acknowledgement, failing
      // addresses and the ledger. Lost to a concurrent change (another mail on the same
      // ticket), it is drafted again from fresh reads.
      const breaker: { open?: boolean } = {};
      const recipient = verdict.machine ? undefined : ackRecipient(parsed);
      const failing = recipient ? isFailing(recipient) : Promise.resolve(false);
      failing.catch(() => undefined); // awaited below; a failure then fails the attempt
      for (let attempt = 0; ; attempt++) {
        const { draft, appended } = await draftTicket(loc, entry, parsed, verdict, meta, lang, oversized);
        const ticket = draft.ticket;
        const next: LedgerEntry = {
          ...entry,
          state: 'ticketed',
          ticket: ticket.number,
          appended,
          raw,
          oversized,
          contentHash: parsed.contentHash,
        };
        const writes: StoreWrite[] = [
          ...draft.writes(),
          ...(parsed.messageId
            ? [threadIdWrite(parsed.messageId, { ticket: ticket.number, direction: 'in', at: clock.now() })]
            : []),
          ...(verdict.kind === 'bounce' && parsed.deliveryReport
            ? failingWrites(parsed.deliveryReport.failedRecipients, parsed.deliveryReport.status ?? 'bounce')
            : []),
          ...(verdict.machine ? [] : await planAck(entry.receivedAt, draft, parsed, lang, oversized, failing, breaker)),
          ledgerWrite(id, known, next),
        ];
        stage('planned');
        try {
          const results = await store.commit(writes);
          const saved = results[results.length - 1] as { version: number };
          remember(id, { version: saved.version, value: next });
          stage('ticketed');
          return 'file';
        } catch (err) {
          const retriable = isKefuError(err, 'ERR_STORE_CONFLICT') || isKefuError(err, 'ERR_STORE_EXISTS');
          if (!retriable || attempt >= CAS_RETRIES) throw err;
          known = await readLedger(id);
          if (!known) throw err;
          entry = known.value;
          if (entry.state !== 'received') return entry.state === 'quarantined' ? 'quarantine' : 'file';
        }
      }
    },

    async filed(loc) {
      await ingest.filedMany([loc]);
    },

    async filedMany(locs) {
      const ids = locs.map(ledgerId);
      const close = (e: LedgerEntry): LedgerEntry =>
        e.state === 'ticketed' || e.state === 'duplicate' ? { ...e, state: 'filed' } : e;
      const known = ids.map((id) => ({ id, copy: copies.get(id) }));
      for (const id of ids) copies.delete(id);
      // The common case: every entry was just written here, so one commit closes them all.
      if (known.every((k) => k.copy !== undefined)) {
        const writes: StoreWrite[] = [];
        for (const { id, copy } of known) {
          if (copy && close(copy.value) !== copy.value) writes.push(ledgerWrite(id, copy, close(copy.value)));
        }
        try {
          await store.commit(writes);
          return;
        } catch (err) {
          if (!isKefuError(err, 'ERR_STORE_CONFLICT') && !isKefuError(err, 'ERR_STORE_NOT_FOUND')) {
            log.warn({ err, messages: ids.length }, 'email: could not mark messages filed');
            return;
          }
        }
      }
      // Otherwise one by one, each from a fresh read.
      for (const id of ids) {
        try {
          await updateLedger(id, close);
          copies.delete(id);
        } catch (err) {
          log.warn({ err, ledger: id }, 'email: could not mark a message filed');
        }
      }
    },

    async ledger(loc) {
      return (await readLedger(ledgerId(loc)))?.value;
    },

    quarantinedCount() {
      return store.records.count(LEDGER_COLLECTION, { name: 'state', value: 'quarantined' });
    },
  };
  return ingest;
}

/** The write claiming a Message-ID (or raw-bytes) hash for a ledger entry; the first claim wins. */
function dedupeWrite(key: string, ledger: string, at: number): StoreWrite {
  return {
    kind: 'record.create',
    collection: MESSAGE_IDS_COLLECTION,
    id: key,
    value: { ledgerId: ledger, at },
    ifAbsent: true,
  };
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

async function exists(file: string): Promise<boolean> {
  try {
    await fs.promises.access(file);
    return true;
  } catch {
    return false;
  }
}

/** Bound on the ledger copies kept between steps. */
const MAX_COPIES = 50_000;

function ledgerIndexes(e: LedgerEntry): Record<string, string> {
  return { state: e.state, mailbox: `${e.account}/${e.mailbox}` };
}

/**
 * A ledger entry as the store takes it. No copy: both adapters keep values as JSON, which drops
 * the fields left undefined, and an entry object is never changed after it is written.
 */
function toJson(v: LedgerEntry): Json {
  return v as unknown as Json;
}
