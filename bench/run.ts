/**
 * `npm run bench`: every benchmark in one run, on this machine, each with the baseline it is
 * judged against measured in the same run, printed as Markdown to paste into BENCHMARKS.md.
 *
 *   npm run bench                 # all
 *   npm run bench -- knowledge    # only the named ones (knowledge, travel, directline, assignment, email)
 *
 * Speed is measured here, never asserted in tests: a slow or busy machine makes these numbers
 * worse, not the test suite red.
 */
import os from 'node:os';
import { run as benchAssignment } from './assignment-throughput';
import { run as benchEmail } from './email-ingest';
import { benchDirectLineRoundTrip } from './directline-roundtrip';
import { benchKnowledgeRetrieval } from './knowledge-retrieval';
import { benchTravelQuote } from './travel-quote';
import { startRedis } from '../test/support/redis-server';

type Bench = { name: string; run: () => Promise<string> };

const ms = (x: number) => `${x.toFixed(3)} ms`;

const BENCHES: Bench[] = [
  {
    name: 'knowledge',
    run: async () => {
      const results = await benchKnowledgeRetrieval({ print: false });
      const rows = results.map((r) => `| ${r.strategy} | ${r.runs} | ${ms(r.p50Ms)} | ${ms(r.p99Ms)} |`);
      return [
        '### Knowledge retrieval (`decide`, no LLM; target p99 ≤ 5 ms)',
        '| Chinese tokenisation | Calls | p50 | p99 |',
        '| --- | --- | --- | --- |',
        ...rows,
      ].join('\n');
    },
  },
  {
    name: 'travel',
    run: async () => {
      const r = benchTravelQuote();
      return [
        '### Travel quote (parse free text + quote, pure domain)',
        `${r.runs} requests: p50 ${ms(r.p50Ms)}, p99 ${ms(r.p99Ms)}, max ${ms(r.maxMs)}.`,
      ].join('\n');
    },
  },
  {
    name: 'directline',
    run: async () => {
      const sqlite = await benchDirectLineRoundTrip(200);
      const redis = await startRedis();
      try {
        const onRedis = await benchDirectLineRoundTrip(200, redis.url);
        const row = (r: typeof sqlite) =>
          `| ${r.store} | ${r.iterations} | ${r.ms.median} ms | ${r.ms.p95} ms | ${r.ms.p99} ms |`;
        return [
          '### One chat message over Direct Line (POST → bot answer on the WebSocket)',
          '| Store | Messages | Median | p95 | p99 |',
          '| --- | --- | --- | --- | --- |',
          row(sqlite),
          row(onRedis),
        ].join('\n');
      } finally {
        await redis.dispose();
      }
    },
  },
  {
    name: 'assignment',
    run: async () => {
      const r = await benchAssignment();
      return [
        '### Assignment on Redis, 4 instances (target ≥ 1/3 of a comparable raw script)',
        '```json',
        JSON.stringify(r, null, 2),
        '```',
      ].join('\n');
    },
  },
  {
    name: 'email',
    run: async () => {
      // KEFU_BENCH_QUICK=1 ingests 500 mails instead of 5,000 (with 10 MB attachments).
      const results = await benchEmail({ quick: process.env.KEFU_BENCH_QUICK === '1', print: false });
      const rows = results.map(
        (r) =>
          `| ${r.store} | ${r.mails} (${r.bigMails} × 10 MB) | ${r.raw.mailsPerS.toFixed(0)}/s, ${r.raw.peakRssMb} MB | ${r.kefu.mailsPerS.toFixed(0)}/s, ${r.kefu.peakRssMb} MB | ${r.ratio.toFixed(2)} |`,
      );
      return [
        '### Email ingestion, Dovecot → tickets with acknowledgements queued (target ≥ 0.5 of raw)',
        '| Store | Mails | Raw imapflow fetch + parse (rate, peak RSS) | Kefu (rate, peak RSS) | Ratio |',
        '| --- | --- | --- | --- | --- |',
        ...rows,
      ].join('\n');
    },
  },
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const chosen = only.length > 0 ? BENCHES.filter((b) => only.includes(b.name)) : BENCHES;
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const out: string[] = [
    `## Run of ${new Date().toISOString().slice(0, 10)}`,
    `Machine: ${cpu} × ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')} at start.`,
  ];
  for (const bench of chosen) {
    process.stderr.write(`bench: ${bench.name} …\n`);
    out.push(await bench.run());
  }
  process.stdout.write(`${out.join('\n\n')}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
