/**
 * One app instance of the assignment benchmark (a separate process, `node --import tsx bench/assignment-worker.ts`).
 * Environment: REDIS_URL, KEY_PREFIX, MODE (raw | step | desk), COUNT, CONCURRENCY, WORKER.
 * Prepares, prints {"event":"ready"}, waits for "go" on stdin, does COUNT operations with
 * CONCURRENCY in flight, prints {"event":"done","ops":N,"ms":…,"failed":…} and exits.
 * - raw:  EVALSHA of a read-only script of the same shape as the assign step (scan 40 agents).
 * - step: the store's atomic pick-and-claim (`store.assignment.assign`), one per item.
 * - desk: the whole desk path per ticket: `assignment.enqueue` (queue → pick-and-claim →
 *         ticket assigned, offer recorded, timer, notices) then `release`.
 */
import { performance } from 'node:perf_hooks';
import readline from 'node:readline';
import pino from 'pino';
import { createClient } from 'redis';
import { systemClock } from '../app/clock';
import { TimerRunner } from '../app/timer-runner';
import { createHandoff } from '../handoff/index';
import { createSlaPolicy, DEFAULT_SLA_MINUTES } from '../handoff/tickets/sla';
import { createTicketService } from '../handoff/tickets/ticket-service';
import { buildCalendar, parseDeskFile } from '../handoff/calendar/parse-calendar';
import { openRedisStore } from '../storage/redis/redis-store';

/** Same shape as storage/redis/scripts/assign-6.lua without the writes. KEYS[1] meta hash, KEYS[2] load hash, KEYS[3] idle hash. */
export const RAW_PICK_SCRIPT = `
local best, bestIdle = nil, nil
local agents = redis.call('HGETALL', KEYS[1])
for i = 1, #agents, 2 do
  local meta = cjson.decode(agents[i + 1])
  if meta.status == 'online' then
    local load = tonumber(redis.call('HGET', KEYS[2], agents[i]) or '0')
    if load < tonumber(meta.capacity) then
      local idle = tonumber(redis.call('HGET', KEYS[3], agents[i]) or '0')
      if best == nil or idle < bestIdle then best, bestIdle = agents[i], idle end
    end
  end
end
return best`;

const silent = pino({ level: 'silent' });

async function pool(count: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  let failed = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      try {
        await op(i);
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return failed;
}

async function main(): Promise<void> {
  const env = process.env;
  const mode = env.MODE ?? 'raw';
  const count = Number(env.COUNT ?? 1000);
  const concurrency = Number(env.CONCURRENCY ?? 16);
  const worker = env.WORKER ?? '0';
  const prefix = env.KEY_PREFIX!;
  let op: (i: number) => Promise<unknown>;
  let notAtOnce = 0;
  const closers: Array<() => Promise<unknown>> = [];

  if (mode === 'raw') {
    const client = createClient({ url: env.REDIS_URL });
    client.on('error', () => undefined);
    await client.connect();
    closers.push(() => client.quit());
    const sha = await client.scriptLoad(RAW_PICK_SCRIPT);
    const keys = [`${prefix}raw:meta`, `${prefix}raw:load`, `${prefix}raw:idle`];
    op = () => client.evalSha(sha, { keys, arguments: [] });
  } else {
    const store = await openRedisStore({ url: env.REDIS_URL!, keyPrefix: prefix, log: silent });
    closers.push(() => store.close());
    if (mode === 'step') {
      op = (i) =>
        store.assignment.assign({
          itemId: `S-${worker}-${i}`,
          requiredSkills: ['lang:zh-TW', 'pool:live'],
          now: Date.now(),
        });
    } else {
      const desk = parseDeskFile(
        'mode: 24h\ntimeZone: Asia/Taipei\nweekly: {mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: []}\nholidayFiles: []\nextraWorkdays: {}\n',
      );
      const calendar = buildCalendar(desk, [], '24h');
      const tickets = createTicketService({
        store,
        clock: systemClock,
        sla: createSlaPolicy(calendar, DEFAULT_SLA_MINUTES),
      });
      const handoff = createHandoff({
        store,
        clock: systemClock,
        log: silent,
        calendar,
        tickets,
        options: {
          liveAcceptTimeoutS: 60,
          callbackAcceptTimeoutS: 0,
          awayAfterS: 0,
          waitThresholdS: 60,
          defaultHandleS: 300,
          reconcileEveryS: 0,
        },
      });
      handoff.registerTimers(new TimerRunner({ store, clock: systemClock, log: silent }));
      const numbers: string[] = [];
      for (let i = 0; i < count; i++) {
        const t = await tickets.open({
          type: 'chat-handoff',
          channel: 'webchat',
          subject: '想找真人客服',
          customer: { lang: 'zh-TW', conversationId: `bench-${worker}-${i}` },
          actor: { kind: 'bot' },
        });
        numbers.push(t.number);
      }
      op = async (i) => {
        // Usually offered on return; with 4 instances another one may be finishing the offer.
        const work = await handoff.assignment.enqueue(numbers[i]!);
        if (work.state === 'queued') notAtOnce++;
        await handoff.assignment.release(numbers[i]!, 'cancelled');
      };
    }
  }

  process.stdout.write(`${JSON.stringify({ event: 'ready' })}\n`);
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line.trim() !== 'go') continue;
    const t0 = performance.now();
    const failed = await pool(count, concurrency, op);
    const ms = performance.now() - t0;
    process.stdout.write(`${JSON.stringify({ event: 'done', ops: count, ms, failed, notAtOnce })}\n`);
    break;
  }
  for (const close of closers) await close();
  process.exit(0);
}

if (require.main === module) {
  main().catch((err) => {
    process.stdout.write(`${JSON.stringify({ event: 'crashed', error: String((err as Error).stack ?? err) })}\n`);
    process.exit(1);
  });
}
