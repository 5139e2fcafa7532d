/**
 * The optional LLM steps, both inside a time budget and both with a safe fallback:
 * - `pickTopic`: when retrieval is unsure, the model picks one of the candidate topics (or none);
 * - `phraseAnswer`: the model phrases the answer in the customer's language strictly from the
 *   retrieved topic text, citing topic ids.
 * Each returns `undefined` on timeout, HTTP error, unparsable or unsafe output; the caller
 * then keeps the retrieval decision. The question is stripped of national IDs before sending.
 */
import { KefuError } from '../../app/errors';
import type { Topic } from '../content/topic';
import type { Lang } from '../types';
import { checkLlmAnswer, redactPersonalIds } from './guard';
import type { LlmMessage, LlmPort } from './port';

export interface AssistOptions {
  llm: LlmPort;
  budgetMs: number;
  /** Told why a step fell back (for logs and metrics). */
  onFallback?: (step: 'pick' | 'phrase', err: KefuError) => void;
}

/**
 * Runs one chat call within the budget.
 * @throws ERR_LLM_FAILED on timeout or any error of the port.
 */
export async function chatWithin(llm: LlmPort, messages: LlmMessage[], budgetMs: number): Promise<string> {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ac.abort();
      reject(
        new KefuError('ERR_LLM_FAILED', `LLM did not answer within ${budgetMs} ms`, { budgetMs, reason: 'timeout' }),
      );
    }, budgetMs);
  });
  try {
    return await Promise.race([llm.chat(messages, { signal: ac.signal }), timeout]);
  } catch (err) {
    if (err instanceof KefuError) throw err;
    const status = (err as { status?: number }).status;
    throw new KefuError('ERR_LLM_FAILED', `LLM call failed: ${(err as Error).message}`, { status }, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

function topicText(t: Topic, lang: Lang): string {
  return `[topic:${t.id}] ${t.title[lang]}\n${t.answer[lang]}`;
}

/** Asks the model which candidate topic the question is about; undefined = none or failure. */
export async function pickTopic(
  opts: AssistOptions,
  question: string,
  candidates: readonly Topic[],
  lang: Lang,
): Promise<string | undefined> {
  const list = candidates.map((t) => `- ${t.id}: ${t.title['zh-TW']} / ${t.title.en}`).join('\n');
  const messages: LlmMessage[] = [
    {
      role: 'system',
      content:
        'You route questions of a Taiwanese life insurer\'s policyholders to FAQ topics. Reply with JSON only: {"topic":"<id>"} ' +
        'using one id from the list, or {"topic":"none"} when none fits.',
    },
    { role: 'user', content: `Topics:\n${list}\n\nQuestion (${lang}): ${redactPersonalIds(question)}` },
  ];
  try {
    const reply = await chatWithin(opts.llm, messages, opts.budgetMs);
    const m = /"topic"\s*:\s*"([a-z0-9-]+)"/i.exec(reply) ?? /\b([a-z]+(?:-[a-z0-9]+)+)\b/.exec(reply);
    const id = m?.[1]?.toLowerCase();
    if (!id || id === 'none') return undefined;
    if (!candidates.some((t) => t.id === id)) {
      opts.onFallback?.('pick', new KefuError('ERR_LLM_FAILED', 'LLM picked a topic outside the candidates', { id }));
      return undefined;
    }
    return id;
  } catch (err) {
    opts.onFallback?.('pick', err as KefuError);
    return undefined;
  }
}

/** Asks the model to phrase the topic's answer for this question; undefined = use the stored answer. */
export async function phraseAnswer(
  opts: AssistOptions,
  question: string,
  topics: readonly Topic[],
  lang: Lang,
): Promise<{ text: string; cited: string[] } | undefined> {
  const content = topics.map((t) => topicText(t, lang)).join('\n\n');
  const language = lang === 'zh-TW' ? 'Traditional Chinese as used in Taiwan (繁體中文)' : 'English';
  const messages: LlmMessage[] = [
    {
      role: 'system',
      content:
        `You are the customer-service assistant of a Taiwanese life insurer. Answer in ${language}, briefly and kindly, ` +
        'using ONLY the facts in the topics given. Cite the topic you used as [topic:<id>]. Never state a premium or any ' +
        'amount of money that is not written in the topics; never promise that a claim will be paid or approved; ' +
        'if the topics do not answer the question, say so and cite nothing.',
    },
    { role: 'user', content: `Topics:\n${content}\n\nQuestion: ${redactPersonalIds(question)}` },
  ];
  try {
    const reply = await chatWithin(opts.llm, messages, opts.budgetMs);
    const verdict = checkLlmAnswer(
      reply,
      topics.map((t) => t.id),
      content,
    );
    if (!verdict.ok) {
      opts.onFallback?.(
        'phrase',
        new KefuError('ERR_LLM_FAILED', `LLM answer refused: ${verdict.reason}`, { reason: verdict.reason }),
      );
      return undefined;
    }
    return { text: verdict.text, cited: verdict.cited };
  } catch (err) {
    opts.onFallback?.('phrase', err as KefuError);
    return undefined;
  }
}
