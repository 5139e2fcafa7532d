/**
 * The retriever: a BM25 index per language over each topic's title, keywords and answer
 * text, plus a bonus when the question contains one of the topic's keyword phrases whole
 * (editors list the phrases customers really type, so a whole-phrase hit is strong evidence).
 * English words the index does not know are read as the index term one edit away (typos).
 *
 * Built once per content load; `search` is pure CPU over in-memory maps (no I/O, no LLM), and
 * reports for each candidate the terms and phrases that matched, for `kb:explain`.
 */
import type { Topic } from '../content/topic';
import type { Lang } from '../types';
import { type Normalizer, detectLang } from './normalize';
import { isZhStopChar, type Token, tokenize, tokenizeLatin, type WordSegmenter, type ZhStrategy } from './tokenize';

const HAN_CHAR = /[\u3400-\u9fff\uf900-\ufaff]/;
const HAN_CHARS = /[\u3400-\u9fff\uf900-\ufaff]+/g;

export interface IndexOptions {
  strategy: ZhStrategy;
  k1: number;
  b: number;
  fieldWeights: { title: number; keywords: number; body: number; otherLangKeywords: number };
  /** Bonus per character of a whole Chinese keyword phrase found in the question. */
  zhPhraseBonusPerChar: number;
  /** Bonus per word of a whole English keyword phrase found in the question. */
  enPhraseBonusPerWord: number;
  /** Word segmenter for the segmenter strategies (default Intl.Segmenter; e.g. a jieba binding). */
  segment?: WordSegmenter;
}

export const DEFAULT_INDEX_OPTIONS: IndexOptions = {
  strategy: 'segmenter+bigram',
  k1: 1.2,
  b: 0.5,
  fieldWeights: { title: 2, keywords: 2, body: 1, otherLangKeywords: 0.5 },
  zhPhraseBonusPerChar: 1.2,
  enPhraseBonusPerWord: 2.5,
};

export interface Hit {
  id: string;
  score: number;
  /** Query terms found in the topic, with their contribution. */
  terms: Array<{ term: string; score: number }>;
  /** Keyword phrases of the topic found whole in the question. */
  phrases: string[];
}

export interface SearchResult {
  lang: Lang;
  /** The question after normalisation (synonyms applied). */
  normalized: string;
  /** Topics with a positive score, best first. */
  hits: Hit[];
  /** Share (0–1) of the question's content that the top topic's matched terms and phrases cover. */
  coverage: number;
  /** Number of content units (meaningful characters / words) in the question. */
  contentTerms: number;
}

interface Doc {
  id: string;
  tf: Map<string, number>;
  len: number;
}

interface LangIndex {
  docs: Doc[];
  df: Map<string, number>;
  avgLen: number;
  /** Keyword phrase (normalised) → topic ids holding it. Chinese: substring match; English: token sequence. */
  phrases: Array<{ text: string; seq: string[]; ids: string[] }>;
  /** Latin-letter terms of the index by length, for repairing misspelt English words. */
  latinByLen: Map<number, string[]>;
}

export class TopicIndex {
  private readonly byLang: Record<Lang, LangIndex>;

  constructor(
    topics: readonly Topic[],
    private readonly normalizer: Normalizer,
    readonly options: IndexOptions = DEFAULT_INDEX_OPTIONS,
  ) {
    this.byLang = { 'zh-TW': this.build(topics, 'zh-TW'), en: this.build(topics, 'en') };
  }

  private tokens(text: string, lang: Lang): Token[] {
    return tokenize(text, lang, this.options.strategy, this.options.segment);
  }

  private build(topics: readonly Topic[], lang: Lang): LangIndex {
    const other: Lang = lang === 'zh-TW' ? 'en' : 'zh-TW';
    const fw = this.options.fieldWeights;
    const docs: Doc[] = [];
    const df = new Map<string, number>();
    const phraseIds = new Map<string, Set<string>>();
    for (const t of topics) {
      const tf = new Map<string, number>();
      let len = 0;
      const add = (tokens: Token[], w: number) => {
        for (const tok of tokens) {
          const v = w * tok.weight;
          tf.set(tok.term, (tf.get(tok.term) ?? 0) + v);
          len += v;
        }
      };
      const norm = (s: string, l: Lang) => this.normalizer.normalize(s, l);
      add(this.tokens(norm(t.title[lang], lang), lang), fw.title);
      for (const k of t.keywords[lang]) {
        const nk = norm(k, lang);
        add(this.tokens(nk, lang), fw.keywords);
        const set = phraseIds.get(nk) ?? new Set<string>();
        set.add(t.id);
        phraseIds.set(nk, set);
      }
      add(this.tokens(norm(stripMarkdown(t.template[lang]), lang), lang), fw.body);
      if (lang === 'zh-TW') {
        for (const k of t.keywords[other]) add(tokenizeLatin(norm(k, 'en')), fw.otherLangKeywords);
      }
      for (const term of tf.keys()) df.set(term, (df.get(term) ?? 0) + 1);
      docs.push({ id: t.id, tf, len });
    }
    const avgLen = docs.reduce((s, d) => s + d.len, 0) / Math.max(1, docs.length);
    const phrases: LangIndex['phrases'] = [];
    for (const [text, ids] of phraseIds) {
      if (lang === 'zh-TW') {
        if ([...text].length < 2) continue;
        phrases.push({ text, seq: [], ids: [...ids] });
      } else {
        const seq = tokenizeLatin(text).map((x) => x.term);
        if (seq.length === 0) continue;
        phrases.push({ text, seq, ids: [...ids] });
      }
    }
    const latinByLen = new Map<number, string[]>();
    for (const term of df.keys()) {
      if (!/^[a-z]+$/.test(term)) continue;
      const list = latinByLen.get(term.length) ?? [];
      list.push(term);
      latinByLen.set(term.length, list);
    }
    return { docs, df, avgLen, phrases, latinByLen };
  }

  /** IDF of a term in a language (BM25+ style, never negative). */
  idf(term: string, lang: Lang): number {
    const ix = this.byLang[lang];
    const n = ix.docs.length;
    const df = ix.df.get(term) ?? 0;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /** Searches the question; `langHint` is used only when the text has no letters at all. */
  search(question: string, langHint: Lang = 'zh-TW'): SearchResult {
    const lang = detectLang(question, langHint);
    const ix = this.byLang[lang];
    const normalized = this.normalizer.normalize(question, lang);
    const qTokens = this.tokens(normalized, lang).map((t) => this.repairSpelling(ix, t));
    // One weight per distinct term: the largest it was given.
    const q = new Map<string, number>();
    for (const t of qTokens) q.set(t.term, Math.max(q.get(t.term) ?? 0, t.weight));
    const { k1, b } = this.options;
    const hits: Hit[] = [];
    const scoreById = new Map<string, Hit>();
    for (const d of ix.docs) {
      let score = 0;
      const terms: Hit['terms'] = [];
      for (const [term, qw] of q) {
        const tf = d.tf.get(term);
        if (!tf) continue;
        const s = qw * this.idf(term, lang) * ((tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * d.len) / ix.avgLen)));
        score += s;
        terms.push({ term, score: s });
      }
      const hit = { id: d.id, score, terms, phrases: [] as string[] };
      scoreById.set(d.id, hit);
    }
    this.addPhraseBonus(ix, lang, normalized, qTokens, scoreById);
    for (const h of scoreById.values()) if (h.score > 0) hits.push(h);
    hits.sort((x, y) => y.score - x.score || x.id.localeCompare(y.id));
    const { coverage, contentTerms } = hits[0]
      ? this.coverage(normalized, lang, qTokens, hits[0])
      : { coverage: 0, contentTerms: qTokens.filter((t) => t.weight >= 1).length };
    return { lang, normalized, hits, coverage, contentTerms };
  }

  /**
   * Share of the question's content (Chinese: meaningful characters; English: content words)
   * that the top topic's matched terms and phrases account for. Low coverage means the
   * question is mostly about something the topic does not speak of.
   */
  private coverage(
    normalized: string,
    lang: Lang,
    qTokens: Token[],
    top: Hit,
  ): { coverage: number; contentTerms: number } {
    const matched = new Set(top.terms.map((t) => t.term));
    if (lang === 'en') {
      const words = qTokens.map((t) => t.term);
      if (words.length === 0) return { coverage: 0, contentTerms: 0 };
      const inPhrase = new Set(top.phrases.flatMap((p) => tokenizeLatin(p).map((x) => x.term)));
      const covered = words.filter((w) => matched.has(w) || inPhrase.has(w)).length;
      return { coverage: covered / words.length, contentTerms: words.length };
    }
    const chars = [...normalized];
    const content: number[] = [];
    chars.forEach((c, i) => {
      if (HAN_CHAR.test(c) && !isZhStopChar(c)) content.push(i);
    });
    const latin = tokenizeLatin(normalized.replace(HAN_CHARS, ' ')).map((t) => t.term);
    const total = content.length + latin.length;
    if (total === 0) return { coverage: 0, contentTerms: 0 };
    const covered = new Set<number>();
    const mark = (piece: string) => {
      const p = [...piece];
      if (p.length === 0) return;
      for (let i = 0; i + p.length <= chars.length; i++) {
        let ok = true;
        for (let j = 0; j < p.length; j++) if (chars[i + j] !== p[j]) ok = false;
        if (ok) for (let j = 0; j < p.length; j++) covered.add(i + j);
      }
    };
    for (const t of top.terms) {
      const w = t.term.startsWith('w:') ? t.term.slice(2) : t.term;
      if ([...w].length >= 2 && HAN_CHAR.test(w)) mark(w);
    }
    for (const p of top.phrases) mark(p);
    const coveredContent = content.filter((i) => covered.has(i)).length;
    const coveredLatin = latin.filter((w) => matched.has(w)).length;
    return { coverage: (coveredContent + coveredLatin) / total, contentTerms: total };
  }

  /**
   * An English word the index does not know, of 5 letters or more, is read as the index term
   * one edit away (a letter missing, extra, wrong or two swapped: surender, premuim, polciy),
   * at a slightly lower weight. Several such terms: the one in most topics wins.
   */
  private repairSpelling(ix: LangIndex, t: Token): Token {
    const w = t.term;
    if (w.length < 5 || ix.df.has(w) || !/^[a-z]+$/.test(w)) return t;
    let best: string | undefined;
    let bestDf = 0;
    for (let len = w.length - 1; len <= w.length + 1; len++) {
      for (const cand of ix.latinByLen.get(len) ?? []) {
        const df = ix.df.get(cand) ?? 0;
        if (df > bestDf && withinOneEdit(w, cand)) {
          best = cand;
          bestDf = df;
        }
      }
    }
    return best ? { term: best, weight: t.weight * TYPO_WEIGHT } : t;
  }

  private addPhraseBonus(
    ix: LangIndex,
    lang: Lang,
    normalized: string,
    qTokens: Token[],
    scoreById: Map<string, Hit>,
  ): void {
    const seq = lang === 'en' ? qTokens.map((t) => t.term) : [];
    const found = new Map<string, Array<{ text: string; bonus: number }>>();
    for (const p of ix.phrases) {
      let bonus = 0;
      if (lang === 'zh-TW') {
        if (!normalized.includes(p.text)) continue;
        bonus = this.options.zhPhraseBonusPerChar * [...p.text.replace(/\s/g, '')].length;
      } else {
        if (!containsSeq(seq, p.seq)) continue;
        bonus = this.options.enPhraseBonusPerWord * p.seq.length;
      }
      // A phrase several topics share says less about each of them.
      bonus /= p.ids.length;
      for (const id of p.ids) {
        const list = found.get(id) ?? [];
        list.push({ text: p.text, bonus });
        found.set(id, list);
      }
    }
    for (const [id, list] of found) {
      const hit = scoreById.get(id);
      if (!hit) continue;
      list.sort((x, y) => y.bonus - x.bonus);
      // The best phrase counts fully, further (often nested) phrases less and less.
      let factor = 1;
      for (const p of list) {
        hit.score += p.bonus * factor;
        factor *= 0.4;
        hit.phrases.push(p.text);
      }
    }
  }
}

function containsSeq(hay: string[], needle: string[]): boolean {
  if (needle.length === 0 || needle.length > hay.length) return false;
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** Drops Markdown syntax and URLs that would only add noise terms. */
export function stripMarkdown(md: string): string {
  return md
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/\{\{[^}]*\}\}/g, ' ')
    .replace(/^#+\s+.*$/gm, ' ')
    .replace(/[*_`>#|[\]()]/g, ' ');
}

/** Weight of a query word repaired from a misspelling, relative to the word as typed. */
const TYPO_WEIGHT = 0.8;

/** True when a and b differ by at most one insertion, deletion, substitution or adjacent swap. */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > 1) return false;
  let i = 0;
  while (i < la && i < lb && a[i] === b[i]) i++;
  if (la === lb) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}
