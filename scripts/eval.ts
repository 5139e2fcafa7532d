/**
 * `npm run eval` — runs the labelled development set (knowledge/eval/dev-set.jsonl) and the
 * held-out sets (knowledge/eval/held-out*.jsonl: held-out.jsonl written before any tuning,
 * held-out-2.jsonl written after the first tuning round; neither is tuned on)
 * through the same `KnowledgeService.decide` the bot calls, and prints top-1 accuracy overall
 * and per label, out-of-scope precision and recall, and the confusion pairs.
 *
 * Options: `--strategy bigram|segmenter|segmenter+bigram` (Chinese tokenisation),
 * `--set dev|held-out|all` (default all), `--verbose` (every miss), `--json`.
 * A `clarify` whose candidates include the expected topic is counted separately
 * ("clarify-hit"); top-1 accuracy counts only direct correct answers/routes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createKnowledgeService } from '../knowledge';
import { DEFAULT_INDEX_OPTIONS } from '../knowledge/retrieval/topic-index';
import type { ZhStrategy } from '../knowledge/retrieval/tokenize';
import type { KnowledgeDecision, Lang } from '../knowledge/types';
import { decisionLabel } from '../knowledge/policy/decide';

interface Case {
  text: string;
  label: string;
  lang: Lang;
}

export interface SetReport {
  name: string;
  total: number;
  correct: number;
  clarifyHit: number;
  accuracy: number;
  perLabel: Record<string, { total: number; correct: number }>;
  perLang: Record<string, { total: number; correct: number }>;
  oos: { precision: number; recall: number; tp: number; fp: number; fn: number };
  confusions: Array<{ expected: string; got: string; count: number; examples: string[] }>;
  misses: Array<{ text: string; expected: string; got: string }>;
}

const EVAL_DIR = path.resolve(__dirname, '..', 'knowledge', 'eval');

export function readCases(file: string): Case[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Case);
}

/** A decision is correct when its label equals the expected one (address-change: topic or action). */
function matches(d: KnowledgeDecision, expected: string): boolean {
  return decisionLabel(d) === expected;
}

export async function evaluate(
  name: string,
  cases: Case[],
  decide: (c: Case) => Promise<KnowledgeDecision>,
): Promise<SetReport> {
  const perLabel: SetReport['perLabel'] = {};
  const perLang: SetReport['perLang'] = {};
  const conf = new Map<string, { count: number; examples: string[] }>();
  const misses: SetReport['misses'] = [];
  let correct = 0;
  let clarifyHit = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const c of cases) {
    const d = await decide(c);
    const got = decisionLabel(d);
    const ok = matches(d, c.label);
    const pl = perLabel[c.label] ?? { total: 0, correct: 0 };
    pl.total++;
    if (ok) {
      pl.correct++;
      correct++;
    } else {
      if (d.kind === 'clarify' && d.candidates.some((x) => x.id === c.label)) clarifyHit++;
      const key = `${c.label} → ${got}`;
      const e = conf.get(key) ?? { count: 0, examples: [] };
      e.count++;
      if (e.examples.length < 3) e.examples.push(c.text);
      conf.set(key, e);
      misses.push({
        text: c.text,
        expected: c.label,
        got: d.kind === 'clarify' ? `clarify[${d.candidates.map((x) => x.id).join(',')}]` : got,
      });
    }
    perLabel[c.label] = pl;
    const pg = perLang[c.lang] ?? { total: 0, correct: 0 };
    pg.total++;
    if (ok) pg.correct++;
    perLang[c.lang] = pg;
    const predOos = got === 'out-of-scope';
    const isOos = c.label === 'out-of-scope';
    if (predOos && isOos) tp++;
    else if (predOos) fp++;
    else if (isOos) fn++;
  }
  const confusions = [...conf.entries()]
    .map(([k, v]) => {
      const [expected, got] = k.split(' → ') as [string, string];
      return { expected, got, ...v };
    })
    .sort((a, b) => b.count - a.count);
  return {
    name,
    total: cases.length,
    correct,
    clarifyHit,
    accuracy: cases.length ? correct / cases.length : 0,
    perLabel,
    perLang,
    oos: { precision: tp + fp ? tp / (tp + fp) : 1, recall: tp + fn ? tp / (tp + fn) : 1, tp, fp, fn },
    confusions,
    misses,
  };
}

/** Sums several reports (overall and out-of-scope figures only). */
function combine(name: string, parts: SetReport[]): SetReport {
  const sum = (f: (r: SetReport) => number) => parts.reduce((a, r) => a + f(r), 0);
  const tp = sum((r) => r.oos.tp);
  const fp = sum((r) => r.oos.fp);
  const fn = sum((r) => r.oos.fn);
  return {
    name,
    total: sum((r) => r.total),
    correct: sum((r) => r.correct),
    clarifyHit: sum((r) => r.clarifyHit),
    accuracy:
      sum((r) => r.correct) /
      Math.max(
        1,
        sum((r) => r.total),
      ),
    perLabel: {},
    perLang: {},
    oos: { precision: tp + fp ? tp / (tp + fp) : 1, recall: tp + fn ? tp / (tp + fn) : 1, tp, fp, fn },
    confusions: [],
    misses: [],
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function printReport(r: SetReport, verbose: boolean): void {
  console.log(`\n== ${r.name}: ${r.total} questions ==`);
  console.log(
    `top-1 accuracy: ${pct(r.accuracy)} (${r.correct}/${r.total}); clarify offering the right topic: ${r.clarifyHit}`,
  );
  console.log(
    `out-of-scope: precision ${pct(r.oos.precision)}, recall ${pct(r.oos.recall)} (tp ${r.oos.tp}, fp ${r.oos.fp}, fn ${r.oos.fn})`,
  );
  if (Object.keys(r.perLang).length > 0)
    console.log(
      `per language: ${Object.entries(r.perLang)
        .map(([l, v]) => `${l} ${pct(v.correct / v.total)} (${v.correct}/${v.total})`)
        .join(', ')}`,
    );
  if (Object.keys(r.perLabel).length > 0) console.log('per label:');
  for (const [label, v] of Object.entries(r.perLabel).sort()) {
    console.log(
      `  ${label.padEnd(32)} ${String(v.correct).padStart(3)}/${String(v.total).padEnd(3)} ${pct(v.correct / v.total)}`,
    );
  }
  if (r.confusions.length) {
    console.log('confusion pairs (expected → got):');
    for (const c of r.confusions.slice(0, verbose ? 1000 : 25)) {
      console.log(`  ${String(c.count).padStart(2)}× ${c.expected} → ${c.got}   e.g. ${c.examples.join(' | ')}`);
    }
  }
  if (verbose) for (const m of r.misses) console.log(`  MISS ${m.expected} → ${m.got}: ${m.text}`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const arg = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const strategy = (arg('--strategy') ?? DEFAULT_INDEX_OPTIONS.strategy) as ZhStrategy;
  const which = arg('--set') ?? 'all';
  const verbose = args.includes('--verbose');
  const service = await createKnowledgeService({ indexOptions: { strategy }, watch: false });
  try {
    const decide = (c: Case) => service.decide({ text: c.text, lang: c.lang });
    const reports: SetReport[] = [];
    if (which !== 'held-out')
      reports.push(await evaluate('dev set', readCases(path.join(EVAL_DIR, 'dev-set.jsonl')), decide));
    if (which !== 'dev')
      for (const f of readdirSync(EVAL_DIR)
        .filter((n) => /^held-out.*\.jsonl$/.test(n))
        .sort()) {
        reports.push(await evaluate(`held-out set ${f}`, readCases(path.join(EVAL_DIR, f)), decide));
      }
    const heldOut = reports.filter((r) => r.name.startsWith('held-out'));
    if (heldOut.length > 1) reports.push(combine('all held-out sets combined', heldOut));
    if (args.includes('--json')) console.log(JSON.stringify(reports, null, 2));
    else {
      console.log(
        `Knowledge eval — strategy ${strategy}, ${service.topicCount()} topics loaded, ${new Date().toISOString()}`,
      );
      for (const r of reports) printReport(r, verbose);
    }
  } finally {
    service.close();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
