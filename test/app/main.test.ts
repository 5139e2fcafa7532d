/**
 * `npm start` as an operator meets it: `tsx app/main.ts` as a child process. A fresh start
 * with no configuration creates ./data/kefu.sqlite and answers /healthz; a bad variable stops
 * start-up with a message naming it; SIGTERM lets a slow in-flight request finish, refuses new
 * ones, closes the store and exits 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { trackChild, untrackChild } from '../support/child-processes';

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const MAIN = path.join(ROOT, 'app/main.ts');

interface RunningMain {
  child: ChildProcess;
  cwd: string;
  /** Parsed JSON log lines from stdout so far. */
  logs: Array<Record<string, unknown>>;
  stderr(): string;
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, what: string): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs `tsx app/main.ts` in a fresh working folder with only the given variables (plus PATH),
 * as `npm start` would on a clean machine.
 */
function runMain(env: Record<string, string>): RunningMain {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-main-'));
  const child = spawn(TSX, [MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // tsx runs the program in a child node process: kill the whole group if a test fails.
    detached: true,
  });
  trackChild(child, { group: true });
  const logs: Array<Record<string, unknown>> = [];
  const listeners = new Set<() => void>();
  let stdoutRest = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    const parts = (stdoutRest + d.toString()).split('\n');
    stdoutRest = parts.pop() ?? '';
    for (const line of parts) {
      if (!line.trim()) continue;
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line, unparsed: true });
      }
    }
    for (const l of [...listeners]) l();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
      for (const l of [...listeners]) l();
    }),
  );
  return {
    child,
    cwd,
    logs,
    stderr: () => stderr,
    exited,
    waitForLog(predicate, what) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found = logs.find(predicate);
          if (found) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(found);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(new Error(`main exited before logging ${what}; stderr: ${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no log line for ${what} within 20 s; stderr: ${stderr}`));
        }, 20_000);
        listeners.add(check);
        check();
      });
    },
  };
}

async function listening(main: RunningMain): Promise<number> {
  const line = await main.waitForLog(
    (l) => typeof l.msg === 'string' && l.msg.startsWith('Kefu listening'),
    'listening',
  );
  return line.port as number;
}

function cleanup(main: RunningMain | undefined): void {
  if (!main) return;
  if (main.child.pid !== undefined) {
    try {
      process.kill(-main.child.pid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  }
  untrackChild(main.child);
  fs.rmSync(main.cwd, { recursive: true, force: true });
}

/** Sends raw bytes on a socket and collects the whole response text until the server closes or answers. */
function openRaw(port: number): { socket: net.Socket; response: Promise<string> } {
  const socket = net.connect(port, '127.0.0.1');
  const response = new Promise<string>((resolve, reject) => {
    let text = '';
    socket.on('data', (d) => {
      text += d.toString();
      const [head, body = ''] = text.split('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(head ?? '');
      if (length && Buffer.byteLength(body) >= Number(length[1])) resolve(text);
    });
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
  return { socket, response };
}

describe('npm start (app/main.ts as a process)', function () {
  this.timeout(60_000);
  let main: RunningMain | undefined;

  afterEach(() => {
    cleanup(main);
    main = undefined;
  });

  it('with PORT=abc prints a message naming PORT and exits non-zero', async () => {
    main = runMain({ PORT: 'abc' });
    const { code } = await main.exited;
    expect(code).to.not.equal(0);
    expect(main.stderr()).to.match(/\bPORT\b/);
    expect(main.stderr()).to.include('Invalid configuration');
    expect(main.stderr(), 'a configuration error is printed without a stack trace').to.not.match(/^\s+at /m);
  });

  it('in production without safe settings refuses to start, naming each problem', async () => {
    main = runMain({ NODE_ENV: 'production', PORT: '0' });
    const { code } = await main.exited;
    expect(code).to.not.equal(0);
    for (const name of ['CONSOLE_ADMIN_PASSWORD', 'SESSION_SECRET', 'MicrosoftAppId']) {
      expect(main.stderr()).to.include(name);
    }
  });

  it('on a fresh folder with no configuration creates ./data/kefu.sqlite and answers /healthz', async () => {
    main = runMain({ PORT: '0', HOST: '127.0.0.1' });
    const port = await listening(main);
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    const body = (await res.json()) as { dependencies: { store: { kind: string; status: string } } };
    expect(res.status).to.equal(200);
    expect(body.dependencies.store).to.include({ kind: 'sqlite', status: 'ok' });
    expect(fs.existsSync(path.join(main.cwd, 'data', 'kefu.sqlite'))).to.equal(true);
    main.child.kill('SIGTERM');
    expect((await main.exited).code).to.equal(0);
  });

  it('on SIGTERM finishes a slow in-flight request, refuses new ones, closes the store and exits 0', async () => {
    main = runMain({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: 'store', LOG_LEVEL: 'info' });
    const port = await listening(main);

    // A slow client: headers sent, body only half sent, so the request stays in flight.
    const body = '{"question":"保單"}';
    const slow = openRaw(port);
    slow.socket.write(
      `GET /healthz HTTP/1.1\r\nHost: kefu\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`,
    );
    slow.socket.write(body.slice(0, 5));
    // A complete request answered after the slow one's headers arrived: the slow one is tracked by now.
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).to.equal(200);

    main.child.kill('SIGTERM');
    await main.waitForLog((l) => l.msg === 'shutdown: draining in-flight work', 'draining');

    const refused = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      async (r) => ({ status: r.status, body: (await r.json()) as { code?: string } }),
      (err: Error) => ({ status: 0, body: { code: `connection failed: ${err.message}` } }),
    );
    expect(refused.status).to.equal(503);
    expect(refused.body.code).to.equal('ERR_SHUTTING_DOWN');
    expect(main.child.exitCode, 'the process waits for the slow request').to.equal(null);

    slow.socket.write(body.slice(5));
    const answer = await slow.response;
    expect(answer).to.match(/^HTTP\/1\.1 200 /);
    expect(answer).to.include('"kind":"sqlite"');

    const { code } = await main.exited;
    expect(code).to.equal(0);
    const stopped = main.logs.filter((l) => l.msg === 'shutdown: stopped').map((l) => l.component);
    expect(stopped).to.include('http');
    expect(stopped).to.include('store');
    expect(stopped.indexOf('http'), 'the listener closes before the store').to.be.lessThan(stopped.indexOf('store'));
    expect(main.logs.some((l) => l.msg === 'shutdown requested' && l.signal === 'SIGTERM')).to.equal(true);
    expect(fs.existsSync(path.join(main.cwd, 'store', 'kefu.sqlite'))).to.equal(true);
  });
});
