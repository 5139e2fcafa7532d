/**
 * `npm run kb:explain -- "保單可以借錢嗎" [--lang en] [--strategy bigram]` — for content
 * editors: which topic a question would hit and why. Prints the decision, the rule that fired
 * (if any), the normalised question, coverage, and for the top topics their score, the
 * keyword phrases found whole and the best-scoring terms. Runs the same retrieval as the bot
 * (without the LLM).
 */
import { createKnowledgeService } from '../knowledge';
import type { ZhStrategy } from '../knowledge/retrieval/tokenize';
import type { Lang } from '../knowledge/types';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const v = args[i + 1];
    args.splice(i, 2);
    return v;
  };
  const lang = (opt('--lang') ?? 'zh-TW') as Lang;
  const strategy = opt('--strategy') as ZhStrategy | undefined;
  const questions = args.filter((a) => a.trim());
  if (questions.length === 0) {
    console.error('usage: npm run kb:explain -- "保單可以借錢嗎" ["another question" …] [--lang en]');
    process.exit(2);
  }
  const service = await createKnowledgeService({ watch: false, indexOptions: strategy ? { strategy } : {} });
  try {
    for (const text of questions) {
      const { decision, evidence } = service.explain({ text, lang });
      console.log(`\nQ: ${text}`);
      if (decision.kind === 'answer') {
        console.log(
          `→ ANSWER ${decision.topic.id} 「${decision.topic.title}」 confidence ${decision.topic.confidence}`,
        );
      } else if (decision.kind === 'clarify') {
        console.log(`→ CLARIFY between ${decision.candidates.map((c) => c.id).join(', ')}`);
      } else {
        console.log(`→ ROUTE ${decision.intent} (confidence ${decision.confidence})`);
      }
      console.log(`  why: ${evidence.reason}; language ${decision.lang}`);
      const s = evidence.search;
      if (!s) continue;
      console.log(
        `  normalised: "${s.normalized}"  coverage ${s.coverage.toFixed(2)}  confidence ${evidence.confidence}  margin ${evidence.margin.toFixed(2)}`,
      );
      for (const [i, h] of s.hits.slice(0, 5).entries()) {
        const terms = [...h.terms]
          .sort((a, b) => b.score - a.score)
          .slice(0, 8)
          .map((t) => `${t.term.replace(/^w:/, '')}(${t.score.toFixed(1)})`)
          .join(' ');
        const phrases = h.phrases.length ? ` phrases[${h.phrases.join(', ')}]` : '';
        console.log(`  ${i === 0 ? '*' : ' '} ${h.score.toFixed(2).padStart(6)} ${h.id}${phrases}  terms: ${terms}`);
      }
    }
  } finally {
    service.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
