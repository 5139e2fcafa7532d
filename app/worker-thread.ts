/**
 * What every worker thread of Kefu shares: how one is started from TypeScript or JavaScript
 * sources, and how an error crosses the thread boundary.
 *
 * - `startWorker` runs `entry` in a new thread. Under tsx (`npm start`, mocha, the benchmarks)
 *   the entry is a .ts file: the thread first registers tsx's CommonJS hook (passing tsx in
 *   `execArgv` fails on Node 20 with ERR_UNKNOWN_FILE_EXTENSION); compiled, it runs the .js.
 * - Messages are structured clones, so a class instance arrives as a plain object: a KefuError
 *   is sent as its `code`, `message` and `context` and rebuilt as a KefuError on the other side;
 *   any other error arrives as an `Error` with its message. A `cause` stays in the thread.
 */
import { Worker } from 'node:worker_threads';
import { type ErrorCode, isKefuError, KefuError } from './errors';

/**
 * Starts `entry`, the worker's module file, with the same extension as the caller's own file
 * (for example `path.join(__dirname, \`worker${path.extname(__filename)}\`)`).
 */
export function startWorker(entry: string, workerData: unknown): Worker {
  const options = { workerData };
  if (!entry.endsWith('.ts')) return new Worker(entry, options);
  const tsx = require.resolve('tsx/cjs/api');
  const boot = `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(entry)});`;
  return new Worker(boot, { ...options, eval: true });
}

/** An error as it crosses the thread boundary. */
export interface WireError {
  message: string;
  /** Set for a KefuError only. */
  code?: ErrorCode;
  context?: Record<string, unknown>;
}

export function toWire(err: unknown): WireError {
  if (isKefuError(err)) return { message: err.message, code: err.code, context: cloneable({ ...err.context }) };
  return { message: err instanceof Error ? err.message : String(err) };
}

export function fromWire(wire: WireError): Error {
  return wire.code === undefined ? new Error(wire.message) : new KefuError(wire.code, wire.message, wire.context);
}

/** The context as is when it can be cloned (it nearly always is: strings and numbers); else its JSON. */
function cloneable(context: Record<string, unknown>): Record<string, unknown> {
  try {
    structuredClone(context);
    return context;
  } catch {
    return JSON.parse(JSON.stringify(context) ?? '{}') as Record<string, unknown>;
  }
}
