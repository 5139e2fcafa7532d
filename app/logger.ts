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
  if (value instanceof Error) return value;
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
  return pino(
    {
      level: options.level,
      base: { service: 'kefu' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: {
        log: (record) => maskLogValue(record) as Record<string, unknown>,
      },
      hooks: {
        // Mask the message string too (formatters.log sees only the merged object).
        logMethod(args, method) {
          const masked = args.map((a) => (typeof a === 'string' ? maskText(a) : a)) as Parameters<typeof method>;
          method.apply(this, masked);
        },
      },
      serializers: { err: pino.stdSerializers.err },
    },
    options.destination,
  );
}
