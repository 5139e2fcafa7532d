/**
 * Checks shared by the concurrency tests: what must hold after a run, read from the store and
 * the ticket histories (the source of truth), not from what the simulators believe.
 */
import { expect } from 'chai';
import type { TicketService } from '../../../handoff/tickets/ticket-service';
import type { Store } from '../../../storage/port';

/** Every slot's load within capacity, and the store's assignment lists agree with the loads. */
export async function sampleCapacity(store: Store): Promise<string[]> {
  const problems: string[] = [];
  for (const slot of await store.assignment.listAgents()) {
    if (slot.load > slot.capacity) problems.push(`${slot.agentId} load ${slot.load} > capacity ${slot.capacity}`);
  }
  return problems;
}

/** Every ticket resolved with exactly one assignee, whose assignment history never overlapped. */
export async function expectEachTicketOneAssignee(
  tickets: TicketService,
  numbers: string[],
): Promise<Map<string, number>> {
  const perAgent = new Map<string, number>();
  for (const number of numbers) {
    const t = await tickets.get(number);
    expect(t.status, `${number} status`).to.equal('resolved');
    expect(t.assigneeId, `${number} assignee`).to.be.a('string');
    const history = await tickets.history(number);
    let holder: string | undefined;
    for (const e of history) {
      if (e.type === 'assigned') {
        const story = history.map(
          (h) => `${h.type}:${String(h.data.agentId ?? h.data.to ?? '')}:${h.actor.id ?? h.actor.kind}`,
        );
        expect(
          holder,
          `${number} assigned to ${String(e.data.agentId)} while ${holder} held it: ${story.join(' ')}`,
        ).to.equal(undefined);
        holder = e.data.agentId as string;
      } else if (e.type === 'unassigned') {
        expect(holder, `${number} unassigned while nobody held it`).to.be.a('string');
        holder = undefined;
      }
    }
    expect(holder, `${number} final holder`).to.equal(t.assigneeId);
    const resolved = history.filter((e) => e.type === 'status' && e.data.to === 'resolved');
    expect(resolved, `${number} resolved once`).to.have.length(1);
    expect(resolved[0]!.actor.id, `${number} resolved by its assignee`).to.equal(t.assigneeId);
    perAgent.set(t.assigneeId!, (perAgent.get(t.assigneeId!) ?? 0) + 1);
  }
  return perAgent;
}

/** After a run: no assignment left, no load, nothing queued. */
export async function expectDrained(store: Store): Promise<void> {
  for (const slot of await store.assignment.listAgents()) {
    expect(slot.load, `${slot.agentId} load after the run`).to.equal(0);
    expect(await store.assignment.assignmentsOf(slot.agentId)).to.deep.equal([]);
  }
  expect(await store.queues.length('handoff:live')).to.equal(0);
}
