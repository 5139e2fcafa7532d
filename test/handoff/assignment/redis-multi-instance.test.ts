/**
 * Assignment with four app instances as separate processes on one real Redis: a burst of
 * 1,000 live chats with random accepts, declines, ignored offers and presence changes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { expect } from 'chai';
import { systemClock } from '../../../app/clock';
import type { Store } from '../../../storage/port';
import { openRedisStore } from '../../../storage/redis/redis-store';
import { trackChild, untrackChild } from '../../support/child-processes';
import { startRedis, type TestRedis } from '../../support/redis-server';
import { createDesk, type Desk, silent } from './desk-harness';
import { expectDrained, expectEachTicketOneAssignee, sampleCapacity } from './invariants';

const ROOT = path.resolve(__dirname, '../../..');
const WORKER = path.join(__dirname, 'redis-desk-worker.ts');
const INSTANCES = 4;
const AGENTS = 20;
const CAPACITY = 4;

interface Worker {
  child: ChildProcess;
  next(): Promise<Record<string, unknown>>;
  send(message: unknown): void;
}

function startWorker(env: Record<string, string>): Worker {
  // node --import tsx is what `npx tsx` runs, as one process: stopping it leaves no orphan.
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  trackChild(child);
  const pending: Array<(m: Record<string, unknown>) => void> = [];
  const queued: Array<Record<string, unknown>> = [];
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line);
    } catch {
      return; // not ours
    }
    const waiter = pending.shift();
    if (waiter) waiter(msg);
    else queued.push(msg);
  });
  return {
    child,
    next: () => {
      const m = queued.shift();
      return m ? Promise.resolve(m) : new Promise((resolve) => pending.push(resolve));
    },
    send: (message) => child.stdin!.write(`${JSON.stringify(message)}\n`),
  };
}

describe('assignment with 4 app instances (processes) on Redis', function () {
  this.timeout(600_000);
  let redis: TestRedis;
  let store: Store;
  let desk: Desk;
  let workers: Worker[] = [];
  const prefix = `kefu-mi-${process.pid}:`;

  before(async () => {
    redis = await startRedis();
    store = await openRedisStore({ url: redis.url, keyPrefix: prefix, log: silent });
    desk = createDesk(store, systemClock, { liveAcceptTimeoutS: 1, awayAfterS: 0, exclusionS: 5, reconcileEveryS: 0 });
    const ids = await desk.addAgents(AGENTS, { live: CAPACITY });
    workers = Array.from({ length: INSTANCES }, (_, i) =>
      startWorker({
        REDIS_URL: redis.url,
        KEY_PREFIX: prefix,
        AGENTS: ids.filter((_, k) => k % INSTANCES === i).join(','),
        SEED: String(1000 + i),
      }),
    );
  });

  after(async () => {
    for (const w of workers) {
      if (w.child.exitCode === null) w.child.kill('SIGKILL');
      untrackChild(w.child);
    }
    await store?.close();
    await redis?.dispose();
  });

  const allNumbers: string[] = [];

  it('equally available agents: a burst from 4 instances gives each agent the same count, give or take one', async () => {
    for (const w of workers) w.send({ cmd: 'open', count: 18 });
    const replies = await Promise.all(workers.map((w) => w.next()));
    for (const r of replies) {
      expect(r.event, JSON.stringify(r)).to.equal('opened');
      expect(r.failed).to.deep.equal([]);
      allNumbers.push(...(r.numbers as string[]));
    }
    const loads = (await desk.handoff.assignment.loads()).map((l) => l.live.load);
    expect(loads).to.have.length(AGENTS);
    expect(loads.reduce((a, b) => a + b, 0)).to.equal(4 * 18);
    expect(Math.max(...loads) - Math.min(...loads), `loads ${loads.join(',')}`).to.be.at.most(1);
  });

  it('1,000 tickets with random accepts, declines, ignored offers and presence changes: one assignee each, capacity never exceeded', async () => {
    const capacityProblems: string[] = [];
    let samples = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        capacityProblems.push(...(await sampleCapacity(store)));
        samples++;
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    for (const w of workers) w.send({ cmd: 'simulate' });
    for (const w of workers) w.send({ cmd: 'open', count: 250 });
    const replies = await Promise.all(workers.map((w) => w.next()));
    for (const r of replies) {
      expect(r.event, JSON.stringify(r)).to.equal('opened');
      expect(r.failed).to.deep.equal([]);
      allNumbers.push(...(r.numbers as string[]));
    }
    expect(allNumbers).to.have.length(1072);
    // Let the agents work the queue down; the instances' timers reassign ignored offers.
    let resolved = 0;
    const started = Date.now();
    while (resolved < allNumbers.length && Date.now() - started < 400_000) {
      await new Promise((r) => setTimeout(r, 500));
      resolved = await store.records.count('tickets', { name: 'status', value: 'resolved' });
    }
    for (const w of workers) w.send({ cmd: 'stop' });
    const stopped = await Promise.all(workers.map((w) => w.next()));
    sampling = false;
    await sampler;
    const stats = stopped.map((s) => s.stats as Record<string, number> & { errors: string[] });
    for (const s of stopped) expect(s.event, JSON.stringify(s).slice(0, 2000)).to.equal('stopped');
    expect(stats.flatMap((s) => s.errors)).to.deep.equal([]);
    expect(capacityProblems).to.deep.equal([]);
    expect(samples).to.be.greaterThan(20);
    expect(resolved).to.equal(allNumbers.length);
    await expectEachTicketOneAssignee(desk.tickets, allNumbers);
    await expectDrained(store);
    const sum = (k: string) => stats.reduce((a, s) => a + (s[k] as number), 0);
    expect(sum('declined')).to.be.greaterThan(0);
    expect(sum('ignored')).to.be.greaterThan(0);
    expect(sum('offline')).to.be.greaterThan(0);
    // eslint-disable-next-line no-console
    console.log(
      `      ${allNumbers.length} tickets; accepted ${sum('accepted')}, declined ${sum('declined')}, ignored ${sum('ignored')}, offline ${sum('offline')}, lost races ${sum('lostRaces')}; ${samples} capacity samples; ${Math.round((Date.now() - started) / 1000)} s`,
    );
  });
});
