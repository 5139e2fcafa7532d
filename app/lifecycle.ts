/**
 * Start-up and graceful shutdown in one place.
 *
 * Components register a `stop` function in start order; `shutdown()` first stops taking new
 * work (the HTTP listener and workers flip to draining), then waits for in-flight work to
 * finish, then runs the stops in reverse order (workers before the store they use), all
 * within a deadline. A second call returns the same promise.
 */
import type { Logger } from './logger';

export interface Stoppable {
  name: string;
  stop(): Promise<void>;
}

export class Lifecycle {
  private readonly stoppables: Stoppable[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private shutdownPromise: Promise<void> | undefined;
  draining = false;

  constructor(private readonly log: Logger) {}

  /** Registers something to stop on shutdown (stopped in reverse order of registration). */
  onStop(name: string, stop: () => Promise<void>): void {
    this.stoppables.push({ name, stop });
  }

  /** Tracks a unit of in-flight work so that shutdown waits for it. */
  track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const done = (): void => {
      this.inFlight.delete(work);
    };
    work.then(done, done);
    return work;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  shutdown(timeoutMs: number): Promise<void> {
    this.shutdownPromise ??= this.runShutdown(timeoutMs);
    return this.shutdownPromise;
  }

  private async runShutdown(timeoutMs: number): Promise<void> {
    this.draining = true;
    const deadline = Date.now() + timeoutMs;
    this.log.info({ inFlight: this.inFlight.size }, 'shutdown: draining in-flight work');
    await Promise.race([Promise.allSettled([...this.inFlight]), sleep(timeoutMs)]);
    for (const s of [...this.stoppables].reverse()) {
      const left = Math.max(100, deadline - Date.now());
      try {
        await Promise.race([
          s.stop(),
          sleep(left).then(() => {
            throw new Error(`did not stop within ${left} ms`);
          }),
        ]);
        this.log.info({ component: s.name }, 'shutdown: stopped');
      } catch (err) {
        this.log.error({ component: s.name, err }, 'shutdown: stop failed');
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
