/**
 * The decision policy without an LLM: routing rules first, then retrieval, then thresholds
 * that turn scores into answer / clarify / out-of-scope.
 *
 * Guarantees: deterministic for a given content load; never throws on any input text; every
 * decision carries a confidence in [0, 1] and the language it was made in (mixed Chinese and
 * English text counts as zh-TW). `explain` returns the same decision with the evidence.
 */
import type { Profile } from '../content/parse-topic';
import type { Topic } from '../content/topic';
import { basicNormalize, detectLang } from '../retrieval/normalize';
import type { SearchResult, TopicIndex } from '../retrieval/topic-index';
import type { KnowledgeDecision, KnowledgeQuestion, Lang, TopicRef } from '../types';
import { hasDomainAnchor, matchRoutingRule, type RuleMatch, stripLeadingFiller } from './route-rules';
import { outOfScopeReply, smallTalkKind, smallTalkReply } from './replies';
import { parseTravelRequest } from '../travel/parse';

/** Questions about what travel cover includes or how to claim are knowledge questions, not quotes. */
const ASKS_ABOUT_COVER =
  /保障|包含|包括|理賠|申請|文件|怎麼|如何|什麼|哪些|能不能|可以嗎|\b(cover|covered|include|claim|what|how)\b/i;

export interface Thresholds {
  /** Below this top score nothing in the knowledge base is close: out of scope. */
  minScore: number;
  /** Below this coverage (share of the question's terms the knowledge base knows): out of scope. */
  minCoverage: number;
  /** Confidence needed to answer directly; between clarifyConfidence and this, clarify. */
  answerConfidence: number;
  /** Candidates offered when clarifying. */
  maxCandidates: number;
  /** A runner-up is offered when its score is at least this share of the top score. */
  candidateRatio: number;
  /** Score at which the strength part of the confidence reaches 1 − 1/e. */
  scoreScale: number;
  /** From this top score on, low coverage alone no longer makes a question out of scope. */
  strongScore: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  minScore: 4,
  minCoverage: 0.4,
  answerConfidence: 0.25,
  maxCandidates: 3,
  candidateRatio: 0.55,
  scoreScale: 8,
  strongScore: 12,
};

export interface Evidence {
  rule?: RuleMatch;
  search?: SearchResult;
  confidence: number;
  margin: number;
  reason: string;
}

export interface EngineContent {
  topics: ReadonlyMap<string, Topic>;
  index: TopicIndex;
  profile: Profile;
}

/** Decides one question and returns the evidence with it. Pure; never throws. */
export function decideWithEvidence(
  content: EngineContent,
  question: KnowledgeQuestion,
  thresholds: Thresholds = DEFAULT_THRESHOLDS,
): { decision: KnowledgeDecision; evidence: Evidence } {
  const raw = question.text ?? '';
  // The script decides how the text is read; the reply language follows the text too, except
  // for a word or two of Latin letters in a Chinese conversation ("hi", "ok", "K-000123",
  // "policy loan"), which the customer still wants answered in Chinese.
  const scriptLang = detectLang(raw, question.lang);
  const shortLatin = scriptLang === 'en' && raw.trim().split(/\s+/).length <= 2 && raw.trim().length <= 16;
  const lang: Lang = shortLatin ? question.lang : scriptLang;
  const isZh = scriptLang === 'zh-TW';
  const basic = basicNormalize(raw);
  if (!basic) {
    return {
      decision: {
        kind: 'route',
        intent: 'smalltalk',
        lang,
        confidence: 0.5,
        reply: smallTalkReply('ack', lang, content.profile),
      },
      evidence: { confidence: 0.5, margin: 0, reason: 'empty text' },
    };
  }
  const rule = matchRoutingRule(basic, isZh);
  if (rule) {
    const decision: KnowledgeDecision = { kind: 'route', intent: rule.intent, lang, confidence: 0.9 };
    if (rule.intent === 'smalltalk') decision.reply = smallTalkReply(smallTalkKind(basic), lang, content.profile);
    if (rule.intent === 'out-of-scope') decision.reply = outOfScopeReply(lang, content.profile);
    return { decision, evidence: { rule, confidence: 0.9, margin: 0, reason: `rule: ${rule.rule}` } };
  }
  // A trip described with a place and dates, ages or a sum (「12/24到1/3 全家去首爾…」) is a
  // quote request even without the word 旅平險 — unless it asks about cover or claims.
  if (question.today && !ASKS_ABOUT_COVER.test(raw) && describesTrip(raw, question.today)) {
    const rule: RuleMatch = { intent: 'travel-quote', rule: 'a trip with place and dates, ages or sum' };
    return {
      decision: { kind: 'route', intent: 'travel-quote', lang, confidence: 0.8 },
      evidence: { rule, confidence: 0.8, margin: 0, reason: `rule: ${rule.rule}` },
    };
  }
  const search = content.index.search(stripLeadingFiller(basic, isZh), scriptLang);
  const top = search.hits[0];
  const second = search.hits[1];
  const s1 = top?.score ?? 0;
  const s2 = second?.score ?? 0;
  const margin = s1 > 0 ? (s1 - s2) / s1 : 0;
  const strength = 1 - Math.exp(-s1 / thresholds.scoreScale);
  const confidence = round(strength * (0.4 + 0.6 * margin) * (0.5 + 0.5 * search.coverage));
  // Out of scope when nothing matches, or when the match is weak and covers little of the
  // question — unless the question speaks of insurance (保單, 理賠, policy …): then it is ours,
  // and an unsure match becomes a clarify question instead of a decline.
  const anchored = hasDomainAnchor(basic, isZh);
  const weak = s1 < thresholds.minScore || (search.coverage < thresholds.minCoverage && s1 < thresholds.strongScore);
  if (!top || (weak && !anchored)) {
    return {
      decision: {
        kind: 'route',
        intent: 'out-of-scope',
        lang,
        confidence: round(1 - Math.min(1, s1 / (thresholds.minScore * 2))),
        reply: outOfScopeReply(lang, content.profile),
      },
      evidence: {
        search,
        confidence,
        margin,
        reason:
          !top || s1 < thresholds.minScore ? 'no topic scores high enough' : 'most words unknown to the knowledge base',
      },
    };
  }
  if (confidence >= thresholds.answerConfidence && !weak) {
    const decision = answerDecision(content, top.id, lang, confidence);
    if (decision) return { decision, evidence: { search, confidence, margin, reason: 'confident' } };
  }
  const candidates: TopicRef[] = [];
  for (const h of search.hits.slice(0, thresholds.maxCandidates)) {
    if (candidates.length > 0 && h.score < s1 * thresholds.candidateRatio) break;
    const t = content.topics.get(h.id);
    if (t) candidates.push({ id: t.id, title: t.title[lang], confidence: round(h.score / (s1 + s2 || 1)) });
  }
  if (candidates.length === 1) {
    // Only one plausible topic: answering beats a one-button question.
    const decision = answerDecision(content, top.id, lang, confidence);
    if (decision) return { decision, evidence: { search, confidence, margin, reason: 'single candidate' } };
  }
  return {
    decision: { kind: 'clarify', candidates, lang },
    evidence: { search, confidence, margin, reason: 'unsure between topics' },
  };
}

/** The answer decision for a topic id, or undefined when no such topic is loaded. */
export function answerDecision(
  content: EngineContent,
  topicId: string,
  lang: Lang,
  confidence: number,
): KnowledgeDecision | undefined {
  const t = content.topics.get(topicId);
  if (!t) return undefined;
  const related: TopicRef[] = [];
  for (const r of t.related) {
    const rt = content.topics.get(r);
    if (rt) related.push({ id: rt.id, title: rt.title[lang], confidence: 0 });
  }
  return {
    kind: 'answer',
    topic: { id: t.id, title: t.title[lang], confidence },
    answer: t.answer[lang],
    lang,
    related,
  };
}

function round(x: number): number {
  return Math.round(Math.max(0, Math.min(1, x)) * 1000) / 1000;
}

/** The label a decision stands for in evaluation: a topic id, a routing intent or 'clarify'. */
export function decisionLabel(d: KnowledgeDecision): string {
  if (d.kind === 'answer') return d.topic.id;
  if (d.kind === 'clarify') return 'clarify';
  return d.intent;
}

/** A destination, a date or length, and who travels or the sum: enough to start a quote. */
function describesTrip(text: string, today: string): boolean {
  const { slots } = parseTravelRequest(text, { today });
  if (!slots.region) return false;
  const when = slots.departureDate !== undefined || slots.days !== undefined || slots.unresolvedDate !== undefined;
  const who = (slots.travellers ?? []).some((t) => t.age !== null) || slots.sumInsuredTWD !== undefined;
  return when && who;
}
