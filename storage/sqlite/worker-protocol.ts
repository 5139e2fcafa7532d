/**
 * The messages between the SQLite store's main side (`threaded-store.ts`) and its worker thread
 * (`worker.ts`), and how errors cross the thread boundary.
 *
 * Messages are structured clones, so a class instance arrives as a plain object: a KefuError is
 * sent as its `code`, `message` and `context` and rebuilt as a KefuError on the other side (the
 * conformance suite checks codes and `context.index`); any other error arrives as an `Error`
 * with its message. The driver's `cause` stays in the worker.
 */
import { type ErrorCode, isKefuError, KefuError } from '../../app/errors';

/** What the worker is started with. */
export interface WorkerData {
  /** The resolved database file. */
  file: string;
  /** The main logger's level when the store was opened: the worker posts nothing below it. */
  logLevel: string;
}

/** One store call: `method` is a path such as `records.get`, or `health` / `close`. */
export interface WorkerRequest {
  id: number;
  method: string;
  args: unknown[];
}

/** An error as it crosses the thread boundary. */
export interface WireError {
  message: string;
  /** Set for a KefuError only. */
  code?: ErrorCode;
  context?: Record<string, unknown>;
}

export type WorkerMessage =
  /** Sent once: the store is open, or (with `error`) could not be opened. */
  | { type: 'opened'; error?: WireError }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: WireError }
  /** A log call made in the worker: level label, the logger's bindings and the call's arguments. */
  | { type: 'log'; level: string; bindings: Record<string, unknown>; args: unknown[] };

export function toWire(err: unknown): WireError {
  if (isKefuError(err)) return { message: err.message, code: err.code, context: cloneable({ ...err.context }) };
  return { message: err instanceof Error ? err.message : String(err) };
}

export function fromWire(wire: WireError): Error {
  return wire.code === undefined ? new Error(wire.message) : new KefuError(wire.code, wire.message, wire.context);
}

/** The context as is when it can be cloned (it always is today: strings and numbers); else its JSON. */
function cloneable(context: Record<string, unknown>): Record<string, unknown> {
  try {
    structuredClone(context);
    return context;
  } catch {
    return JSON.parse(JSON.stringify(context) ?? '{}') as Record<string, unknown>;
  }
}
