/**
 * Fires durable timers (SLA due, callback due, no-accept reassignment, abandonment, outbox
 * retries) from the store.
 *
 * Timers are records in the store, never bare `setTimeout`s, so they survive restarts and
 * work across instances: each tick claims due timers atomically with a lease (another
 * instance cannot claim them meanwhile), runs the handler registered for the timer's kind,
 * and completes the timer. A handler that throws leaves the timer to be claimed again when
 * the lease runs out (at-least-once; handlers are idempotent). A timer of an unknown kind is
 * logged and completed so it cannot block the queue. The poll cadence is the only in-memory
 * timing here, and `tick()` can be driven directly by tests with a manual clock.
 */
import type { Json, Store, TimerRecord } from '../storage/port';
import type { Clock } from './clock';
import type { Logger } from './logger';

export type TimerHandler = (timer: TimerRecord<Json>) => Promise<void>;

export interface TimerRunnerOptions {
  store: Pick<Store, 'timers'>;
  clock: Clock;
  log: Logger;
  /** How often to look for due timers, ms. */
  pollMs?: number;
  /** How long a claimed timer is reserved for its handler, ms. */
  leaseMs?: number;
  /** Timers claimed per tick. */
  batch?: number;
  /** Attempts after which a failing timer is dropped (and logged as an error). */
  maxAttempts?: number;
}

export class TimerRunner {
  private readonly handlers = new Map<string, TimerHandler>();
  private interval: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;
  readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly batch: number;
  private readonly maxAttempts: number;

  constructor(private readonly options: TimerRunnerOptions) {
    this.pollMs = options.pollMs ?? 1000;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.batch = options.batch ?? 50;
    this.maxAttempts = options.maxAttempts ?? 10;
  }

  /** Registers the handler for one timer kind (one handler per kind). */
  on(kind: string, handler: TimerHandler): void {
    if (this.handlers.has(kind)) throw new Error(`a handler for timer kind ${kind} is already registered`);
    this.handlers.set(kind, handler);
  }

  start(): void {
    if (this.interval || this.stopped) return;
    this.interval = setInterval(() => {
      void this.tick();
    }, this.pollMs);
    this.interval.unref();
  }

  /** Claims and fires what is due now; returns how many timers fired successfully. */
  tick(): Promise<number> {
    // One tick at a time per instance; other instances are kept apart by the claim lease.
    this.running ??= this.runTick().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async runTick(): Promise<number> {
    const { store, clock, log } = this.options;
    let fired = 0;
    let due: Array<TimerRecord<Json>>;
    try {
      due = await store.timers.claimDue<Json>(clock.now(), this.batch, this.leaseMs);
    } catch (err) {
      log.warn({ err }, 'timers: could not claim due timers; will retry');
      return 0;
    }
    for (const timer of due) {
      const handler = this.handlers.get(timer.kind);
      if (!handler) {
        log.error({ timer: timer.id, kind: timer.kind }, 'timers: no handler for this kind; dropping the timer');
        await store.timers.complete(timer.id).catch(() => undefined);
        continue;
      }
      try {
        await handler(timer);
        await store.timers.complete(timer.id);
        fired++;
      } catch (err) {
        if (timer.attempts + 1 >= this.maxAttempts) {
          log.error({ err, timer: timer.id, attempts: timer.attempts + 1 }, 'timers: giving up on a failing timer');
          await store.timers.complete(timer.id).catch(() => undefined);
        } else {
          log.warn({ err, timer: timer.id, attempts: timer.attempts + 1 }, 'timers: handler failed; will retry');
        }
      }
    }
    return fired;
  }

  /** Stops polling and waits for the tick in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.interval) clearInterval(this.interval);
    this.interval = undefined;
    await this.running;
  }
}
