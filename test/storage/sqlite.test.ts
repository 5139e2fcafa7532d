/**
 * Runs the storage conformance suite against the embedded SQLite adapter (temp files under the
 * OS temp folder; the peer is a second connection to the same file), plus what only SQLite has:
 * the file and folder created on first open, WAL mode, the schema version, and a race between
 * two OS processes on one file.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import pino from 'pino';
import type { Store } from '../../storage/port';
import { SCHEMA_VERSION } from '../../storage/sqlite/schema';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store';
import { describeStoreConformance, type OpenedStore, type StoreFixture } from './conformance';

const log = pino({ level: 'silent' });

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
});
