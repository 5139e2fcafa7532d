/**
 * Runs the storage conformance suite against the embedded SQLite adapter (temp files under the
 * OS temp folder; the peer is a second connection to the same file), plus what only SQLite has:
 * the file and folder created on first open, WAL mode, the schema version, a race between
 * two OS processes on one file, and the worker thread the store runs in (the event loop stays
 * free, errors and logs cross the thread, a dead worker fails calls, the process lifetime).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import pino from 'pino';
import { KefuError } from '../../app/errors';
import type { Store } from '../../storage/port';
import { SCHEMA_VERSION } from '../../storage/sqlite/schema';
import { openSqliteStore, openSqliteStoreInThread } from '../../storage/sqlite/sqlite-store';
import { openThreadedSqliteStore } from '../../storage/sqlite/threaded-store';
import { describeStoreConformance, type OpenedStore, type StoreFixture } from './conformance';

const log = pino({ level: 'silent' });

async function expectUnavailable(promise: Promise<unknown>): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).to.be.instanceOf(KefuError).and.have.property('code', 'ERR_STORE_UNAVAILABLE');
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-sqlite-'));
}

const fixture: StoreFixture = {
  async open(): Promise<OpenedStore> {
    const dir = tempDir();
    const file = path.join(dir, 'kefu.sqlite');
    const open = (): Promise<Store> => openSqliteStore({ file, log });
    const all: Store[] = [];
    const track = async (store: Promise<Store>): Promise<Store> => {
      const s = await store;
      all.push(s);
      return s;
    };
    const closeAll = async (): Promise<void> => {
      await Promise.all(all.splice(0).map((s) => s.close()));
    };
    const store = await track(open());
    return {
      store,
      peer: () => track(open()),
      async reopen() {
        await closeAll();
        return track(open());
      },
      async dispose() {
        await closeAll();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

describeStoreConformance('sqlite', fixture);

describe('sqlite store (SQLite only)', () => {
  let dir: string;

  beforeEach(() => {
    dir = tempDir();
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates the folder and the file on first open, in WAL mode at the current schema version', async () => {
    const file = path.join(dir, 'data', 'nested', 'kefu.sqlite');
    const store = await openSqliteStore({ file, log });
    try {
      expect(fs.existsSync(file)).to.equal(true);
      const health = await store.health();
      expect(health).to.include({ kind: 'sqlite', ok: true, location: file });
      const db = new Database(file, { readonly: true });
      try {
        expect(db.pragma('journal_mode', { simple: true })).to.equal('wal');
        expect(db.prepare('SELECT version FROM schema_version').all()).to.deep.equal([{ version: SCHEMA_VERSION }]);
      } finally {
        db.close();
      }
    } finally {
      await store.close();
    }
  });

  it('reopening an existing file keeps one schema version row and the data (migrations are idempotent)', async () => {
    const file = path.join(dir, 'kefu.sqlite');
    const [a, b] = await Promise.all([openSqliteStore({ file, log }), openSqliteStore({ file, log })]);
    await a.records.create('tickets', 'K-1', { n: 1 });
    await Promise.all([a.close(), b.close()]);
    const c = await openSqliteStore({ file, log });
    try {
      expect(await c.records.get('tickets', 'K-1')).to.deep.equal({ id: 'K-1', version: 1, value: { n: 1 } });
      const db = new Database(file, { readonly: true });
      try {
        expect(db.prepare('SELECT COUNT(*) AS n FROM schema_version').get()).to.deep.equal({ n: 1 });
      } finally {
        db.close();
      }
    } finally {
      await c.close();
    }
  });

  it('a closed store rejects calls with ERR_STORE_UNAVAILABLE', async () => {
    const store = await openSqliteStore({ file: path.join(dir, 'kefu.sqlite'), log });
    await store.close();
    const err = await store.records.get('tickets', 'x').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.have.property('code', 'ERR_STORE_UNAVAILABLE');
    const health = await store.health();
    expect(health.ok).to.equal(false);
    expect(health.error).to.be.a('string');
  });

  it('an unusable path fails to open with ERR_STORE_UNAVAILABLE', async () => {
    const blocker = path.join(dir, 'not-a-folder');
    fs.writeFileSync(blocker, 'x');
    const err = await openSqliteStore({ file: path.join(blocker, 'kefu.sqlite'), log }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.have.property('code', 'ERR_STORE_UNAVAILABLE');
  });

  const T0 = Date.UTC(2026, 10, 27, 2, 0, 0);

  /** Runs the worker in a separate Node process; resolves with the ids it won. */
  function runWorker(mode: 'timers' | 'assign', file: string, total: number): Promise<string[]> {
    const worker = path.join(__dirname, 'sqlite-claim-worker.ts');
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', worker, mode, file, String(T0), String(total)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      // A broken adapter could hand out work forever: never leave the worker behind.
      const guard = setTimeout(() => child.kill('SIGKILL'), 45_000);
      child.on('error', reject);
      child.on('exit', (code) => {
        clearTimeout(guard);
        if (code === 0) resolve(JSON.parse(out) as string[]);
        else reject(new Error(`worker exited with ${code}`));
      });
    });
  }

  it('two OS processes claiming timers from one file claim each timer exactly once', async function () {
    this.timeout(60_000);
    const file = path.join(dir, 'kefu.sqlite');
    const store = await openSqliteStore({ file, log });
    const n = 200;
    for (let i = 0; i < n; i++) {
      await store.timers.schedule({ id: `t${String(i).padStart(4, '0')}`, kind: 'sla-due', dueAt: T0, payload: {} });
    }
    await store.close();
    const [a, b] = await Promise.all([runWorker('timers', file, n), runWorker('timers', file, n)]);
    const ids = [...a, ...b];
    expect(ids.length).to.equal(n);
    expect(new Set(ids).size).to.equal(n);
  });

  it('two OS processes assigning 40 items to one agent of capacity 3 assign exactly 3', async function () {
    this.timeout(60_000);
    const file = path.join(dir, 'kefu.sqlite');
    const store = await openSqliteStore({ file, log });
    await store.assignment.upsertAgent({ agentId: 'mei', status: 'online', skills: [], capacity: 3, resetIdleAt: T0 });
    const [a, b] = await Promise.all([runWorker('assign', file, 40), runWorker('assign', file, 40)]);
    try {
      expect(a.length + b.length).to.equal(3);
      expect(new Set([...a, ...b]).size).to.equal(3);
      expect(await store.assignment.getAgent('mei')).to.include({ load: 3 });
      expect((await store.assignment.assignmentsOf('mei')).length).to.equal(3);
    } finally {
      await store.close();
    }
  });

  describe('worker thread', () => {
    const STORE_MODULE = path.join(__dirname, '../../storage/sqlite/sqlite-store.ts');

    function sleep(ms: number): Promise<void> {
      return new Promise((resolve) => setTimeout(resolve, ms));
    }

    /** Another connection that holds the file's write lock until `release()`. */
    function holdWriteLock(file: string): { release(): void } {
      const db = new Database(file, { timeout: 5000 });
      db.exec('BEGIN IMMEDIATE');
      return {
        release() {
          db.exec('COMMIT');
          db.close();
        },
      };
    }

    /** Runs `code` (CommonJS, `openSqliteStore` and `FILE` in scope) in a child Node process under tsx. */
    function runChild(
      code: string,
      file: string,
      onLine?: (line: string, child: ChildProcess) => void,
    ): Promise<{ code: number | null; out: string }> {
      const script = `const { openSqliteStore } = require(${JSON.stringify(STORE_MODULE)});
const FILE = ${JSON.stringify(file)};
const log = require('pino')({ level: 'silent' });
${code}`;
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--eval', script], {
          cwd: path.join(__dirname, '../..'),
          stdio: ['pipe', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          for (const line of chunk.toString().split('\n').filter(Boolean)) onLine?.(line, child);
        });
        const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.on('error', reject);
        child.on('exit', (exitCode) => {
          clearTimeout(guard);
          resolve({ code: exitCode, out });
        });
      });
    }

    it('a call waiting for the write lock leaves the event loop free, then completes', async () => {
      const file = path.join(dir, 'kefu.sqlite');
      const store = await openSqliteStore({ file, log });
      try {
        const lock = holdWriteLock(file);
        let settled = false;
        const write = store.kv.set('k', 1).finally(() => {
          settled = true;
        });
        const started = Date.now();
        await sleep(200);
        // On the main thread the call would have blocked here for the whole busy timeout (5 s).
        expect(Date.now() - started).to.be.below(1500);
        expect(settled).to.equal(false);
        lock.release();
        await write;
        expect(await store.kv.get('k')).to.equal(1);
      } finally {
        await store.close();
      }
    });

    it('a KefuError from the worker arrives as a KefuError with the code, message and context it has in the thread', async () => {
      const failing = async (store: Store): Promise<KefuError[]> => {
        await store.records.create('tickets', 'K-1', { n: 1 });
        const stale = await store.records.replace('tickets', 'K-1', 7, { n: 2 }).catch((e: unknown) => e);
        const taken = await store
          .commit([
            { kind: 'stream.append', stream: 's', value: 1 },
            { kind: 'record.create', collection: 'tickets', id: 'K-1', value: {} },
          ])
          .catch((e: unknown) => e);
        return [stale, taken].map((err) => {
          expect(err).to.be.instanceOf(KefuError);
          return err as KefuError;
        });
      };
      const inThread = await openSqliteStoreInThread({ file: path.join(dir, 'a', 'kefu.sqlite'), log });
      const threaded = await openSqliteStore({ file: path.join(dir, 'b', 'kefu.sqlite'), log });
      try {
        const expected = await failing(inThread);
        const actual = await failing(threaded);
        expect(actual.map((e) => e.code)).to.deep.equal(['ERR_STORE_CONFLICT', 'ERR_STORE_EXISTS']);
        expect(actual.map((e) => [e.code, e.message, e.context])).to.deep.equal(
          expected.map((e) => [e.code, e.message, e.context]),
        );
        expect(actual[1]?.context).to.include({ index: 1 });
        expect(await threaded.streams.lastSeq('s')).to.equal(0);
      } finally {
        await Promise.all([inThread.close(), threaded.close()]);
      }
    });

    it('another error arrives as an Error with its message, and the store goes on working', async () => {
      const store = await openSqliteStore({ file: path.join(dir, 'kefu.sqlite'), log });
      try {
        const loop: Record<string, unknown> = {};
        loop.self = loop;
        const err = await store.records.create('tickets', 'K-1', loop as never).catch((e: unknown) => e);
        expect(err).to.be.instanceOf(Error).and.not.instanceOf(KefuError);
        expect((err as Error).message).to.match(/circular/i);
        expect(await store.records.get('tickets', 'K-1')).to.equal(undefined);
        expect((await store.health()).ok).to.equal(true);
      } finally {
        await store.close();
      }
    });

    it('bot state that cannot be cloned (a function inside) is kept as its JSON, as on the main thread', async () => {
      const store = await openSqliteStore({ file: path.join(dir, 'kefu.sqlite'), log });
      try {
        await store.botState.write({ conv: { turn: 1, later: () => 2 } });
        const read = await store.botState.read(['conv']);
        expect(read.conv).to.include({ turn: 1 }).and.not.have.property('later');
      } finally {
        await store.close();
      }
    });

    it('calls in flight when close is called are answered before the database closes', async () => {
      const file = path.join(dir, 'kefu.sqlite');
      const store = await openSqliteStore({ file, log });
      const writes = Array.from({ length: 20 }, (_, i) => store.streams.append('s', i));
      const closed = store.close();
      expect(await Promise.all(writes)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 1));
      await closed;
      await expectUnavailable(store.streams.lastSeq('s'));
      const reopened = await openSqliteStore({ file, log });
      try {
        expect(await reopened.streams.lastSeq('s')).to.equal(20);
      } finally {
        await reopened.close();
      }
    });

    it('when the worker dies, pending and later calls fail with ERR_STORE_UNAVAILABLE and health says not ok', async () => {
      let worker: Worker | undefined;
      const store = await openThreadedSqliteStore({ file: path.join(dir, 'kefu.sqlite'), log }, (w) => {
        worker = w;
      });
      await store.kv.set('k', 1);
      // Stopped while idle: stopping a thread inside a SQLite statement aborts the process.
      const stopped = worker?.terminate();
      const pending = store.kv.get('k');
      await stopped;
      await expectUnavailable(pending);
      await expectUnavailable(store.records.get('tickets', 'K-1'));
      await expectUnavailable(store.commit([{ kind: 'stream.append', stream: 's', value: 1 }]));
      const health = await store.health();
      expect(health.ok).to.equal(false);
      expect(health.error).to.match(/worker stopped/);
      await store.close();
      await store.close();
      await expectUnavailable(store.kv.get('k'));
    });

    it("forwards the worker's log lines to the main side's logger", async () => {
      const lines: Array<Record<string, unknown>> = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      });
      const file = path.join(dir, 'kefu.sqlite');
      const store = await openSqliteStore({ file, log: pino({ level: 'debug' }, sink) });
      await store.close();
      // 'SQLite store open' is logged inside the worker by the in-thread store.
      const opened = lines.find((line) => line.msg === 'SQLite store open');
      expect(opened).to.include({ store: 'sqlite', file, level: 20 });
    });

    it('an idle open store does not keep the process alive', async function () {
      this.timeout(30_000);
      const result = await runChild(
        `openSqliteStore({ file: FILE, log }).then(async (store) => {
  await store.kv.set('k', 1);
  process.stdout.write('idle\\n');
});`,
        path.join(dir, 'kefu.sqlite'),
      );
      expect(result).to.deep.equal({ code: 0, out: 'idle\n' });
    });

    it('a pending call keeps the process alive until it is answered', async function () {
      this.timeout(30_000);
      const file = path.join(dir, 'kefu.sqlite');
      let lock: { release(): void } | undefined;
      const result = await runChild(
        `openSqliteStore({ file: FILE, log }).then((store) => {
  process.stdin.once('data', () => {
    // The parent holds the write lock now. Nothing but the call keeps this process running.
    process.stdin.destroy();
    store.kv.set('k', 'written').then(() => process.stdout.write('answered\\n'));
    process.stdout.write('waiting\\n');
  });
  process.stdout.write('open\\n');
});`,
        file,
        (line, child) => {
          if (line === 'open') {
            lock = holdWriteLock(file);
            child.stdin?.write('go\n');
          } else if (line === 'waiting') {
            setTimeout(() => lock?.release(), 300);
          }
        },
      );
      expect(result).to.deep.equal({ code: 0, out: 'open\nwaiting\nanswered\n' });
      const store = await openSqliteStore({ file, log });
      try {
        expect(await store.kv.get('k')).to.equal('written');
      } finally {
        await store.close();
      }
    });
  });
});
