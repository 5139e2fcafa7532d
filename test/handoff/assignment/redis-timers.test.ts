/**
 * Durable assignment timers on Redis: a no-accept reassignment that fell due while the app
 * was down fires after the restart, once, with two instances racing for it; and the desk
 * carries on after a Redis restart in the middle of work.
 */
import { expect } from 'chai';
import { ManualClock } from '../../../app/clock';
import type { Store } from '../../../storage/port';
import { openRedisStore } from '../../../storage/redis/redis-store';
import { startRedis, type TestRedis } from '../../support/redis-server';
import { createDesk, FRIDAY_10AM, silent } from './desk-harness';
import { sampleCapacity } from './invariants';

describe('assignment timers and restarts on Redis', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  const opened: Store[] = [];
  let n = 0;

  before(async () => {
    redis = await startRedis({ appendOnly: true });
  });
  after(async () => {
    for (const s of opened) await s.close().catch(() => undefined);
    await redis?.dispose();
  });

  async function open(prefix: string): Promise<Store> {
    const s = await openRedisStore({ url: redis.url, keyPrefix: prefix, log: silent });
    opened.push(s);
    return s;
  }

  it('a no-accept reassignment due while the app was down fires after restart, once, with two instances', async () => {
    const prefix = `kefu-t${++n}:`;
    const clock = new ManualClock(FRIDAY_10AM);
    const before = await open(prefix);
    const desk = createDesk(before, clock, { awayAfterS: 0 });
    await desk.addAgents(2);
    const t = await desk.openTicket();
    const first = await desk.handoff.assignment.enqueue(t.number);
    expect(first.state).to.equal('offered');
    await before.close();

    clock.advance(5 * 60_000 - 1); // down for almost five minutes (the chat SLA is not due yet)
    const one = createDesk(await open(prefix), clock, { awayAfterS: 0 });
    const two = createDesk(await open(prefix), clock, { awayAfterS: 0 });
    const fired = await Promise.all([one.runner.tick(), two.runner.tick()]);
    expect(fired.reduce((a, b) => a + b, 0)).to.equal(1);
    expect((await one.runner.tick()) + (await two.runner.tick())).to.equal(0);
    const work = (await one.handoff.assignment.status(t.number))!;
    expect(work.state).to.equal('offered');
    expect(work.agentId).to.not.equal(first.agentId);
    const history = await one.tickets.history(t.number);
    expect(history.filter((e) => e.type === 'unassigned')).to.have.length(1);
    expect(history.filter((e) => e.type === 'assigned')).to.have.length(2);
  });

  it('after a Redis restart in the middle of work, queued tickets are still handed out within capacity', async () => {
    const prefix = `kefu-t${++n}:`;
    const clock = new ManualClock(FRIDAY_10AM);
    const store = await open(prefix);
    const desk = createDesk(store, clock, { awayAfterS: 0 });
    const ids = await desk.addAgents(3, { live: 2 });
    const numbers: string[] = [];
    for (let i = 0; i < 8; i++) numbers.push((await desk.openTicket()).number);
    await Promise.all(numbers.slice(0, 4).map((x) => desk.handoff.assignment.enqueue(x)));

    await redis.restart();
    // The client reconnects by itself; wait until the store answers again.
    for (let i = 0; i < 200 && !(await store.health()).ok; i++) await new Promise((r) => setTimeout(r, 50));
    expect((await store.health()).ok).to.equal(true);

    await Promise.all(numbers.slice(4).map((x) => desk.handoff.assignment.enqueue(x)));
    const states = await Promise.all(numbers.map((x) => desk.handoff.assignment.status(x)));
    expect(states.filter((s) => s!.state === 'offered')).to.have.length(6);
    expect(states.filter((s) => s!.state === 'queued')).to.have.length(2);
    expect(await sampleCapacity(store)).to.deep.equal([]);
    // Work goes on: one agent finishes, the oldest waiting ticket moves up.
    const held = states.find((s) => s!.agentId === ids[0])!;
    await desk.handoff.assignment.accept(held.number, ids[0]!);
    await desk.handoff.assignment.resolve(held.number, ids[0]!);
    const waiting = states.filter((s) => s!.state === 'queued').map((s) => s!.number);
    expect(await desk.handoff.assignment.status(waiting[0]!)).to.include({ state: 'offered', agentId: ids[0] });
  });
});
