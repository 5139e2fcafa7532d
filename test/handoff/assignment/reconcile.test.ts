/**
 * The repair sweep: states a crash between two steps can leave behind are finished or undone.
 * The crash states are made by hand with the store, as a dying instance would leave them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ManualClock } from '../../../app/clock';
import type { Store } from '../../../storage/port';
import { openSqliteStore } from '../../../storage/sqlite/sqlite-store';
import { createDesk, type Desk, FRIDAY_10AM, silent } from './desk-harness';

describe('assignment repair sweep (reconcile)', () => {
  let dir: string;
  let store: Store;
  let clock: ManualClock;
  let desk: Desk;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-reconcile-'));
    store = await openSqliteStore({ file: path.join(dir, 'kefu.sqlite'), log: silent });
    clock = new ManualClock(FRIDAY_10AM);
    desk = createDesk(store, clock, { awayAfterS: 0, reconcileEveryS: 60 });
  });

  afterEach(async () => {
    await desk.runner.stop();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finishes an offer whose instance died right after the atomic assign', async () => {
    await desk.addAgents(1, { online: false });
    const t = await desk.openTicket();
    await desk.handoff.assignment.enqueue(t.number);
    // The slot goes online behind the directory's back, and the store assigns: then the instance dies.
    const slot = (await store.assignment.getAgent('a01#live'))!;
    await store.assignment.upsertAgent({
      agentId: slot.agentId,
      status: 'online',
      skills: slot.skills,
      capacity: slot.capacity,
    });
    const got = await store.assignment.assign({
      itemId: t.number,
      requiredSkills: ['pool:live'],
      now: clock.now(),
      queue: 'handoff:live',
    });
    expect(got?.agentId).to.equal('a01#live');
    await desk.handoff.assignment.reconcile();
    expect(await desk.handoff.assignment.status(t.number)).to.include({ state: 'queued' }); // too fresh to touch
    clock.advance(31_000);
    await desk.handoff.assignment.reconcile();
    expect(await desk.handoff.assignment.status(t.number)).to.include({ state: 'offered', agentId: 'a01' });
    expect(await desk.tickets.get(t.number)).to.include({ status: 'assigned', assigneeId: 'a01' });
    expect(await store.timers.get(`handoff-accept:${t.number}:1`)).to.not.equal(undefined);
  });

  it('puts waiting work that fell out of its queue back, and drops queue entries of finished work', async () => {
    const t1 = await desk.openTicket();
    const t2 = await desk.openTicket();
    await desk.handoff.assignment.enqueue(t1.number);
    await desk.handoff.assignment.enqueue(t2.number);
    await store.queues.remove('handoff:live', t1.number); // lost between two steps
    await desk.handoff.assignment.release(t2.number, 'abandoned');
    await store.queues.enqueue('handoff:live', t2.number, clock.now()); // a late re-queue
    clock.advance(31_000);
    await desk.handoff.assignment.reconcile();
    expect((await store.queues.list('handoff:live')).map((i) => i.itemId)).to.deep.equal([t1.number]);
  });

  it('runs on a durable timer every period, once per period across instances', async () => {
    const other = createDesk(store, clock, { awayAfterS: 0, reconcileEveryS: 60 });
    await desk.handoff.start();
    await other.handoff.start();
    expect(await store.timers.pendingCount()).to.equal(1);
    clock.advance(60_000);
    const fired = (await desk.runner.tick()) + (await other.runner.tick());
    expect(fired).to.equal(1);
    expect(await store.timers.pendingCount()).to.equal(1); // the next sweep
    await other.runner.stop();
  });
});
