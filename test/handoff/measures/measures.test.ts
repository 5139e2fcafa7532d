import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ManualClock } from '../../../app/clock';
import { computeMeasures, ticketFacts } from '../../../handoff/measures/measures';
import type { TicketEvent } from '../../../handoff/tickets/ticket-service';
import type { Store } from '../../../storage/port';
import { openSqliteStore } from '../../../storage/sqlite/sqlite-store';
import { createDesk, type Desk, FRIDAY_10AM, silent } from '../assignment/desk-harness';

const T0 = FRIDAY_10AM;
const S = 1000;
const sys = { kind: 'system' as const, id: 'assignment' };
const ev = (at: number, type: TicketEvent['type'], data: TicketEvent['data'], actor: TicketEvent['actor'] = sys) => ({
  at,
  type,
  data,
  actor,
});

describe('measures', () => {
  describe('from ticket histories (pure)', () => {
    it('credits the wait and the handling to the agent who accepted, not the one who let the offer lapse', () => {
      const facts = ticketFacts({ number: 'K-000001', type: 'chat-handoff', createdAt: T0, slaDueAt: T0 + 300 * S }, [
        ev(T0, 'created', { status: 'new' }, { kind: 'bot' }),
        ev(T0 + 1 * S, 'status', { from: 'new', to: 'queued' }),
        ev(T0 + 2 * S, 'assigned', { agentId: 'a01', from: null }),
        ev(T0 + 62 * S, 'unassigned', { from: 'a01' }),
        ev(T0 + 62 * S, 'assigned', { agentId: 'a02', from: null }),
        ev(T0 + 70 * S, 'status', { from: 'assigned', to: 'in-progress' }, { kind: 'agent', id: 'a02' }),
        ev(T0 + 80 * S, 'message', { text: '您好' }, { kind: 'agent', id: 'a02' }),
        ev(T0 + 370 * S, 'status', { from: 'in-progress', to: 'resolved' }, { kind: 'agent', id: 'a02' }),
      ]);
      expect(facts).to.include({
        queuedAt: T0 + 1 * S,
        acceptedAt: T0 + 70 * S,
        acceptedBy: 'a02',
        firstResponseAt: T0 + 80 * S,
        firstResponder: 'a02',
        resolvedAt: T0 + 370 * S,
        resolvedBy: 'a02',
      });
    });

    it('computes waiting ratio, abandonment rate, first response, handle time and callbacks within SLA', () => {
      const teamOf = new Map([
        ['a01', 't1'],
        ['a02', 't1'],
        ['b01', 't2'],
      ]);
      const chat = (n: number, wait: number, agent?: string, abandonedAfter?: number) => ({
        number: `K-00000${n}`,
        type: 'chat-handoff' as const,
        createdAt: T0,
        slaDueAt: T0 + 300 * S,
        queuedAt: T0,
        ...(agent
          ? { acceptedAt: T0 + wait * S, acceptedBy: agent, resolvedAt: T0 + (wait + 200) * S, resolvedBy: agent }
          : {}),
        ...(abandonedAfter ? { abandonedAt: T0 + abandonedAfter * S } : {}),
      });
      const report = computeMeasures(
        [
          chat(1, 30, 'a01'),
          chat(2, 90, 'a02'),
          chat(3, 0, undefined, 120),
          chat(4, 10, 'b01'),
          {
            number: 'K-000005',
            type: 'callback',
            createdAt: T0,
            slaDueAt: T0 + 3600 * S,
            resolvedAt: T0 + 600 * S,
            resolvedBy: 'a01',
            firstResponseAt: T0 + 60 * S,
            firstResponder: 'a01',
          },
          {
            number: 'K-000006',
            type: 'callback',
            createdAt: T0,
            slaDueAt: T0 + 60 * S,
            resolvedAt: T0 + 600 * S,
            resolvedBy: 'b01',
          },
          // Outside the period: ignored.
          { ...chat(7, 500, 'a01'), number: 'K-000007', createdAt: T0 - 86_400 * S },
        ],
        { from: T0 - 3600 * S, to: T0 + 3600 * S, waitThresholdS: 60, teamOf },
      );
      expect(report.desk).to.include({ tickets: 6, waited: 4, abandoned: 1 });
      expect(report.desk.waitingRatio).to.equal(2 / 4); // 90 s and the 120 s abandoned wait
      expect(report.desk.abandonmentRate).to.equal(1 / 4);
      expect(report.desk.waitingTime).to.include({ count: 4, maxS: 120 });
      expect(report.desk.handleTime).to.include({ count: 3, meanS: 200 });
      expect(report.desk.callbacks).to.deep.equal({ resolved: 2, withinSla: 1, ratio: 0.5 });
      expect(report.byAgent.a01!.waitingTime).to.include({ count: 1, maxS: 30 });
      expect(report.byAgent.a01!.callbacks).to.deep.equal({ resolved: 1, withinSla: 1, ratio: 1 });
      expect(report.byAgent.a01!.firstResponse).to.include({ count: 1, maxS: 60 });
      expect(report.byTeam.t1).to.include({ tickets: 3, waited: 2, abandoned: 0 });
      expect(report.byTeam.t1!.waitingRatio).to.equal(1 / 2);
      expect(report.byTeam.t2!.callbacks).to.deep.equal({ resolved: 1, withinSla: 0, ratio: 0 });
    });
  });

  describe('gathered from a working desk (SQLite)', () => {
    let dir: string;
    let store: Store;
    let clock: ManualClock;
    let desk: Desk;

    beforeEach(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-measures-'));
      store = await openSqliteStore({ file: path.join(dir, 'kefu.sqlite'), log: silent });
      clock = new ManualClock(T0);
      desk = createDesk(store, clock, { awayAfterS: 0 });
    });

    afterEach(async () => {
      await desk.runner.stop();
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('reports per agent and per team what happened to live chats and callbacks', async () => {
      await desk.handoff.teams.create({ id: 'team-1', name: '台北一組' });
      await desk.handoff.agents.createAgent({
        id: 'a01',
        name: '陳怡君',
        email: 'a01@kangfu-life.example',
        teamId: 'team-1',
        skills: ['lang:zh-TW', 'queue:general'],
        capacity: { live: 1, callback: 2 },
      });
      await desk.handoff.presence.set('a01', 'online');
      const c1 = await desk.openTicket();
      const c2 = await desk.openTicket();
      await desk.handoff.assignment.enqueue(c1.number);
      await desk.handoff.assignment.enqueue(c2.number); // waits: a01 has one live place
      clock.advance(20 * S);
      await desk.handoff.assignment.accept(c1.number, 'a01');
      clock.advance(10 * S);
      await desk.tickets.addMessage(
        c1.number,
        { kind: 'agent', id: 'a01' },
        { text: '您好，我是陳怡君', channel: 'webchat' },
      );
      clock.advance(100 * S);
      // The second customer gives up before anyone takes the chat.
      await desk.tickets.record(c2.number, { kind: 'customer' }, 'abandoned', { after: 'no activity' });
      await desk.handoff.assignment.release(c2.number, 'abandoned');
      clock.advance(170 * S);
      await desk.handoff.assignment.resolve(c1.number, 'a01');

      const cb = await desk.openTicket({ type: 'callback' });
      await desk.handoff.assignment.enqueue(cb.number);
      await desk.handoff.assignment.accept(cb.number, 'a01');
      clock.advance(600 * S);
      await desk.handoff.assignment.resolve(cb.number, 'a01');

      const report = await desk.handoff.measures.report({ from: T0, to: clock.now() + 1 });
      expect(report.desk).to.include({ tickets: 3, waited: 2, abandoned: 1, abandonmentRate: 0.5, waitingRatio: 0.5 });
      expect(report.byAgent.a01!.waitingTime).to.include({ count: 1, maxS: 20 });
      expect(report.byAgent.a01!.firstResponse).to.include({ count: 1, maxS: 30 });
      expect(report.byAgent.a01!.handleTime).to.include({ count: 2 });
      expect(report.byAgent.a01!.callbacks).to.deep.equal({ resolved: 1, withinSla: 1, ratio: 1 });
      expect(report.byTeam['team-1']!.tickets).to.equal(2);
      expect(report.offersSinceStart.a01).to.deep.equal({ offered: 2, declined: 0, lapsed: 0 });
    });
  });
});
