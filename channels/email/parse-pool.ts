/**
 * Parses big emails on a worker thread, small ones in place.
 *
 * Why: parsing a mail with a 10 MB attachment takes the event loop 100 ms or more (decoding
 * base64, splitting MIME), during which no chat message, console call or other mail moves;
 * twenty such mails were about a seventh of the email benchmark's main-thread time. A mail
 * under `inlineBelowBytes` (almost all of them) is parsed in place: the thread hop would cost
 * more than the parse.
 *
 * Guarantees:
 * - The result is what `parseEmail` gives in place (attachments as Buffers), and its errors keep
 *   their codes (ERR_EMAIL_PARSE for malformed or over-limit MIME).
 * - A hostile mail cannot take the process down through the parser: the thread has its own
 *   memory limit, and a thread that dies fails its pending parses with ERR_EMAIL_PARSE (which
 *   counts toward the message's quarantine) and is replaced at the next big mail.
 * - The thread keeps the process alive only while a parse is pending; `close` stops it.
 */
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { KefuError } from '../../app/errors';
import { fromWire, startWorker, type WireError } from '../../app/worker-thread';
import { type ParsedEmail, type ParseLimits, parseEmail } from './parse';

/** Mails at least this big are parsed on the thread. */
const DEFAULT_INLINE_BELOW_BYTES = 256 * 1024;
/** The parse thread's heap: a 25 MB mail parses in well under this; a MIME bomb does not. */
const THREAD_HEAP_MB = 512;

export interface ParseRequest {
  id: number;
  raw: Uint8Array;
  limits: ParseLimits;
}

export type ParseReply = { id: number; ok: true; parsed: ParsedEmail } | { id: number; ok: false; error: WireError };

export interface EmailParser {
  parse(raw: Buffer, limits: ParseLimits): Promise<ParsedEmail>;
}

export class ParsePool implements EmailParser {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, { resolve: (p: ParsedEmail) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: { inlineBelowBytes?: number } = {}) {}

  parse(raw: Buffer, limits: ParseLimits): Promise<ParsedEmail> {
    if (this.closed || raw.length < (this.options.inlineBelowBytes ?? DEFAULT_INLINE_BELOW_BYTES)) {
      return parseEmail(raw, limits);
    }
    const worker = this.thread();
    const id = this.nextId++;
    return new Promise<ParsedEmail>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      // Exactly the mail's bytes, copied once and handed over (not copied again).
      const bytes = new Uint8Array(raw);
      const request: ParseRequest = { id, raw: bytes, limits };
      worker.postMessage(request, [bytes.buffer]);
    });
  }

  /** Stops the thread; pending parses fail, later ones run in place. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.failPending('the email parser was closed');
    await worker?.terminate();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker(path.join(__dirname, `parse-worker${path.extname(__filename)}`), undefined, {
      maxOldGenerationSizeMb: THREAD_HEAP_MB,
    });
    worker.unref();
    worker.on('message', (reply: ParseReply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (reply.ok) waiter.resolve(revive(reply.parsed));
      else waiter.reject(fromWire(reply.error));
    });
    const gone = (reason: string) => {
      if (this.worker === worker) this.worker = undefined;
      this.failPending(reason);
    };
    worker.on('error', (err) => gone(`the email parser thread failed: ${err.message}`));
    worker.on('exit', (code) => gone(`the email parser thread stopped (exit code ${code})`));
    this.worker = worker;
    return worker;
  }

  private failPending(reason: string): void {
    for (const [id, waiter] of this.pending) {
      this.pending.delete(id);
      waiter.reject(new KefuError('ERR_EMAIL_PARSE', reason, {}));
    }
  }
}

/** A structured clone turns Buffers into Uint8Arrays: make the attachments Buffers again. */
function revive(parsed: ParsedEmail): ParsedEmail {
  for (const a of parsed.attachments) {
    const c = a.content as Uint8Array;
    a.content = Buffer.from(c.buffer, c.byteOffset, c.byteLength);
  }
  return parsed;
}
