/**
 * The messages between the SQLite store's main side (`threaded-store.ts`) and its worker thread
 * (`worker.ts`). Errors cross the thread boundary as `WireError`s (`app/worker-thread.ts`): a
 * KefuError keeps its code and context (the conformance suite checks codes and `context.index`).
 */
import type { WireError } from '../../app/worker-thread';

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

export type WorkerMessage =
  /** Sent once: the store is open, or (with `error`) could not be opened. */
  | { type: 'opened'; error?: WireError }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: WireError }
  /** A log call made in the worker: level label, the logger's bindings and the call's arguments. */
  | { type: 'log'; level: string; bindings: Record<string, unknown>; args: unknown[] };
