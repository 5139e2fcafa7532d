/**
 * Text normalisation shared by questions and content: Unicode NFKC (full-width → half-width),
 * lower case, simplified → traditional for common characters, and the synonym/typo table
 * rewritten to canonical forms (longest entry first), so that both sides of a match speak the
 * same vocabulary. Pure and deterministic; the tables are data (knowledge/synonyms.yaml).
 */
import type { Lang } from '../types';

export interface SynonymTable {
  /** Per language: variant → canonical, already normalised (NFKC, lower case). */
  groups: Record<Lang, ReadonlyMap<string, string>>;
  /** Simplified → traditional characters. */
  chars: ReadonlyMap<string, string>;
}

export const EMPTY_SYNONYMS: SynonymTable = {
  groups: { 'zh-TW': new Map(), en: new Map() },
  chars: new Map(),
};

/** Builds the table from the parsed YAML of synonyms.yaml (unknown shapes are ignored). */
export function buildSynonymTable(data: unknown): SynonymTable {
  const d = (data && typeof data === 'object' ? data : {}) as Record<string, unknown>;
  const groups = { 'zh-TW': new Map<string, string>(), en: new Map<string, string>() };
  for (const lang of ['zh-TW', 'en'] as const) {
    const list = Array.isArray(d[lang]) ? (d[lang] as unknown[]) : [];
    for (const g of list) {
      if (!Array.isArray(g) || g.length < 2) continue;
      const entries = g.map((x) => basicNormalize(String(x))).filter(Boolean);
      const canonical = entries[0];
      if (!canonical) continue;
      for (const e of entries) if (!groups[lang].has(e)) groups[lang].set(e, canonical);
    }
  }
  const chars = new Map<string, string>();
  const cm = d['zh-chars'];
  if (cm && typeof cm === 'object') {
    for (const [k, v] of Object.entries(cm as Record<string, unknown>)) {
      if ([...k].length === 1 && typeof v === 'string') chars.set(k, v);
    }
  }
  return { groups, chars };
}

/** NFKC + lower case + collapsed white space. */
export function basicNormalize(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** A compiled rewriter: variants sorted longest first for greedy left-to-right matching. */
export interface Rewriter {
  rewrite(text: string): string;
}

export function compileRewriter(map: ReadonlyMap<string, string>, wordBoundaries: boolean): Rewriter {
  const byFirst = new Map<string, Array<[string, string]>>();
  for (const [variant, canonical] of map) {
    const first = variant[0];
    if (!first) continue;
    const list = byFirst.get(first) ?? [];
    list.push([variant, canonical]);
    byFirst.set(first, list);
  }
  for (const list of byFirst.values()) list.sort((a, b) => b[0].length - a[0].length);
  const isWordChar = (c: string | undefined) => c !== undefined && /[a-z0-9]/.test(c);
  return {
    rewrite(text: string): string {
      let out = '';
      let i = 0;
      while (i < text.length) {
        const c = text[i] as string;
        const list = byFirst.get(c);
        let done = false;
        if (list && !(wordBoundaries && isWordChar(text[i - 1]))) {
          for (const [variant, canonical] of list) {
            if (!text.startsWith(variant, i)) continue;
            if (wordBoundaries && isWordChar(text[i + variant.length])) continue;
            out += canonical;
            i += variant.length;
            done = true;
            break;
          }
        }
        if (!done) {
          out += c;
          i += 1;
        }
      }
      return out;
    },
  };
}

/** Normalises text of one language: basic normalisation, characters, synonyms. */
export class Normalizer {
  private readonly zh: Rewriter;
  private readonly en: Rewriter;
  private readonly chars: ReadonlyMap<string, string>;

  constructor(table: SynonymTable) {
    this.chars = table.chars;
    // Chinese entries may also hold Latin words (email); rewrite them without boundaries in
    // Chinese text, where words are not separated by spaces.
    this.zh = compileRewriter(table.groups['zh-TW'], false);
    this.en = compileRewriter(table.groups.en, true);
  }

  normalize(text: string, lang: Lang): string {
    let t = basicNormalize(text);
    if (this.chars.size > 0) t = [...t].map((c) => this.chars.get(c) ?? c).join('');
    // Articles and possessives never decide a topic but break phrase matches ("loan on my policy").
    t = t.replace(EN_FILLER, ' ').replace(/ {2,}/g, ' ').trim();
    return lang === 'zh-TW' ? this.en.rewrite(this.zh.rewrite(t)) : this.en.rewrite(t);
  }
}

const EN_FILLER = /\b(my|your|our|the|a|an|his|her|their)\b/g;

/** Han characters (CJK unified ideographs and extension A). */
export const HAN = /[\u3400-\u9fff\uf900-\ufaff]/;

/** zh-TW when the text holds any Han character (mixed text counts as Chinese), else en. */
export function detectLang(text: string, fallback: Lang): Lang {
  if (HAN.test(text)) return 'zh-TW';
  if (/[a-z]/i.test(text)) return 'en';
  return fallback;
}
