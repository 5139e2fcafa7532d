/**
 * Parses and checks one topic file (YAML front matter + `## zh-TW` / `## en` sections) and
 * fills its `{{placeholders}}` from the company profile.
 *
 * Guarantees: a topic is returned only when every rule of the content format holds (id among
 * the 39 and equal to the file name, titles and keywords in both languages with the minimum
 * counts, related ids valid, both language sections non-empty, every placeholder known);
 * otherwise the problems are returned, each phrased for a content editor. Pure: no I/O.
 */
import { parse as parseYaml } from 'yaml';
import { isTopicId } from '../topic-ids';
import type { Lang } from '../types';
import { type ContentProblem, LANGS, type Topic } from './topic';

/** Minimum keyword counts of the content format. */
export const MIN_KEYWORDS: Record<Lang, number> = { 'zh-TW': 6, en: 4 };

const FRONT_MATTER = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/;
const SECTION_HEADING = /^##\s+(zh-TW|en)\s*$/gm;
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

export interface ParseResult {
  topic?: Topic;
  problems: ContentProblem[];
}

/** Company profile values by key (strings only are usable as placeholders). */
export type Profile = Readonly<Record<string, string>>;

/**
 * Parses one topic file.
 * @param file file name (or path) used in messages; its base name must be `<id>.md`.
 */
export function parseTopicFile(file: string, text: string, profile: Profile): ParseResult {
  const problems: ContentProblem[] = [];
  const fail = (message: string, topicId?: string) => problems.push({ file, topicId, message });
  const m = FRONT_MATTER.exec(text);
  if (!m) {
    fail('no YAML front matter (the file must start with --- and a closing ---)');
    return { problems };
  }
  let meta: unknown;
  try {
    meta = parseYaml(m[1] ?? '');
  } catch (err) {
    fail(`front matter is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
    return { problems };
  }
  if (!meta || typeof meta !== 'object') {
    fail('front matter is empty');
    return { problems };
  }
  const fm = meta as Record<string, unknown>;
  const id = typeof fm.id === 'string' ? fm.id.trim() : '';
  const baseName = (file.split(/[\\/]/).pop() ?? file).replace(/\.md$/, '');
  if (!id) fail('missing `id`');
  else if (!isTopicId(id)) fail(`id "${id}" is not one of the 39 topic ids of the specification`, id);
  else if (id !== baseName) fail(`id "${id}" does not match the file name "${baseName}.md"`, id);

  const title = langRecord(fm.title, 'title', (v) => (typeof v === 'string' && v.trim() ? v.trim() : undefined), fail);
  const keywords = langRecord(
    fm.keywords,
    'keywords',
    (v) =>
      Array.isArray(v)
        ? v.map((k) => (typeof k === 'string' || typeof k === 'number' ? String(k).trim() : '')).filter(Boolean)
        : undefined,
    fail,
  );
  if (keywords) {
    for (const lang of LANGS) {
      if (keywords[lang].length < MIN_KEYWORDS[lang]) {
        fail(`keywords.${lang} has ${keywords[lang].length} entries; at least ${MIN_KEYWORDS[lang]} are required`, id);
      }
    }
  }
  const related: string[] = [];
  if (fm.related !== undefined && fm.related !== null) {
    if (!Array.isArray(fm.related)) fail('`related` must be a list of topic ids', id);
    else {
      for (const r of fm.related) {
        if (!isTopicId(r)) fail(`related id "${String(r)}" is not a topic id`, id);
        else if (r === id) fail('a topic may not list itself as related', id);
        else related.push(r);
      }
    }
  }
  if (fm.unverified !== undefined && typeof fm.unverified !== 'boolean') fail('`unverified` must be true or false', id);
  const sources = Array.isArray(fm.sources) ? fm.sources.filter((s): s is string => typeof s === 'string') : [];

  const sections = splitSections(m[2] ?? '');
  const answer: Partial<Record<Lang, string>> = {};
  const template: Partial<Record<Lang, string>> = {};
  for (const lang of LANGS) {
    const body = sections[lang];
    if (body === undefined) {
      fail(`section "## ${lang}" is missing`, id);
      continue;
    }
    if (!body.trim()) {
      fail(`section "## ${lang}" is empty`, id);
      continue;
    }
    template[lang] = body.trim();
    answer[lang] = fillPlaceholders(body.trim(), profile, (key) =>
      fail(`placeholder {{${key}}} in the ${lang} section is not a key of company-profile.yaml`, id),
    );
  }
  // Placeholders in titles are not allowed to go unnoticed either.
  if (title) {
    for (const lang of LANGS) {
      title[lang] = fillPlaceholders(title[lang], profile, (key) =>
        fail(`placeholder {{${key}}} in title.${lang} is not a key of company-profile.yaml`, id),
      );
    }
  }
  if (problems.length > 0 || !title || !keywords || !answer['zh-TW'] || !answer.en) return { problems };
  return {
    topic: {
      id,
      title,
      keywords,
      related,
      unverified: fm.unverified === true,
      sources,
      answer: { 'zh-TW': answer['zh-TW'], en: answer.en },
      template: { 'zh-TW': template['zh-TW'] ?? '', en: template.en ?? '' },
      file,
    },
    problems,
  };
}

function langRecord<T>(
  value: unknown,
  field: string,
  read: (v: unknown) => T | undefined,
  fail: (message: string) => void,
): Record<Lang, T> | undefined {
  if (!value || typeof value !== 'object') {
    fail(`missing \`${field}\` with zh-TW and en entries`);
    return undefined;
  }
  const rec = value as Record<string, unknown>;
  const out: Partial<Record<Lang, T>> = {};
  for (const lang of LANGS) {
    const v = read(rec[lang]);
    if (v === undefined) fail(`missing or empty \`${field}.${lang}\``);
    else out[lang] = v;
  }
  return out['zh-TW'] !== undefined && out.en !== undefined ? (out as Record<Lang, T>) : undefined;
}

/** Splits the Markdown body into its `## zh-TW` and `## en` sections. */
function splitSections(body: string): Partial<Record<Lang, string>> {
  const out: Partial<Record<Lang, string>> = {};
  const heads = [...body.matchAll(SECTION_HEADING)];
  heads.forEach((h, i) => {
    const start = (h.index ?? 0) + h[0].length;
    const end = heads[i + 1]?.index ?? body.length;
    out[h[1] as Lang] = body.slice(start, end);
  });
  return out;
}

/** Replaces `{{key}}` by the profile value; reports every unknown key. */
export function fillPlaceholders(text: string, profile: Profile, unknown: (key: string) => void): string {
  return text.replace(PLACEHOLDER, (whole, key: string) => {
    const v = profile[key];
    if (v === undefined) {
      unknown(key);
      return whole;
    }
    return v;
  });
}
