/**
 * PLACEHOLDER knowledge service — a keyword table standing in for the real retriever that is
 * being built in `knowledge/`. It exists so the bot, the web chat and their tests run end to
 * end before the real one lands; `startKefu` uses it only until `knowledge/` exports a
 * service. It answers a handful of topics with general, law-based facts only (no company
 * values), routes the obvious intents, and otherwise says honestly that it does not know.
 *
 * It implements `KnowledgeService` from `knowledge/types.ts` and imports no botbuilder type.
 */
import type { KnowledgeDecision, KnowledgeService, Lang, RoutingIntent, TopicRef } from '../knowledge/types';
import { langFromText } from './language';

interface PlaceholderTopic {
  id: string;
  title: Record<Lang, string>;
  keywords: string[];
  answer: Record<Lang, string>;
}

const TOPICS: PlaceholderTopic[] = [
  {
    id: 'grace-period',
    title: { 'zh-TW': '保費寬限期間', en: 'Premium grace period' },
    keywords: ['寬限', '忘了繳', '沒繳', '逾期', 'grace', 'late premium', 'missed premium'],
    answer: {
      'zh-TW':
        '保費到期未繳時有 **30 天寬限期間**：年繳、半年繳自催告到達翌日起算；月繳、季繳自應繳日翌日起算。寬限期間內保單仍然有效，逾期未繳則停效（保險法第 116 條）。',
      en: 'If a premium is not paid on time there is a **30-day grace period**: for annual and semi-annual payment it starts the day after the reminder arrives; for monthly and quarterly payment, the day after the due date. The policy stays in force during it and lapses after it (Insurance Act art. 116).',
    },
  },
  {
    id: 'policy-loan',
    title: { 'zh-TW': '保單借款', en: 'Policy loans' },
    keywords: ['保單借款', '借款', '貸款', 'policy loan', 'borrow'],
    answer: {
      'zh-TW':
        '有保單價值準備金的保單，要保人可在解約金範圍內申請**保單借款**，利率依各商品公告。借款本息超過保單價值準備金時，保單可能停效，請留意按時繳息。',
      en: 'For policies with a reserve value, the policyholder may take a **policy loan** up to the surrender value; the rate is announced per product. If the loan and interest exceed the reserve, the policy may lapse, so pay the interest on time.',
    },
  },
  {
    id: 'claim-time-limits',
    title: { 'zh-TW': '理賠申請期限', en: 'Claim time limits' },
    keywords: ['理賠期限', '多久內', '時效', '理賠', 'claim deadline', 'claim', 'time limit'],
    answer: {
      'zh-TW':
        '保險事故發生後，請於知悉後 **10 日內**通知保險公司；保險金請求權自得為請求之日起 **2 年**不行使而消滅（保險法第 65 條）。文件齊全後，保險公司應於 15 日內給付。',
      en: 'Please notify the insurer within **10 days** of learning of an insured event; the right to claim expires **2 years** after it could first be made (Insurance Act art. 65). Once the documents are complete, the insurer pays within 15 days.',
    },
  },
  {
    id: 'free-look-cancellation',
    title: { 'zh-TW': '契約撤銷權（猶豫期）', en: 'Free-look cancellation' },
    keywords: ['撤銷', '猶豫期', '後悔', '不想保了', 'free look', 'free-look', 'cancel the policy', 'cancellation'],
    answer: {
      'zh-TW':
        '二年期以上的個人保單，自保單送達翌日起 **10 日內**可以書面或其他約定方式撤銷契約，保險公司無息退還已繳保費。',
      en: 'For individual policies of two years or more, you may cancel within **10 days** from the day after the policy is delivered, in writing or another agreed way; the premium paid is refunded without interest.',
    },
  },
  {
    id: 'premium-tax-deduction',
    title: { 'zh-TW': '保險費列舉扣除額', en: 'Premium tax deduction' },
    keywords: ['扣除額', '報稅', '所得稅', 'tax deduction', 'tax'],
    answer: {
      'zh-TW':
        '人身保險費可列舉扣除，每一被保險人每年以新臺幣 **24,000 元**為限；全民健康保險保費不受此限（所得稅法第 17 條）。',
      en: 'Life and health insurance premiums are an itemised deduction of up to **NT$24,000** per insured person per year; National Health Insurance premiums are not capped (Income Tax Act art. 17).',
    },
  },
];

/** The FAQ shortlist offered by the 常見問題 button. */
const FAQ_TOPIC_IDS = ['grace-period', 'policy-loan', 'claim-time-limits', 'free-look-cancellation'];

const ROUTES: Array<{ intent: Exclude<RoutingIntent, 'clarify'>; keywords: string[] }> = [
  { intent: 'handoff', keywords: ['真人', '客服人員', '專員', '轉接', 'human', 'agent', 'real person', 'operator'] },
  { intent: 'complaint', keywords: ['申訴', '客訴', '投訴', '抱怨', 'complain', 'complaint'] },
  { intent: 'travel-quote', keywords: ['旅平險', '試算', '保費多少', 'travel insurance', 'quote', 'travel'] },
  { intent: 'address-change', keywords: ['地址', '搬家', '通訊資料', 'address', 'moved house'] },
  { intent: 'status-inquiry', keywords: ['進度', '查詢', '審核', 'status', 'progress', 'track'] },
];

const SMALLTALK = [
  '你好',
  '您好',
  '哈囉',
  '嗨',
  '謝謝',
  '感謝',
  'hello',
  'hi',
  'hey',
  'thanks',
  'thank you',
  'good morning',
];

function ref(topic: PlaceholderTopic, lang: Lang, confidence: number): TopicRef {
  return { id: topic.id, title: topic.title[lang], confidence };
}

function includesAny(text: string, keywords: string[]): number {
  return keywords.filter((k) => text.includes(k.toLowerCase())).length;
}

/** Builds the placeholder service (stateless). */
export function createPlaceholderKnowledge(): KnowledgeService {
  const byId = new Map(TOPICS.map((t) => [t.id, t]));

  const answerOf = (topic: PlaceholderTopic, lang: Lang, confidence: number): KnowledgeDecision => ({
    kind: 'answer',
    topic: ref(topic, lang, confidence),
    answer: topic.answer[lang],
    lang,
    related: TOPICS.filter((t) => t.id !== topic.id)
      .slice(0, 2)
      .map((t) => ref(t, lang, 0)),
  });

  return {
    async decide(question) {
      const lang = langFromText(question.text) ?? question.lang;
      const text = question.text.trim().toLowerCase();
      if (text === '常見問題' || text === 'faq') {
        return {
          kind: 'clarify',
          lang,
          candidates: FAQ_TOPIC_IDS.map((id) => ref(byId.get(id)!, lang, 0)),
        };
      }
      const scored = TOPICS.map((t) => ({ t, hits: includesAny(text, t.keywords) }))
        .filter((s) => s.hits > 0)
        .sort((a, b) => b.hits - a.hits);
      for (const route of ROUTES) {
        if (includesAny(text, route.keywords) > 0 && (scored.length === 0 || route.intent === 'handoff')) {
          return { kind: 'route', intent: route.intent, lang, confidence: 0.8 };
        }
      }
      const best = scored[0];
      if (best) {
        const second = scored[1];
        if (second && second.hits === best.hits) {
          return { kind: 'clarify', lang, candidates: scored.slice(0, 3).map((s) => ref(s.t, lang, 0.5)) };
        }
        return answerOf(best.t, lang, Math.min(0.95, 0.6 + 0.15 * best.hits));
      }
      if (SMALLTALK.some((w) => text === w || text.startsWith(`${w} `) || text.startsWith(w))) {
        return { kind: 'route', intent: 'smalltalk', lang, confidence: 0.9 };
      }
      return { kind: 'route', intent: 'out-of-scope', lang, confidence: 0.5 };
    },
    topicAnswer(topicId, lang) {
      const topic = byId.get(topicId);
      return topic ? answerOf(topic, lang, 1) : undefined;
    },
  };
}
