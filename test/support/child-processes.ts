/**
 * Child servers of the test run (redis-server, dovecot) are killed when the run ends, also
 * when it crashes or is interrupted, so no server outlives the tests and blocks a port.
 *
 * A crash (uncaught exception) ends the process through `process.exit`, which emits `exit`,
 * so the `exit` hook covers it; no `uncaughtException` listener is installed, because one
 * would change how mocha reports a stray exception (as a failure of the test that caused it).
 * Servers that fork workers (Dovecot) are spawned `detached` and tracked with `group: true`,
 * so the whole process group is killed, not only the master.
 */
import type { ChildProcess } from 'node:child_process';

interface Tracked {
  child: ChildProcess;
  group: boolean;
}

const children = new Set<Tracked>();
let hooked = false;

function killTracked(t: Tracked): void {
  try {
    if (t.group && t.child.pid !== undefined) process.kill(-t.child.pid, 'SIGKILL');
    else t.child.kill('SIGKILL');
  } catch {
    // already gone
  }
}

/** Kills every tracked child now (SIGKILL). */
export function killAllChildren(): void {
  for (const t of children) killTracked(t);
}

/**
 * Kills `child` (and, with `group`, its whole process group — spawn it with `detached: true`)
 * when this process exits or receives SIGINT/SIGTERM/SIGHUP.
 */
export function trackChild(child: ChildProcess, options: { group?: boolean } = {}): void {
  const tracked: Tracked = { child, group: options.group === true };
  children.add(tracked);
  // A group outlives its leader (workers may still hold sockets), so keep killing it at exit.
  if (!tracked.group) child.once('exit', () => children.delete(tracked));
  if (hooked) return;
  hooked = true;
  process.once('exit', killAllChildren);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllChildren();
      process.exit(130);
    });
  }
}

/** Stops tracking `child` (after the caller has made sure it and its group are gone). */
export function untrackChild(child: ChildProcess): void {
  for (const t of children) if (t.child === child) children.delete(t);
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
