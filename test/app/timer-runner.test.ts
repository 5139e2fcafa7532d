import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import pino from 'pino';
import { ManualClock } from '../../app/clock';
import { TimerRunner } from '../../app/timer-runner';
import type { Json, TimerRecord } from '../../storage/port';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store';

const silent = pino({ level: 'silent' });

describe('timer runner', () => {
  let dir: string;
  let file: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-timers-'));
    file = path.join(dir, 'kefu.sqlite');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('fires a callback that fell due while the app was down, once, after restart', async () => {
    const clock = new ManualClock();
    const before = await openSqliteStore({ file, log: silent });
    await before.timers.schedule({
      id: 'callback:K-000001',
      kind: 'callback-due',
      dueAt: clock.now() + 60_000,
      payload: { number: 'K-000001' },
    });
    await before.close();

    clock.advance(3_600_000); // the app was down for an hour
    const after = await openSqliteStore({ file, log: silent });
    const fired: Array<TimerRecord<Json>> = [];
    const runner = new TimerRunner({ store: after, clock, log: silent });
    runner.on('callback-due', async (t) => {
      fired.push(t);
    });
    expect(await runner.tick()).to.equal(1);
    expect(await runner.tick()).to.equal(0);
    clock.advance(3_600_000);
    expect(await runner.tick()).to.equal(0);
    expect(fired.map((t) => t.payload)).to.deep.equal([{ number: 'K-000001' }]);
    await runner.stop();
    await after.close();
  });

  it('does not fire a timer before it is due', async () => {
    const clock = new ManualClock();
    const store = await openSqliteStore({ file, log: silent });
    const runner = new TimerRunner({ store, clock, log: silent });
    let count = 0;
    runner.on('sla', async () => {
      count++;
    });
    await store.timers.schedule({ id: 't1', kind: 'sla', dueAt: clock.now() + 1000, payload: null });
    expect(await runner.tick()).to.equal(0);
    clock.advance(1000);
    expect(await runner.tick()).to.equal(1);
    expect(count).to.equal(1);
    await store.close();
  });

  it('retries a handler that failed once the lease has passed, and gives up after the limit', async () => {
    const clock = new ManualClock();
    const store = await openSqliteStore({ file, log: silent });
    const runner = new TimerRunner({ store, clock, log: silent, leaseMs: 10_000, maxAttempts: 3 });
    let calls = 0;
    runner.on('flaky', async () => {
      calls++;
      throw new Error('SMTP down');
    });
    await store.timers.schedule({ id: 'f', kind: 'flaky', dueAt: clock.now(), payload: null });
    await runner.tick();
    await runner.tick(); // still leased: not claimed again
    expect(calls).to.equal(1);
    clock.advance(10_000);
    await runner.tick();
    clock.advance(10_000);
    await runner.tick();
    expect(calls).to.equal(3);
    expect(await store.timers.get('f')).to.equal(undefined);
    await store.close();
  });

  it('with two instances on one store, each due timer fires exactly once', async () => {
    const clock = new ManualClock();
    const a = await openSqliteStore({ file, log: silent });
    const b = await openSqliteStore({ file, log: silent });
    const seen: string[] = [];
    const runners = [a, b].map((store) => {
      const r = new TimerRunner({ store, clock, log: silent, batch: 7 });
      r.on('sla', async (t) => {
        seen.push(t.id);
      });
      return r;
    });
    for (let i = 0; i < 50; i++) {
      await a.timers.schedule({ id: `t${i}`, kind: 'sla', dueAt: clock.now() - i, payload: null });
    }
    for (let round = 0; round < 10; round++) await Promise.all(runners.map((r) => r.tick()));
    expect(seen).to.have.length(50);
    expect(new Set(seen).size).to.equal(50);
    await a.close();
    await b.close();
  });
});
