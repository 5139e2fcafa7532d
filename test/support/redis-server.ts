/**
 * A real redis-server for tests: a child process on a free port with a throwaway data folder,
 * stopped at the end (and killed if the run crashes). `restart()` keeps port and data (with
 * `appendonly`), for tests of a Redis restart in the middle of work.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stopChild, trackChild } from './child-processes';
import { assertPortFree, freePort, waitForPort } from './free-port';

export interface TestRedis {
  port: number;
  url: string;
  dir: string;
  /** Stops the server (SIGTERM; SIGKILL when `hard`). */
  stop(options?: { hard?: boolean }): Promise<void>;
  /** Starts it again on the same port and folder. */
  start(): Promise<void>;
  restart(options?: { hard?: boolean }): Promise<void>;
  /** Stops for good and removes the data folder. */
  dispose(): Promise<void>;
}

export const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN ?? 'redis-server';

export interface StartRedisOptions {
  /** Persist with AOF so data survives a hard kill (`restart({ hard: true })`). */
  appendOnly?: boolean;
  /** Require this password (`requirepass`); `url` then carries it. */
  password?: string;
}

export async function startRedis(options: StartRedisOptions = {}): Promise<TestRedis> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-redis-'));
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    await assertPortFree(port);
    const args = [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--save',
      '',
      '--appendonly',
      options.appendOnly ? 'yes' : 'no',
      '--dir',
      dir,
      '--maxmemory-policy',
      'noeviction',
      ...(options.password ? ['--requirepass', options.password] : []),
    ];
    const c = spawn(REDIS_SERVER_BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    c.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const failed = new Promise<never>((_, reject) => {
      c.once('error', (err) =>
        reject(
          new Error(`cannot start ${REDIS_SERVER_BIN}: ${err.message}. Install it: apt-get install -y redis-server`),
        ),
      );
      c.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${stderr}`)));
    });
    failed.catch(() => undefined);
    trackChild(c);
    child = c;
    await Promise.race([waitForPort(port, 10_000), failed]);
  };

  const stop = async (opts: { hard?: boolean } = {}): Promise<void> => {
    if (!child) return;
    const c = child;
    child = undefined;
    if (opts.hard) {
      c.kill('SIGKILL');
      await new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(undefined) : c.once('exit', r)));
    } else {
      await stopChild(c);
    }
  };

  await start();
  return {
    port,
    url: options.password
      ? `redis://:${encodeURIComponent(options.password)}@127.0.0.1:${port}`
      : `redis://127.0.0.1:${port}`,
    dir,
    stop,
    start,
    async restart(opts) {
      await stop(opts);
      await start();
    },
    async dispose() {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
