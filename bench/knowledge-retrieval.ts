/**
 * Benchmark: time of one `decide` (rules + retrieval, no LLM) over the full knowledge base,
 * per Chinese tokenisation strategy, on the questions of the dev and held-out sets. Prints
 * p50/p99/max in milliseconds and the machine. `bench/run.ts` may call
 * `benchKnowledgeRetrieval()`; run alone with `npx tsx bench/knowledge-retrieval.ts`.
 * Target (issue 4): p99 ≤ 5 ms per question on this machine's 2 cores.
 */
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createKnowledgeService } from '../knowledge';
import type { ZhStrategy } from '../knowledge/retrieval/tokenize';
import { readCases } from '../scripts/eval';

export interface RetrievalBenchResult {
  strategy: ZhStrategy;
  questions: number;
  runs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  machine: string;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)] ?? 0;
}

export function machineDescription(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu} × ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

/** Measures `decide` latency; `rounds` passes over all eval questions after one warm-up pass. */
export async function benchKnowledgeRetrieval(
  options: { strategies?: ZhStrategy[]; rounds?: number; print?: boolean } = {},
): Promise<RetrievalBenchResult[]> {
  const evalDir = path.resolve(__dirname, '..', 'knowledge', 'eval');
  const cases = [...readCases(path.join(evalDir, 'dev-set.jsonl')), ...readCases(path.join(evalDir, 'held-out.jsonl'))];
  const results: RetrievalBenchResult[] = [];
  for (const strategy of options.strategies ?? (['bigram', 'segmenter', 'segmenter+bigram'] as ZhStrategy[])) {
    const service = await createKnowledgeService({ watch: false, indexOptions: { strategy } });
    try {
      for (const c of cases) await service.decide({ text: c.text, lang: c.lang });
      const times: number[] = [];
      for (let r = 0; r < (options.rounds ?? 10); r++) {
        for (const c of cases) {
          const t0 = performance.now();
          await service.decide({ text: c.text, lang: c.lang });
          times.push(performance.now() - t0);
        }
      }
      times.sort((a, b) => a - b);
      const res: RetrievalBenchResult = {
        strategy,
        questions: cases.length,
        runs: times.length,
        p50Ms: percentile(times, 50),
        p99Ms: percentile(times, 99),
        maxMs: times.at(-1) ?? 0,
        machine: machineDescription(),
      };
      results.push(res);
      if (options.print ?? true) {
        console.log(
          `knowledge retrieval [${strategy}]: ${res.runs} decides, p50 ${res.p50Ms.toFixed(3)} ms, p99 ${res.p99Ms.toFixed(3)} ms, max ${res.maxMs.toFixed(2)} ms`,
        );
      }
    } finally {
      service.close();
    }
  }
  if (options.print ?? true) console.log(`machine: ${machineDescription()}`);
  return results;
}

if (require.main === module) {
  benchKnowledgeRetrieval().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
