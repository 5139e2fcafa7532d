/**
 * Round-trip time of one chat message over the self-hosted Direct Line on this machine:
 * from `POST /v3/directline/conversations/:id/activities` until the bot's answer arrives on
 * the conversation's WebSocket stream (what a Web Chat user waits for). Runs a real Kefu on
 * the embedded SQLite store (or Redis with REDIS_URL set) with the real knowledge base.
 *
 *   npx tsx bench/directline-roundtrip.ts [iterations=300]
 *
 * Prints min / median / p95 / p99 / max in milliseconds as JSON.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { startKefu } from '../app/start';

const QUESTIONS = ['保費忘了繳，寬限期多久？', '想辦保單借款', '你好', 'How long is the grace period?', '常見問題'];

export interface RoundTripResult {
  bench: 'directline-roundtrip';
  store: string;
  transport: string;
  iterations: number;
  ms: { min: number; median: number; p95: number; p99: number; max: number; mean: number };
  node: string;
  cpus: number;
}

/** Measures `iterations` message round trips (after 20 warm-up messages). */
export async function benchDirectLineRoundTrip(iterations = 300, redisUrl?: string): Promise<RoundTripResult> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-bench-'));
  const kefu = await startKefu({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    CHAT_RATE_LIMIT: '10000',
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
  });
  try {
    const tokenRes = await fetch(`${kefu.url}/api/v1/webchat/token`, { method: 'POST' });
    const { token, conversationId } = (await tokenRes.json()) as { token: string; conversationId: string };
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const start = await fetch(`${kefu.url}/v3/directline/conversations`, { method: 'POST', headers, body: '{}' });
    const { streamUrl } = (await start.json()) as { streamUrl: string };

    const waiting = new Map<string, (t: number) => void>();
    const early = new Map<string, number>();
    const ws = new WebSocket(streamUrl);
    ws.on('message', (data) => {
      const text = String(data);
      if (!text) return;
      const set = JSON.parse(text) as {
        activities: Array<{ type: string; replyToId?: string; from: { role?: string } }>;
      };
      const now = performance.now();
      for (const a of set.activities) {
        if (a.type !== 'message' || a.from.role !== 'bot' || !a.replyToId) continue;
        const done = waiting.get(a.replyToId);
        if (done) {
          waiting.delete(a.replyToId);
          done(now);
        } else if (!early.has(a.replyToId)) {
          early.set(a.replyToId, now);
        }
      }
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });

    const once = async (text: string): Promise<number> => {
      const t0 = performance.now();
      const res = await fetch(`${kefu.url}/v3/directline/conversations/${conversationId}/activities`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ type: 'message', text, locale: 'zh-TW' }),
      });
      const { id } = (await res.json()) as { id: string };
      const arrived = early.get(id) ?? (await new Promise<number>((resolve) => waiting.set(id, resolve)));
      early.delete(id);
      return arrived - t0;
    };

    for (let i = 0; i < 20; i++) await once(QUESTIONS[i % QUESTIONS.length]!); // warm-up
    const samples: number[] = [];
    for (let i = 0; i < iterations; i++) samples.push(await once(QUESTIONS[i % QUESTIONS.length]!));
    samples.sort((a, b) => a - b);
    const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
    const round = (x: number) => Math.round(x * 100) / 100;
    ws.close();
    return {
      bench: 'directline-roundtrip',
      store: kefu.store.kind,
      transport: 'HTTP POST → WebSocket stream',
      iterations,
      ms: {
        min: round(samples[0]!),
        median: round(at(0.5)),
        p95: round(at(0.95)),
        p99: round(at(0.99)),
        max: round(samples.at(-1)!),
        mean: round(samples.reduce((s, x) => s + x, 0) / samples.length),
      },
      node: process.version,
      cpus: os.cpus().length,
    };
  } finally {
    await kefu.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchDirectLineRoundTrip(Number(process.argv[2] ?? 300), process.env.REDIS_URL).then(
    (r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`),
    (err) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
