/**
 * Tokenisers for retrieval. Chinese has no spaces, so several strategies are offered and
 * measured by `npm run eval` (see BENCHMARKS.md, "Knowledge retrieval"):
 * - `bigram`: overlapping character bigrams plus unigrams at a low weight — robust to typos
 *   and unknown words, no dictionary;
 * - `segmenter`: ICU word segmentation through `Intl.Segmenter('zh-TW')`;
 * - `segmenter+bigram`: both.
 * Latin words inside Chinese text and English text are split on non-letters, stop words are
 * dropped and a light suffix stemmer folds plurals and verb forms. Pure functions.
 */

export type ZhStrategy = 'bigram' | 'segmenter' | 'segmenter+bigram';

export interface Token {
  term: string;
  weight: number;
}

/** Weight of a single character relative to a bigram or word. */
const UNIGRAM_WEIGHT = 0.25;

/** Characters that carry no topic meaning alone (function words, pronouns, particles). */
const ZH_STOP_CHARS = new Set(
  '的了嗎嘛呢吧啊喔哦呀我你妳您他她們是有要可以在和跟與及或怎麼什麼請問想會能這那個就都也還幫把被讓給對到從很太好喂欸耶啦囉'.split(
    '',
  ),
);

/** Particles: a bigram holding one says nothing (「繳了」「改嗎」). */
const ZH_PARTICLES = new Set('的了嗎嘛呢吧啊喔哦呀啦囉耶欸'.split(''));

/** Bigrams that are question scaffolding, not content. */
const ZH_STOP_BIGRAMS = new Set([
  '可以',
  '怎麼',
  '什麼',
  '請問',
  '我們',
  '你們',
  '如何',
  '要怎',
  '麼辦',
  '怎樣',
  '是否',
  '知道',
  '一下',
  '現在',
  '我的',
  '我要',
  '我想',
  '想要',
  '需要',
  '是不',
  '不是',
  '有沒',
  '沒有',
  '能不',
  '不能',
  '多少',
  '請幫',
  // Polite and spoken filler in long questions (「不好意思想請教一下，就是那個…」).
  '請教',
  '想說',
  '然後',
  '就是',
  '那個',
  '因為',
  '所以',
  '的話',
  '麻煩',
  '好意',
  '意思',
  '到底',
  // Spoken scaffolding: 「會不會」「一個月」 say nothing about the topic.
  '會不',
  '不會',
  '會不會',
  '一個',
]);

export const EN_STOP_WORDS = new Set(
  (
    "a an the i im i'm me my mine you your yours we our us he she his her they them their it its is are was were be been " +
    'being am do does did doing done can could will would shall should may might must have has had having to of for on ' +
    'in at by with from about into as and or but if then than so that this these those there here what which who whom ' +
    'whose when where why how much many any some all please pls plz hi hello thanks thank just also too very really ' +
    "want wanna need get got know tell let like would like ok okay yes no not dont don't cant can't isnt isn't " +
    "there's what's whats how's one two " +
    // Chat spellings and politeness that never decide a topic.
    "u ur r ya im ive i've i'd i'll thx ty tks kindly sorry wondering wonder hey guys btw"
  ).split(' '),
);

/** "cancell" → "cancel", "stopp" → "stop" (British doubling before -ed/-ing); "ss" stays. */
function undouble(w: string): string {
  return w.length > 3 && w.at(-1) === w.at(-2) && w.at(-1) !== 's' ? w.slice(0, -1) : w;
}

/** Light English stemmer: folds plurals and common verb endings. */
export function stemEn(word: string): string {
  // British and American spellings meet: hospitalised/hospitalized, authorisation/authorization.
  const w = word.replace(/'s$/, '').replace(/is(e|es|ed|ing|ation|ations)$/, 'iz$1');
  if (w.length <= 3) return w;
  return dropFinalE(stripSuffix(w));
}

function stripSuffix(w: string): string {
  if (w.endsWith('ies') && w.length > 4) return `${w.slice(0, -3)}y`;
  if (w.endsWith('sses')) return w.slice(0, -2);
  if (w.endsWith('ing') && w.length > 5) return undouble(w.slice(0, -3));
  if (w.endsWith('ed') && w.length > 4) return undouble(w.slice(0, -2));
  if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) return w.slice(0, -1);
  return w;
}

/** "change", "changed", "changing" and "changes" all end as "chang" (likewise update, move, license). */
function dropFinalE(w: string): string {
  return w.length > 4 && w.endsWith('e') && !w.endsWith('ee') ? w.slice(0, -1) : w;
}

const SEGMENTER = new Intl.Segmenter('zh-TW', { granularity: 'word' });
const HAN_RUN = /[\u3400-\u9fff\uf900-\ufaff]+/g;
/** Hyphens separate words, so that "paid-up" and "paid up", "auto-debit" and "auto debit" meet. */
const LATIN_WORD = /[a-z0-9][a-z0-9']*/g;

/** English (and Latin words inside Chinese) tokens, stop words dropped, stemmed. */
export function tokenizeLatin(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(LATIN_WORD)) {
    const w = m[0].replace(/^[-']+|[-']+$/g, '');
    if (!w || EN_STOP_WORDS.has(w)) continue;
    out.push({ term: stemEn(w), weight: 1 });
  }
  return out;
}

/** A word segmenter for a run of Han characters (default: Intl.Segmenter zh-TW). */
export type WordSegmenter = (run: string) => string[];

const intlSegment: WordSegmenter = (run) => {
  const words: string[] = [];
  for (const s of SEGMENTER.segment(run)) if (s.isWordLike) words.push(s.segment);
  return words;
};

/** Chinese tokens of one text (Han runs) by strategy, plus its Latin words. */
export function tokenizeZh(text: string, strategy: ZhStrategy, segment: WordSegmenter = intlSegment): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(HAN_RUN)) {
    const run = m[0];
    if (strategy !== 'segmenter') pushBigrams(run, out);
    if (strategy !== 'bigram') pushSegments(segment(run), out, strategy === 'segmenter');
  }
  out.push(...tokenizeLatin(text.replace(HAN_RUN, ' ')));
  return out;
}

function pushBigrams(run: string, out: Token[]): void {
  const chars = [...run];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (!ZH_STOP_CHARS.has(c)) out.push({ term: c, weight: UNIGRAM_WEIGHT });
    const next = chars[i + 1];
    if (next === undefined) continue;
    // A bigram made only of function characters says nothing about the topic.
    if (ZH_STOP_CHARS.has(c) && ZH_STOP_CHARS.has(next)) continue;
    if (ZH_PARTICLES.has(c) || ZH_PARTICLES.has(next)) continue;
    const bi = c + next;
    if (!ZH_STOP_BIGRAMS.has(bi)) out.push({ term: bi, weight: 1 });
  }
}

function pushSegments(words: string[], out: Token[], withSingles: boolean): void {
  for (const w of words) {
    const len = [...w].length;
    if (len === 1) {
      if (withSingles && !ZH_STOP_CHARS.has(w)) out.push({ term: w, weight: UNIGRAM_WEIGHT });
      continue;
    }
    if (ZH_STOP_BIGRAMS.has(w)) continue;
    // Prefixed so a segmenter word never collides with a bigram of the same two characters.
    out.push({ term: `w:${w}`, weight: 1 });
  }
}

/** Tokens of normalised text in a language. */
/** True for a Han character that carries no topic meaning alone. */
export function isZhStopChar(c: string): boolean {
  return ZH_STOP_CHARS.has(c);
}

export function tokenize(text: string, lang: 'zh-TW' | 'en', strategy: ZhStrategy, segment?: WordSegmenter): Token[] {
  return lang === 'zh-TW' ? tokenizeZh(text, strategy, segment) : tokenizeLatin(text);
}
