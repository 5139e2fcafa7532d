/**
 * Benchmark: time to read a free-text travel request and price it (parse + rules + quote), the
 * work done on every travel-quote turn. Prints p50/p99/max in milliseconds and the machine.
 * Run with `npx tsx bench/travel-quote.ts`. Target: p99 well under 5 ms on 2 shared cores, so
 * the price feels instant ("a price in seconds" with room for the network).
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { loadRateTableFile, parseTravelRequest, quoteTravel, toQuoteRequest } from '../knowledge/travel';

const TEXTS = [
  '12/24到1/3 全家去首爾，我跟老公都40，女兒9歲',
  '下週五去東京5天 我跟老婆都35 保500萬 加海外突發疾病',
  '我40 老婆38 兒子10歲 女兒6歲 12/20去紐西蘭 14天 保1000萬 海外突發疾病50萬',
  'two adults aged 40 and 38 and a kid of 9, Dec 24 - Jan 3, Seoul, NT$5M',
  'my parents 65 and 63 to New York next Friday for 2 weeks',
];

export function benchTravelQuote(runs = 2000): {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  runs: number;
  machine: string;
} {
  const rates = loadRateTableFile();
  const today = '2026-11-27';
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const text = TEXTS[i % TEXTS.length]!;
    const t0 = performance.now();
    const { slots } = parseTravelRequest(text, { today });
    const req = toQuoteRequest(slots, { today, defaultSumInsuredTWD: rates.defaultSumInsuredTWD });
    if (req.ok) quoteTravel(req.request, rates);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)] ?? 0;
  return {
    p50Ms: at(50),
    p99Ms: at(99),
    maxMs: times.at(-1) ?? 0,
    runs,
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`,
  };
}

if (require.main === module) {
  const r = benchTravelQuote();
  console.log(
    `travel parse+quote: p50 ${r.p50Ms.toFixed(3)} ms, p99 ${r.p99Ms.toFixed(3)} ms, max ${r.maxMs.toFixed(3)} ms over ${r.runs} runs on ${r.machine}`,
  );
}
