/**
 * Child servers of the test run (redis-server, dovecot) are killed when the run ends, also
 * when it crashes or is interrupted, so no server outlives the tests and blocks a port.
 */
import type { ChildProcess } from 'node:child_process';

const children = new Set<ChildProcess>();
let hooked = false;

export function trackChild(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (hooked) return;
  hooked = true;
  const killAll = (): void => {
    for (const c of children) {
      try {
        c.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }
  process.once('uncaughtException', (err) => {
    killAll();
    throw err;
  });
}

/** Sends SIGTERM, then SIGKILL if the child has not exited within `graceMs`. */
export function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
