/**
 * One app instance of the multi-instance test, as its own process (`node --import tsx redis-desk-worker.ts`, what `npx tsx` runs):
 * opens the Redis store, builds the desk with the real clock and a running timer runner, and
 * obeys JSON-line commands on stdin, answering JSON lines on stdout:
 *   {"cmd":"open","count":N}  → opens N chat tickets and enqueues them all at once → {"event":"opened","numbers":[…]}
 *   {"cmd":"simulate"}        → its agents start accepting, declining, ignoring, resolving, going offline
 *   {"cmd":"stop"}            → stops, brings its agents online → {"event":"stopped","stats":{…}} and exits
 * Environment: REDIS_URL, KEY_PREFIX, AGENTS (comma-separated ids), SEED.
 */
import readline from 'node:readline';
import { systemClock } from '../../../app/clock';
import { openRedisStore } from '../../../storage/redis/redis-store';
import { AgentSimulator, rng } from './agent-simulator';
import { createDesk, silent } from './desk-harness';

function send(message: unknown): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

async function main(): Promise<void> {
  const store = await openRedisStore({ url: process.env.REDIS_URL!, keyPrefix: process.env.KEY_PREFIX!, log: silent });
  const desk = createDesk(store, systemClock, {
    liveAcceptTimeoutS: 1,
    awayAfterS: 0,
    exclusionS: 5,
    reconcileEveryS: 5,
  });
  desk.runner.start();
  const agents = (process.env.AGENTS ?? '').split(',').filter(Boolean);
  const sim = new AgentSimulator(desk.handoff, store, agents, rng(Number(process.env.SEED ?? 1)), {
    acceptP: 0.8,
    declineP: 0.1,
    resolveP: 0.4,
    offlineP: 0.01,
  });
  let simulating: Promise<void> | undefined;
  let stopping = false;

  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const msg = JSON.parse(line) as { cmd: string; count?: number };
    if (msg.cmd === 'open') {
      const numbers: string[] = [];
      for (let i = 0; i < (msg.count ?? 0); i++) numbers.push((await desk.openTicket()).number);
      const results = await Promise.allSettled(numbers.map((n) => desk.handoff.assignment.enqueue(n)));
      const failed = results
        .filter((r) => r.status === 'rejected')
        .map((r) => String((r as PromiseRejectedResult).reason));
      send({ event: 'opened', numbers, failed });
    } else if (msg.cmd === 'simulate') {
      simulating = (async () => {
        while (!stopping) await Promise.all([sim.step(), sim.step()]);
      })();
    } else if (msg.cmd === 'stop') {
      stopping = true;
      await simulating;
      await sim.allOnline();
      await desk.runner.stop();
      send({ event: 'stopped', stats: sim.stats });
      await store.close();
      process.exit(0);
    }
  }
}

main().catch((err) => {
  send({ event: 'crashed', error: String((err as Error).stack ?? err) });
  process.exit(1);
});
