/**
 * Structured logs (pino) with personal data and secrets kept out.
 *
 * Two defences: known sensitive field paths are redacted outright (passwords, tokens,
 * authorization headers, raw bodies), and every string that reaches the log line passes
 * through `maskText`, the same function the console uses, so a national ID or phone number
 * inside a message is masked too. Never log full request bodies.
 */
import pino, { type Logger } from 'pino';
import { maskText } from './mask';

export type { Logger };

/** Field paths whose values never reach a log line. */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'body',
  '*.body',
  'raw',
  '*.raw',
  'MicrosoftAppPassword',
  'IMAP_PASSWORD',
  'SMTP_PASSWORD',
  'OPENAI_API_KEY',
  'SESSION_SECRET',
  'CONSOLE_ADMIN_PASSWORD',
];

/** Masks personal data in every string of a log record, depth-limited. */
export function maskLogValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskText(value);
  if (depth > 5 || value === null || typeof value !== 'object') return value;
  // Serialise errors here (type, message, stack, code, cause) so their text is masked too.
  if (value instanceof Error) return maskLogValue(pino.stdSerializers.err(value), depth + 1);
  if (Array.isArray(value)) return value.map((v) => maskLogValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskLogValue(v, depth + 1);
  return out;
}

export interface LoggerOptions {
  level: string;
  /** Where lines go (tests pass a stream to read them). Default stdout. */
  destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const logger = pino(
    {
      level: options.level,
      base: { service: 'kefu' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: {
        log: (record) => maskLogValue(record) as Record<string, unknown>,
      },
      hooks: {
        // Mask the message and interpolation arguments too (formatters.log sees only the
        // merged object). An error logged without a message would get err.message as its
        // message from pino itself, unmasked, so that message is supplied here.
        logMethod(args, method) {
          const [first, ...rest] = args as unknown[];
          const head: unknown = first instanceof Error ? { err: first } : first;
          const err = isRecord(head) && head.err instanceof Error ? head.err : undefined;
          if (err && rest.length === 0 && isRecord(head) && typeof head.msg !== 'string') rest.push(err.message);
          const masked = [typeof head === 'string' ? maskText(head) : head, ...rest.map((a) => maskLogValue(a))];
          method.apply(this, masked as Parameters<typeof method>);
        },
      },
      // maskLogValue has already serialised (and masked) errors; serialise only what it has not.
      serializers: { err: (e: unknown) => (e instanceof Error ? maskLogValue(e) : e) },
    },
    options.destination,
  );
  // Child bindings (log.child({ caller })) bypass formatters and hooks in pino, so mask them on
  // the way in. Children are created from their parent's prototype, so they inherit this.
  const baseChild = Object.getPrototypeOf(logger).child as (
    this: Logger,
    bindings: pino.Bindings,
    childOptions?: pino.ChildLoggerOptions,
  ) => Logger;
  const maskedChild = function (this: Logger, bindings: pino.Bindings, childOptions?: pino.ChildLoggerOptions) {
    return baseChild.call(this, maskLogValue(bindings) as pino.Bindings, childOptions);
  };
  (logger as { child: unknown }).child = maskedChild;
  return logger;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
