/**
 * An in-process SMTP server (npm `smtp-server`) that captures what Kefu sends, for tests of
 * the outgoing mail path with a real SMTP conversation instead of a mocked transport.
 *
 * Guarantees:
 * - It listens on 127.0.0.1 on a free port, without TLS, and accepts any credentials (or
 *   none) unless `requireAuth` is set; each accepted message is recorded with its envelope,
 *   the raw bytes exactly as received and the mailparser result.
 * - `failNext(n)` makes the next n messages fail at end of DATA with a temporary (4xx)
 *   reply, so tests can prove that sending is retried; failed attempts are counted and kept
 *   in `rejected`, never in `messages`.
 * - `waitFor` resolves with the first captured message matching a predicate, whether it
 *   arrived before or after the call, and rejects with a list of what did arrive on timeout.
 * - `close()` ends every open connection, so a test run never hangs on a client.
 */
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface CapturedMessage {
  /** MAIL FROM address ('' for a null sender `<>`). */
  mailFrom: string;
  /** RCPT TO addresses in the order given. */
  rcptTo: string[];
  /** The authenticated user name, when the client logged in. */
  user?: string;
  /** The message exactly as received (after dot-unstuffing). */
  raw: Buffer;
  parsed: ParsedMail;
  receivedAt: Date;
}

export interface RejectedAttempt {
  mailFrom: string;
  rcptTo: string[];
  raw: Buffer;
  /** The SMTP reply code sent back (4xx). */
  code: number;
}

export interface AuthAttempt {
  method: string;
  username?: string;
  /** True when the credentials were accepted. */
  accepted: boolean;
}

export interface SmtpCaptureOptions {
  /** When set, only these credentials are accepted and unauthenticated mail is refused. */
  requireAuth?: { user: string; pass: string };
}

export interface SmtpCapture {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Messages accepted so far, oldest first. */
  readonly messages: readonly CapturedMessage[];
  /** Messages refused because of `failNext`, oldest first. */
  readonly rejected: readonly RejectedAttempt[];
  readonly authAttempts: readonly AuthAttempt[];
  /** Nodemailer transport options that reach this server. */
  readonly transportOptions: {
    host: string;
    port: number;
    secure: false;
    ignoreTLS: true;
    auth?: { user: string; pass: string };
  };
  /**
   * Resolves with the first accepted message matching `predicate` (default: any).
   * @throws Error when none arrives within `timeoutMs` (default 10000), listing what did arrive.
   */
  waitFor(predicate?: (m: CapturedMessage) => boolean, timeoutMs?: number): Promise<CapturedMessage>;
  /** Resolves once `count` messages have been accepted. @throws Error on timeout. */
  waitForCount(count: number, timeoutMs?: number): Promise<readonly CapturedMessage[]>;
  /** Makes the next `count` messages fail with a temporary error (default 451 4.3.0). */
  failNext(count: number, reply?: { code?: number; message?: string }): void;
  /** Forgets captured and rejected messages (failNext and credentials stay). */
  clear(): void;
  close(): Promise<void>;
}

type Waiter = {
  predicate: (m: CapturedMessage) => boolean;
  resolve: (m: CapturedMessage) => void;
};

/**
 * Starts a capturing SMTP server on a free port.
 * @throws Error when the server cannot listen.
 */
export async function startSmtpCapture(options: SmtpCaptureOptions = {}): Promise<SmtpCapture> {
  const messages: CapturedMessage[] = [];
  const rejected: RejectedAttempt[] = [];
  const authAttempts: AuthAttempt[] = [];
  const waiters = new Set<Waiter>();
  let failures: { left: number; code: number; message: string } = { left: 0, code: 451, message: '' };

  const server = new SMTPServer({
    logger: false,
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: !options.requireAuth,
    authMethods: ['PLAIN', 'LOGIN'],
    disableReverseLookup: true,
    size: 50 * 1024 * 1024,
    onAuth(auth, _session, callback) {
      const required = options.requireAuth;
      const accepted = !required || (auth.username === required.user && auth.password === required.pass);
      authAttempts.push({ method: auth.method, username: auth.username, accepted });
      if (!accepted) return callback(new Error('Invalid username or password'));
      return callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.once('error', (err: Error) => callback(err));
      stream.once('end', () => {
        const raw = Buffer.concat(chunks);
        const envelope = envelopeOf(session);
        if (failures.left > 0) {
          failures.left -= 1;
          rejected.push({ ...envelope, raw, code: failures.code });
          return callback(smtpError(failures.code, failures.message));
        }
        simpleParser(raw).then(
          (parsed) => {
            const captured: CapturedMessage = {
              ...envelope,
              user: typeof session.user === 'string' ? session.user : undefined,
              raw,
              parsed,
              receivedAt: new Date(),
            };
            messages.push(captured);
            for (const w of [...waiters]) {
              if (w.predicate(captured)) {
                waiters.delete(w);
                w.resolve(captured);
              }
            }
            callback(null, `Captured as message ${messages.length}`);
          },
          (err: Error) => callback(smtpError(554, `Cannot parse message: ${err.message}`)),
        );
      });
    },
  });
  server.on('error', () => {
    // Client-side protocol errors are the test's business; they must not crash the run.
  });

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.server.removeListener('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;

  const waitFor = (predicate: (m: CapturedMessage) => boolean = () => true, timeoutMs = 10_000) => {
    const found = messages.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise<CapturedMessage>((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`no matching message within ${timeoutMs} ms; captured: ${describe(messages, rejected)}`));
      }, timeoutMs);
      waiters.add(waiter);
    });
  };

  let closed: Promise<void> | undefined;
  return {
    host: '127.0.0.1',
    port,
    messages,
    rejected,
    authAttempts,
    transportOptions: {
      host: '127.0.0.1',
      port,
      secure: false,
      ignoreTLS: true,
      ...(options.requireAuth ? { auth: { ...options.requireAuth } } : {}),
    },
    waitFor,
    async waitForCount(count, timeoutMs = 10_000) {
      let seen = 0;
      await waitFor(() => ++seen >= count, timeoutMs).catch((err: Error) => {
        throw new Error(`expected ${count} messages, got ${messages.length}: ${err.message}`);
      });
      return messages.slice(0, count);
    },
    failNext(count, reply = {}) {
      const code = reply.code ?? 451;
      if (code < 400 || code > 599) throw new RangeError('an SMTP failure reply code is 4xx or 5xx');
      failures = { left: count, code, message: reply.message ?? '4.3.0 Temporary failure, try again later' };
    },
    clear() {
      messages.length = 0;
      rejected.length = 0;
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        // smtp-server waits for open connections for a while; end them now.
        server.close(() => resolve());
        for (const connection of server.connections) connection.close();
      });
      return closed;
    },
  };
}

function envelopeOf(session: SMTPServerSession): { mailFrom: string; rcptTo: string[] } {
  const from = session.envelope.mailFrom;
  return {
    mailFrom: from === false ? '' : from.address,
    rcptTo: session.envelope.rcptTo.map((r) => r.address),
  };
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

function describe(messages: readonly CapturedMessage[], rejected: readonly RejectedAttempt[]): string {
  const accepted = messages.map((m) => `${m.mailFrom} → ${m.rcptTo.join(',')} "${m.parsed.subject ?? ''}"`);
  return `[${accepted.join('; ')}] (+${rejected.length} rejected)`;
}
