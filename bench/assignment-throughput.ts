/**
 * Benchmark: assignments per second on Redis with 4 app instances (processes), against the
 * raw round-trip rate of the same Redis measured in the same run.
 *
 * Figures (all with 4 processes × CONCURRENCY requests in flight, on one redis-server):
 * - raw:  EVALSHA of a read-only script shaped like the assign step (scan 40 agent slots);
 *         also `redis-benchmark` of the same EVALSHA when the tool is installed;
 * - step: the atomic pick-and-claim the desk relies on (`store.assignment.assign`);
 * - desk: the whole desk path per ticket (enqueue → queue → pick-and-claim → ticket assigned,
 *         offer recorded with its accept timer, notices on the bus → release), about 25 round
 *         trips, reported for scale.
 * Target: step ≥ 1/3 of raw. Run with `npx tsx bench/assignment-throughput.ts`; `run()` is
 * exported for a bench runner.
 */
import { execFileSync, spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import pino from 'pino';
import { createClient } from 'redis';
import { openRedisStore } from '../storage/redis/redis-store';
import { startRedis } from '../test/support/redis-server';
import { RAW_PICK_SCRIPT } from './assignment-worker';

const INSTANCES = 4;
const CONCURRENCY = 16;
const AGENTS = 20;
const WORKER = path.join(__dirname, 'assignment-worker.ts');

export interface AssignmentBenchResult {
  machine: string;
  node: string;
  rawPerS: number;
  redisBenchmarkPerS?: number;
  /** redis-benchmark of a trivial EVALSHA (`return 1`): the bare round trip, for scale. */
  trivialEvalPerS?: number;
  stepPerS: number;
  deskPerS: number;
  stepToRaw: number;
  targetMet: boolean;
}

async function runInstances(env: Record<string, string>, mode: string, count: number): Promise<number> {
  const children = Array.from({ length: INSTANCES }, (_, i) =>
    // node --import tsx (what `npx tsx` runs) in one process, so a kill leaves no orphan behind.
    spawn(process.execPath, ['--import', 'tsx', WORKER], {
      cwd: path.resolve(__dirname, '..'),
      env: {
        ...process.env,
        ...env,
        MODE: mode,
        COUNT: String(count),
        CONCURRENCY: String(CONCURRENCY),
        WORKER: String(i),
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  const inboxes = children.map((c) => {
    const queue: Array<Record<string, unknown>> = [];
    const waiters: Array<(m: Record<string, unknown>) => void> = [];
    readline.createInterface({ input: c.stdout! }).on('line', (line) => {
      let m: Record<string, unknown>;
      try {
        m = JSON.parse(line);
      } catch {
        return;
      }
      const w = waiters.shift();
      if (w) w(m);
      else queue.push(m);
    });
    return () =>
      queue.length ? Promise.resolve(queue.shift()!) : new Promise<Record<string, unknown>>((r) => waiters.push(r));
  });
  try {
    const ready = await Promise.all(inboxes.map((next) => next()));
    for (const r of ready) if (r.event !== 'ready') throw new Error(`worker failed: ${JSON.stringify(r)}`);
    const t0 = Date.now();
    for (const c of children) c.stdin!.write('go\n');
    const done = await Promise.all(inboxes.map((next) => next()));
    const wallMs = Date.now() - t0;
    for (const d of done) {
      if (d.event !== 'done' || d.failed !== 0) throw new Error(`worker failed: ${JSON.stringify(d).slice(0, 500)}`);
    }
    return (INSTANCES * count) / (wallMs / 1000);
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
}

function redisBenchmark(port: number, sha: string, keys: string[]): number | undefined {
  try {
    const out = execFileSync(
      'redis-benchmark',
      [
        '-p',
        String(port),
        '-n',
        '20000',
        '-c',
        String(INSTANCES * CONCURRENCY),
        '-q',
        'evalsha',
        sha,
        String(keys.length),
        ...keys,
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    const m = /([\d.]+) requests per second/.exec(out);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export async function run(): Promise<AssignmentBenchResult> {
  const redis = await startRedis();
  const prefix = 'bench:';
  const log = pino({ level: 'silent' });
  try {
    // 20 agents (as slots, like the desk's), online, with room for every assignment of the run.
    const store = await openRedisStore({ url: redis.url, keyPrefix: prefix, log });
    for (let i = 0; i < AGENTS; i++) {
      await store.assignment.upsertAgent({
        agentId: `a${String(i + 1).padStart(2, '0')}#live`,
        status: 'online',
        skills: ['lang:zh-TW', 'queue:general', 'pool:live'],
        capacity: 1_000_000,
        resetIdleAt: 0,
      });
      await store.assignment.upsertAgent({
        agentId: `a${String(i + 1).padStart(2, '0')}#callback`,
        status: 'online',
        skills: ['lang:zh-TW', 'queue:general', 'pool:callback'],
        capacity: 1_000_000,
        resetIdleAt: 0,
      });
    }
    await store.close();

    // The raw script reads a copy of the same agent data.
    const client = createClient({ url: redis.url });
    client.on('error', () => undefined);
    await client.connect();
    const keys = [`${prefix}raw:meta`, `${prefix}raw:load`, `${prefix}raw:idle`];
    for (let i = 0; i < AGENTS * 2; i++) {
      const id = `a${i}`;
      await client.hSet(
        keys[0]!,
        id,
        JSON.stringify({ status: 'online', skills: ['lang:zh-TW', 'pool:live'], capacity: 1_000_000 }),
      );
      await client.hSet(keys[1]!, id, '0');
      await client.hSet(keys[2]!, id, String(i));
    }
    const sha = await client.scriptLoad(RAW_PICK_SCRIPT);
    const trivialSha = await client.scriptLoad('return 1');
    await client.quit();

    const env = { REDIS_URL: redis.url, KEY_PREFIX: prefix };
    const rawPerS = await runInstances(env, 'raw', 10_000);
    const redisBenchmarkPerS = redisBenchmark(redis.port, sha, keys);
    const trivialEvalPerS = redisBenchmark(redis.port, trivialSha, []);
    const stepPerS = await runInstances(env, 'step', 10_000);
    // The desk path: agents as the desk makes them (capacity 20 each), tickets opened beforehand.
    const deskPrefix = 'bench-desk:';
    const deskStore = await openRedisStore({ url: redis.url, keyPrefix: deskPrefix, log });
    for (let i = 0; i < AGENTS; i++) {
      for (const pool of ['live', 'callback']) {
        await deskStore.assignment.upsertAgent({
          agentId: `d${String(i + 1).padStart(2, '0')}#${pool}`,
          status: 'online',
          skills: ['lang:zh-TW', 'queue:general', `pool:${pool}`],
          capacity: 20,
          resetIdleAt: 0,
        });
      }
    }
    await deskStore.close();
    const deskPerS = await runInstances({ ...env, KEY_PREFIX: deskPrefix }, 'desk', 500);
    const stepToRaw = stepPerS / rawPerS;
    return {
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`,
      node: process.version,
      rawPerS,
      ...(redisBenchmarkPerS !== undefined ? { redisBenchmarkPerS } : {}),
      ...(trivialEvalPerS !== undefined ? { trivialEvalPerS } : {}),
      stepPerS,
      deskPerS,
      stepToRaw,
      targetMet: stepToRaw >= 1 / 3,
    };
  } finally {
    await redis.dispose();
  }
}

if (require.main === module) {
  run()
    .then((r) => {
      const f = (n: number) => Math.round(n).toLocaleString('en-US');
      console.log(`machine: ${r.machine}, node ${r.node}, ${INSTANCES} instances × ${CONCURRENCY} in flight`);
      console.log(`raw EVALSHA (node-redis, same script shape):  ${f(r.rawPerS)}/s`);
      if (r.redisBenchmarkPerS !== undefined)
        console.log(`raw EVALSHA (redis-benchmark):               ${f(r.redisBenchmarkPerS)}/s`);
      if (r.trivialEvalPerS !== undefined)
        console.log(`bare round trip (redis-benchmark EVALSHA 'return 1'): ${f(r.trivialEvalPerS)}/s`);
      console.log(
        `atomic pick-and-claim (store.assignment):    ${f(r.stepPerS)}/s = ${(r.stepToRaw * 100).toFixed(0)}% of raw (target ≥ 33%: ${r.targetMet ? 'met' : 'NOT met'})`,
      );
      console.log(`whole desk path (enqueue → offered → release): ${f(r.deskPerS)} tickets/s`);
    })
    .catch((err) => {
      console.error(err);
      process.exitCode = 1;
    });
}
