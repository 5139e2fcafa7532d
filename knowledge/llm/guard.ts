/**
 * What an LLM may receive and what it may say. Before sending: national ID and resident
 * certificate (ARC) numbers are removed. After receiving: a reply must cite at least one of
 * the topics it was given, must not state an amount of money the content does not contain
 * (an LLM never quotes a premium), and must not promise a claim outcome. A reply failing any
 * check is refused and the retrieval answer is used instead. Pure functions.
 */

/** National ID (A123456789), new ARC (A812345678 / A912345678), old ARC (AB12345678). */
const PERSONAL_ID = /(?<![A-Za-z0-9])[A-Za-z](?:[1289]\d|[A-Da-d]\d)\d{7}(?![A-Za-z0-9])/g;

const REDACTED = '[ID removed]';

/** Removes every national ID / ARC number from text sent to an LLM. */
export function redactPersonalIds(text: string): string {
  return text.replace(PERSONAL_ID, REDACTED);
}

/** Citation markers the model is asked to write: [topic:policy-loan]. */
const CITATION = /\[topic:\s*([a-z0-9-]+)\s*\]/gi;

export function citedTopicIds(reply: string): string[] {
  return [...new Set([...reply.matchAll(CITATION)].map((m) => (m[1] ?? '').toLowerCase()))];
}

export function stripCitations(reply: string): string {
  return reply
    .replace(CITATION, '')
    .replace(/[ \t]+\n/g, '\n')
    .trim();
}

/** Amounts of money: NT$1,000 / 1000元 / 3萬元 / 新台幣 5,000 / 五千元 / USD 30. */
const MONEY = new RegExp(
  [
    /(?:nt\$|ntd|twd|us\$|usd|eur|€|\$|新台幣|新臺幣|台幣|臺幣)\s*[\d,]+(?:\.\d+)?\s*(?:萬|億|千)?/.source,
    /[\d,]+(?:\.\d+)?\s*(?:萬|億|千)?\s*(?:元|塊|圓)/.source,
    /[零一二三四五六七八九十百千萬億兩]+\s*(?:元|塊)/.source,
    /[\d,]+(?:\.\d+)?\s*(?:ntd|twd|dollars|euros)/.source,
  ].join('|'),
  'gi',
);

function moneyKey(s: string): string {
  return s.toLowerCase().replace(/[\s,]/g, '');
}

/** Amounts stated in `reply` that do not appear in `content` (compared without spaces/commas). */
export function foreignAmounts(reply: string, content: string): string[] {
  const have = new Set([...content.matchAll(MONEY)].map((m) => moneyKey(m[0])));
  const digitsInContent = content.replace(/[\s,]/g, '');
  const out: string[] = [];
  for (const m of reply.matchAll(MONEY)) {
    const k = moneyKey(m[0]);
    if (have.has(k)) continue;
    const digits = k.match(/\d+(?:\.\d+)?/)?.[0];
    // The same figure written with another currency mark (NT$690,000 vs 690,000元) is allowed.
    if (digits && digits.length >= 3 && digitsInContent.includes(digits)) continue;
    out.push(m[0]);
  }
  return out;
}

const CLAIM_PROMISE = [
  /一定(會)?(理賠|賠|給付|核准|通過|賠償|拿到)/,
  /(保證|肯定|絕對|必定|百分之百)(會|可以|能)?(理賠|賠|給付|核准|通過|拿到)/,
  /\b(will|shall) (definitely|certainly|surely|absolutely) (be )?(paid|pay|approved|covered|accepted)/i,
  /\bguarantee[sd]? (that )?(your |the )?(claim|payment|payout|approval|cover)/i,
  /\b(100%|fully) guaranteed\b/i,
  /\byour claim (will|is going to) be (paid|approved|accepted)\b/i,
];

export function promisesClaimOutcome(reply: string): boolean {
  return CLAIM_PROMISE.some((re) => re.test(reply));
}

export type GuardVerdict = { ok: true; text: string; cited: string[] } | { ok: false; reason: string };

/** Checks an LLM answer against the content it was given and the topics it may cite. */
export function checkLlmAnswer(reply: string, allowedIds: readonly string[], content: string): GuardVerdict {
  const cited = citedTopicIds(reply).filter((id) => allowedIds.includes(id));
  if (cited.length === 0) return { ok: false, reason: 'cites none of the given topics' };
  const amounts = foreignAmounts(reply, content);
  if (amounts.length > 0) return { ok: false, reason: `states amounts not in the content: ${amounts.join(', ')}` };
  if (promisesClaimOutcome(reply)) return { ok: false, reason: 'promises a claim outcome' };
  const text = stripCitations(reply);
  if (!text) return { ok: false, reason: 'empty answer' };
  return { ok: true, text, cited };
}
