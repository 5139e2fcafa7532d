/**
 * The knowledge service the bot talks to (`KnowledgeService` of types.ts), with reload.
 *
 * Guarantees:
 * - Content is read once and kept in memory; `decide` never does I/O unless an LLM is
 *   configured, and then only within the time budget, falling back to retrieval.
 * - `reload()` (and the optional file watcher, debounced) swaps in new content atomically.
 *   A file that became invalid keeps its last good version; a folder or profile that cannot
 *   be read leaves the old content in place and rejects with ERR_KNOWLEDGE_INVALID.
 * - `decide` never rejects: any unexpected error is turned into a clarify-free out-of-scope
 *   reply only if retrieval itself failed, which it cannot on valid content.
 */
import { type FSWatcher, watch } from 'node:fs';
import { type Clock, systemClock } from '../app/clock';
import { taipeiToday } from './travel/dates';
import { KefuError } from '../app/errors';
import { DEFAULT_SYNONYMS_FILE, engineFromTopics, loadSynonymTable } from './content/engine';
import { DEFAULT_PROFILE_FILE, DEFAULT_TOPICS_DIR, loadContent } from './content/load';
import type { ContentProblem, Topic } from './content/topic';
import { phraseAnswer, pickTopic } from './llm/assist';
import type { LlmPort } from './llm/port';
import {
  answerDecision,
  DEFAULT_THRESHOLDS,
  decideWithEvidence,
  type EngineContent,
  type Evidence,
  type Thresholds,
} from './policy/decide';
import { DEFAULT_INDEX_OPTIONS, type IndexOptions } from './retrieval/topic-index';
import type { KnowledgeDecision, KnowledgeQuestion, KnowledgeService, Lang } from './types';

export interface KnowledgeServiceOptions {
  /** Topic folder. Default knowledge/topics. */
  dir?: string;
  /** Company profile. Default knowledge/company-profile.yaml. */
  profileFile?: string;
  /** Synonym table. Default knowledge/synonyms.yaml. */
  synonymsFile?: string;
  /** Optional LLM; without it the service answers from retrieval alone. */
  llm?: LlmPort;
  /** Time budget of one LLM call in ms (config LLM_TIMEOUT_MS). Default 4000. */
  llmBudgetMs?: number;
  /** Let the LLM phrase confident answers too (not only pick among candidates). Default true. */
  llmPhrase?: boolean;
  clock?: Clock;
  /** Watch the topic folder, profile and synonyms and reload on change (debounced). Default false. */
  watch?: boolean;
  /** Debounce of the watcher in ms. Default 300. */
  watchDebounceMs?: number;
  thresholds?: Partial<Thresholds>;
  indexOptions?: Partial<IndexOptions>;
  /** Told about content problems after each load (log them for editors). */
  onProblems?: (problems: ContentProblem[]) => void;
  /** Told when an LLM step fell back to retrieval, and when a watched reload failed. */
  onError?: (err: KefuError) => void;
}

export interface ReloadReport {
  topics: number;
  problems: ContentProblem[];
  loadedAt: number;
}

export interface KnowledgeServiceHandle extends KnowledgeService {
  /** Re-reads the content. @throws ERR_KNOWLEDGE_INVALID when the folder or profile cannot be read. */
  reload(): Promise<ReloadReport>;
  /** Stops the file watcher. */
  close(): void;
  /** The retrieval decision with its evidence (no LLM), for kb:explain and tests. */
  explain(question: KnowledgeQuestion): { decision: KnowledgeDecision; evidence: Evidence };
  /** Problems found in the last load. */
  problems(): ContentProblem[];
  topicCount(): number;
  /** Loaded topic ids. */
  topicIds(): string[];
  readonly llmConfigured: boolean;
}

/**
 * Loads the content and returns the service.
 * @throws ERR_KNOWLEDGE_INVALID when the folder, profile or synonym file cannot be read.
 */
export async function createKnowledgeService(options: KnowledgeServiceOptions = {}): Promise<KnowledgeServiceHandle> {
  const dir = options.dir ?? DEFAULT_TOPICS_DIR;
  const profileFile = options.profileFile ?? DEFAULT_PROFILE_FILE;
  const synonymsFile = options.synonymsFile ?? DEFAULT_SYNONYMS_FILE;
  const clock = options.clock ?? systemClock;
  const thresholds: Thresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
  const indexOptions: IndexOptions = { ...DEFAULT_INDEX_OPTIONS, ...options.indexOptions };
  const llmBudgetMs = options.llmBudgetMs ?? 4000;
  const llmPhrase = options.llmPhrase ?? true;

  let content: EngineContent | undefined;
  let lastProblems: ContentProblem[] = [];

  async function load(): Promise<ReloadReport> {
    const loaded = await loadContent(dir, profileFile);
    const synonyms = await loadSynonymTable(synonymsFile);
    // A topic whose file broke keeps its last good version until the file is fixed.
    const byId = new Map<string, Topic>(loaded.topics.map((t) => [t.id, t]));
    if (content) {
      for (const p of loaded.problems) {
        const old = p.topicId ? content.topics.get(p.topicId) : undefined;
        if (old && !byId.has(old.id)) byId.set(old.id, old);
      }
    }
    content = engineFromTopics([...byId.values()], loaded.profile, synonyms, indexOptions);
    lastProblems = loaded.problems;
    options.onProblems?.(loaded.problems);
    return { topics: byId.size, problems: loaded.problems, loadedAt: clock.now() };
  }

  await load();

  const watchers: FSWatcher[] = [];
  let debounce: NodeJS.Timeout | undefined;
  if (options.watch) {
    const schedule = () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => {
        load().catch((err: KefuError) => options.onError?.(err));
      }, options.watchDebounceMs ?? 300);
    };
    for (const target of [dir, profileFile, synonymsFile]) {
      try {
        const w = watch(target, schedule);
        w.on('error', (err) =>
          options.onError?.(
            new KefuError('ERR_KNOWLEDGE_INVALID', `watching ${target} failed`, { target }, { cause: err }),
          ),
        );
        watchers.push(w);
      } catch (err) {
        options.onError?.(new KefuError('ERR_KNOWLEDGE_INVALID', `cannot watch ${target}`, { target }, { cause: err }));
      }
    }
  }

  const current = (): EngineContent => {
    if (!content) throw new KefuError('ERR_KNOWLEDGE_INVALID', 'knowledge content not loaded');
    return content;
  };

  async function withLlm(question: KnowledgeQuestion, base: KnowledgeDecision): Promise<KnowledgeDecision> {
    const llm = options.llm;
    if (!llm) return base;
    const c = current();
    const assist = {
      llm,
      budgetMs: llmBudgetMs,
      onFallback: (_: 'pick' | 'phrase', err: KefuError) => options.onError?.(err),
    };
    let decision = base;
    if (base.kind === 'clarify') {
      const candidates = base.candidates.map((r) => c.topics.get(r.id)).filter((t): t is Topic => t !== undefined);
      const picked = await pickTopic(assist, question.text, candidates, base.lang);
      const chosen = picked ? answerDecision(c, picked, base.lang, 0.6) : undefined;
      if (!chosen) return base;
      decision = chosen;
    }
    if (decision.kind !== 'answer' || !llmPhrase) return decision;
    const topic = c.topics.get(decision.topic.id);
    if (!topic) return decision;
    const phrased = await phraseAnswer(assist, question.text, [topic], decision.lang);
    if (!phrased) return decision;
    return { ...decision, answer: phrased.text, llm: { citedTopicIds: phrased.cited } };
  }

  return {
    llmConfigured: options.llm !== undefined,
    async decide(question: KnowledgeQuestion): Promise<KnowledgeDecision> {
      const dated = question.today ? question : { ...question, today: taipeiToday(clock.now()) };
      const { decision } = decideWithEvidence(current(), dated, thresholds);
      return withLlm(question, decision);
    },
    topicAnswer(topicId: string, lang: Lang): KnowledgeDecision | undefined {
      return answerDecision(current(), topicId, lang, 1);
    },
    explain(question: KnowledgeQuestion) {
      return decideWithEvidence(current(), question, thresholds);
    },
    reload: load,
    close() {
      clearTimeout(debounce);
      for (const w of watchers) w.close();
      watchers.length = 0;
    },
    problems: () => lastProblems,
    topicCount: () => current().topics.size,
    topicIds: () => [...current().topics.keys()],
  };
}
