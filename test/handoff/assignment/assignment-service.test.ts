import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ManualClock } from '../../../app/clock';
import { isKefuError } from '../../../app/errors';
import type { HandoffNotice } from '../../../handoff/index';
import type { Store } from '../../../storage/port';
import { openSqliteStore } from '../../../storage/sqlite/sqlite-store';
import { AgentSimulator, rng } from './agent-simulator';
import { createDesk, type Desk, FRIDAY_10AM, silent } from './desk-harness';
import { expectDrained, expectEachTicketOneAssignee, sampleCapacity } from './invariants';

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  try {
    await promise;
  } catch (err) {
    expect(isKefuError(err), String(err)).to.equal(true);
    expect((err as { code: string }).code).to.equal(code);
    return;
  }
  expect.fail(`expected ${code}`);
}

describe('assignment (SQLite)', () => {
  let dir: string;
  let file: string;
  let store: Store;
  let clock: ManualClock;
  let desk: Desk;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-assign-'));
    file = path.join(dir, 'kefu.sqlite');
    store = await openSqliteStore({ file, log: silent });
    clock = new ManualClock(FRIDAY_10AM);
    // No automatic away here: these tests move the clock by minutes without agent activity.
    desk = createDesk(store, clock, { awayAfterS: 0 });
  });

  afterEach(async () => {
    await desk.runner.stop();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Agents come online one second apart, so the longest idle is the first one. */
  async function agents(count: number, live = 2, extra: { skills?: string[]; prefix?: string } = {}) {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      ids.push(...(await desk.addAgents(1, { live, ...extra, prefix: `${extra.prefix ?? 'a'}${i + 1}-` })));
      clock.advance(1000);
    }
    return ids;
  }

  it('hands tickets round robin to the agent idle longest, and the ticket follows', async () => {
    const ids = await agents(3, 2);
    const got: string[] = [];
    for (let i = 0; i < 6; i++) {
      const t = await desk.openTicket();
      const work = await desk.handoff.assignment.enqueue(t.number);
      expect(work.state).to.equal('offered');
      got.push(work.agentId!);
      clock.advance(10);
      const ticket = await desk.tickets.get(t.number);
      expect(ticket).to.include({ status: 'assigned', assigneeId: work.agentId });
    }
    expect(got).to.deep.equal([...ids, ...ids]);
  });

  it('gives a ticket only to an agent with its language and queue skills', async () => {
    await desk.addAgents(1, { prefix: 'zh' });
    await desk.addAgents(1, { prefix: 'en', skills: ['lang:en', 'queue:general', 'queue:travel'] });
    const en = await desk.openTicket({ lang: 'en' });
    expect((await desk.handoff.assignment.enqueue(en.number)).agentId).to.equal('en01');
    const travelZh = await desk.openTicket({ queue: 'travel' });
    const w = await desk.handoff.assignment.enqueue(travelZh.number);
    expect(w.state).to.equal('queued');
    expect((await desk.handoff.assignment.queuePosition(travelZh.number))!.estimatedWaitS).to.equal(undefined);
  });

  it('two agents online, four chats are shared two and two; the fifth waits with a position and an estimate', async () => {
    const [a, b] = await agents(2, 2);
    const numbers: string[] = [];
    for (let i = 0; i < 5; i++) numbers.push((await desk.openTicket()).number);
    const works = await Promise.all(numbers.map((n) => desk.handoff.assignment.enqueue(n)));
    const byAgent = (id: string) => works.filter((w) => w.agentId === id).length;
    expect([byAgent(a!), byAgent(b!)]).to.deep.equal([2, 2]);
    const waiting = works.find((w) => w.state === 'queued')!;
    const pos = await desk.handoff.assignment.queuePosition(waiting.number);
    // position 1 × 300 s default handle time / 2 online agents
    expect(pos).to.include({ state: 'queued', position: 1, queueLength: 1, estimatedWaitS: 150, onlineAgents: 2 });
    const sixth = await desk.openTicket();
    await desk.handoff.assignment.enqueue(sixth.number);
    expect((await desk.handoff.assignment.queuePosition(sixth.number))!.position).to.equal(2);

    // b accepts one and resolves it: the oldest waiting ticket goes to b.
    const bTicket = works.find((w) => w.agentId === b)!.number;
    await desk.handoff.assignment.accept(bTicket, b!);
    clock.advance(120_000);
    await desk.handoff.assignment.resolve(bTicket, b!);
    expect(await desk.handoff.assignment.status(waiting.number)).to.include({ state: 'offered', agentId: b });
    expect(await desk.handoff.assignment.queuePosition(sixth.number)).to.include({ position: 1, estimatedWaitS: 60 });
    expect(await desk.handoff.assignment.averageHandleS('live')).to.equal(120);
  });

  it('accept moves the ticket to in-progress; another agent cannot accept it', async () => {
    const [a, b] = await agents(2);
    const t = await desk.openTicket();
    const w = await desk.handoff.assignment.enqueue(t.number);
    expect(w.agentId).to.equal(a);
    await expectCode(desk.handoff.assignment.accept(t.number, b!), 'ERR_ASSIGNMENT_CONFLICT');
    await desk.handoff.assignment.accept(t.number, a!);
    await desk.handoff.assignment.accept(t.number, a!); // idempotent
    expect(await desk.tickets.get(t.number)).to.include({ status: 'in-progress', assigneeId: a });
  });

  it('an agent who does not accept in time loses the ticket to the next agent, who is not them', async () => {
    const [a, b] = await agents(2);
    const t = await desk.openTicket();
    expect((await desk.handoff.assignment.enqueue(t.number)).agentId).to.equal(a);
    clock.advance(59_000);
    await desk.runner.tick();
    expect((await desk.handoff.assignment.status(t.number))!.agentId).to.equal(a);
    clock.advance(1_000);
    expect(await desk.runner.tick()).to.equal(1);
    expect(await desk.handoff.assignment.status(t.number)).to.include({ state: 'offered', agentId: b });
    await expectCode(desk.handoff.assignment.accept(t.number, a!), 'ERR_ASSIGNMENT_CONFLICT');
    expect((await store.assignment.getAgent(`${a}#live`))!.load).to.equal(0);
    const types = (await desk.tickets.history(t.number)).map((e) => e.type);
    expect(types.filter((x) => x === 'assigned')).to.have.length(2);
    expect(types.filter((x) => x === 'unassigned')).to.have.length(1);
    const report = await desk.handoff.measures.report({ from: 0, to: clock.now() + 1 });
    expect(report.offersSinceStart[a!]).to.deep.equal({ offered: 1, declined: 0, lapsed: 1 });
  });

  it('a declined ticket goes to the next agent; with nobody else it waits in the queue', async () => {
    const [a, b] = await agents(2);
    const t = await desk.openTicket();
    await desk.handoff.assignment.enqueue(t.number);
    const after = await desk.handoff.assignment.decline(t.number, a!);
    expect(after).to.include({ state: 'offered', agentId: b });
    const again = await desk.handoff.assignment.decline(t.number, b!);
    expect(again.state).to.equal('queued');
    expect(await desk.tickets.get(t.number)).to.include({ status: 'queued' });
    expect(await desk.handoff.assignment.queuePosition(t.number)).to.include({ position: 1 });
  });

  it('an agent going offline returns unaccepted work to the queue; accepted work stays', async () => {
    const [a] = await agents(1, 2);
    const t1 = await desk.openTicket();
    const t2 = await desk.openTicket();
    await desk.handoff.assignment.enqueue(t1.number);
    await desk.handoff.assignment.enqueue(t2.number);
    await desk.handoff.assignment.accept(t1.number, a!);
    await desk.handoff.presence.set(a!, 'offline');
    expect(await desk.handoff.assignment.status(t1.number)).to.include({ state: 'accepted', agentId: a });
    expect(await desk.handoff.assignment.status(t2.number)).to.include({ state: 'queued' });
    expect(await desk.tickets.get(t2.number)).to.include({ status: 'queued' });
    expect((await desk.tickets.get(t2.number)).assigneeId).to.equal(undefined);
    // Another agent comes online: the waiting ticket is handed out at once.
    const [b] = await agents(1, 2, { prefix: 'b' });
    expect(await desk.handoff.assignment.status(t2.number)).to.include({ state: 'offered', agentId: b });
  });

  it('queued work is handed out oldest first when an agent comes online', async () => {
    const numbers: string[] = [];
    for (let i = 0; i < 3; i++) {
      const t = await desk.openTicket();
      await desk.handoff.assignment.enqueue(t.number);
      numbers.push(t.number);
      clock.advance(1000);
    }
    expect((await desk.handoff.assignment.waiting('live')).map((w) => w.number)).to.deep.equal(numbers);
    await desk.addAgents(1, { live: 2 });
    const states = await Promise.all(numbers.map((n) => desk.handoff.assignment.status(n)));
    expect(states.map((s) => s!.state)).to.deep.equal(['offered', 'offered', 'queued']);
  });

  it('an agent picks a queued ticket from the queue (claim), within capacity only', async () => {
    const t1 = await desk.openTicket();
    const t2 = await desk.openTicket();
    await desk.handoff.assignment.enqueue(t1.number);
    await desk.handoff.assignment.enqueue(t2.number);
    await desk.addAgents(1, { live: 1, online: false });
    const w = await desk.handoff.assignment.claim(t2.number, 'a01');
    expect(w).to.include({ state: 'accepted', agentId: 'a01' });
    expect(await desk.tickets.get(t2.number)).to.include({ status: 'in-progress', assigneeId: 'a01' });
    await expectCode(desk.handoff.assignment.claim(t1.number, 'a01'), 'ERR_ASSIGNMENT_CONFLICT');
  });

  it('a ticket released while queued (the customer left) leaves the queue', async () => {
    const t = await desk.openTicket();
    await desk.handoff.assignment.enqueue(t.number);
    await desk.handoff.assignment.release(t.number, 'abandoned');
    expect(await store.queues.length('handoff:live')).to.equal(0);
    await desk.addAgents(1);
    expect(await desk.handoff.assignment.status(t.number)).to.include({ state: 'closed', closedReason: 'abandoned' });
  });

  it('a race between accept and the no-accept timer has exactly one winner', async () => {
    const [a] = await agents(3);
    for (let round = 0; round < 10; round++) {
      const t = await desk.openTicket();
      const w = await desk.handoff.assignment.enqueue(t.number);
      clock.advance(60_000);
      const [acc] = await Promise.allSettled([
        desk.handoff.assignment.accept(t.number, w.agentId!),
        desk.runner.tick(),
      ]);
      const work = (await desk.handoff.assignment.status(t.number))!;
      const ticket = await desk.tickets.get(t.number);
      if (acc.status === 'fulfilled') {
        expect(work).to.include({ state: 'accepted', agentId: w.agentId });
        expect(ticket).to.include({ status: 'in-progress', assigneeId: w.agentId });
      } else {
        expect(work.agentId).to.not.equal(w.agentId);
        expect(ticket.assigneeId).to.equal(work.agentId);
      }
      if (work.state !== 'queued') await desk.handoff.assignment.release(t.number, 'cancelled');
      void a;
    }
    expect(await sampleCapacity(store)).to.deep.equal([]);
  });

  it('a no-accept reassignment due while the app was down fires after restart, once', async () => {
    await desk.runner.stop();
    desk = createDesk(store, clock, { awayAfterS: 0 });
    await agents(2);
    const t = await desk.openTicket();
    const first = await desk.handoff.assignment.enqueue(t.number);
    await desk.runner.stop();
    await store.close();
    clock.advance(3 * 60_000); // down for three minutes: the 60 s offer ran out meanwhile

    store = await openSqliteStore({ file, log: silent });
    desk = createDesk(store, clock, { awayAfterS: 0 });
    const second = createDesk(store, clock, { awayAfterS: 0 }); // a second instance on the same data
    const fired = await Promise.all([desk.runner.tick(), second.runner.tick()]);
    expect(fired.reduce((x, y) => x + y, 0)).to.equal(1);
    expect(await desk.runner.tick()).to.equal(0);
    const work = (await desk.handoff.assignment.status(t.number))!;
    expect(work.state).to.equal('offered');
    expect(work.agentId).to.not.equal(first.agentId);
    const unassigned = (await desk.tickets.history(t.number)).filter((e) => e.type === 'unassigned');
    expect(unassigned).to.have.length(1);
    await second.runner.stop();
  });

  it('announces assignments and queue changes on the bus', async () => {
    const notices: HandoffNotice[] = [];
    const off = await desk.handoff.subscribe((n) => notices.push(n));
    await agents(1, 1);
    const t1 = await desk.openTicket();
    const t2 = await desk.openTicket();
    await desk.handoff.assignment.enqueue(t1.number);
    await desk.handoff.assignment.enqueue(t2.number);
    await new Promise((r) => setImmediate(r));
    await off();
    expect(notices).to.deep.include({ type: 'assigned', ticket: t1.number, agentId: 'a1-01', pool: 'live' });
    expect(notices).to.deep.include({ type: 'queue-changed', pool: 'live', length: 1 });
  });

  it('records an SLA breach once, even when the timer fires twice', async () => {
    const t = await desk.openTicket({ type: 'callback' });
    clock.set(t.slaDueAt + 1);
    expect(await desk.runner.tick()).to.equal(1);
    await store.timers.schedule({
      id: 'again',
      kind: 'ticket-sla-due',
      dueAt: clock.now(),
      payload: { number: t.number },
    });
    await desk.runner.tick();
    const breaches = (await desk.tickets.history(t.number)).filter((e) => e.type === 'sla-breached');
    expect(breaches).to.have.length(1);
  });

  it('tells whether the desk is open and when it opens next', () => {
    expect(desk.handoff.isDeskOpen(FRIDAY_10AM)).to.equal(true);
    const fridayNight = FRIDAY_10AM + 12 * 3_600_000;
    expect(desk.handoff.isDeskOpen(fridayNight)).to.equal(false);
    const next = desk.handoff.nextOpening('zh-TW', fridayNight);
    expect(next.at).to.be.greaterThan(fridayNight);
    expect(next.text).to.match(/09:00/);
  });

  describe('concurrent requests in one process', () => {
    it('equally available agents get assignments differing by at most one per cycle', async () => {
      const ids = await desk.addAgents(20, { live: 4 });
      const numbers: string[] = [];
      for (let i = 0; i < 70; i++) numbers.push((await desk.openTicket()).number);
      await Promise.all(numbers.map((n) => desk.handoff.assignment.enqueue(n)));
      const loads = await desk.handoff.assignment.loads();
      const counts = ids.map((id) => loads.find((l) => l.agentId === id)!.live.load);
      expect(counts.reduce((x, y) => x + y, 0)).to.equal(70);
      expect(Math.max(...counts) - Math.min(...counts)).to.be.at.most(1);
    });

    it('a burst with random accepts, declines and presence changes: one assignee per ticket, capacity kept', async function () {
      this.timeout(120_000);
      const ids = await desk.addAgents(20, { live: 4 });
      const random = rng(20261127);
      const sim = new AgentSimulator(desk.handoff, store, ids, random, {
        acceptP: 0.8,
        declineP: 0.1,
        resolveP: 0.5,
        offlineP: 0.02,
      });
      const numbers: string[] = [];
      for (let i = 0; i < 300; i++) numbers.push((await desk.openTicket()).number);
      const capacityProblems: string[] = [];
      const sample = async () => capacityProblems.push(...(await sampleCapacity(store)));
      // The burst: all enqueued at once while agents act.
      const burst = Promise.all(numbers.map((n) => desk.handoff.assignment.enqueue(n)));
      const agentsAct = (async () => {
        for (let i = 0; i < 200; i++) {
          await Promise.all([sim.step(), sim.step(), sim.step(), sample()]);
        }
      })();
      await Promise.all([burst, agentsAct]);
      let resolved = 0;
      for (let i = 0; i < 20_000 && resolved < numbers.length; i++) {
        await Promise.all([sim.step(i < 5000), sim.step(i < 5000)]);
        if (i % 20 === 0) {
          await sample();
          clock.advance(61_000); // ignored offers lapse
          await desk.runner.tick();
          await sim.allOnline();
          resolved = await store.records.count('tickets', { name: 'status', value: 'resolved' });
        }
      }
      expect(sim.stats.errors).to.deep.equal([]);
      expect(capacityProblems).to.deep.equal([]);
      expect(resolved).to.equal(numbers.length);
      await expectEachTicketOneAssignee(desk.tickets, numbers);
      await expectDrained(store);
      expect(sim.stats.declined).to.be.greaterThan(0);
      expect(sim.stats.ignored).to.be.greaterThan(0);
      expect(sim.stats.offline).to.be.greaterThan(0);
    });
  });
});
