/**
 * Which language to answer in, decided the same way on every channel.
 *
 * zh-TW is the default. The page's language switch reaches the bot as `activity.locale`;
 * the text itself wins when it is clearly one language: any Han character means Chinese, and
 * text of Latin words with no Han character means English. Short inputs that are neither
 * (digits, "OK?", emoji) keep the locale or the conversation's language. Pure functions, no
 * botbuilder types.
 */
import type { Lang } from '../knowledge/types';

export const DEFAULT_LANG: Lang = 'zh-TW';

const HAN = /\p{Script=Han}/u;
const LATIN_WORD = /[A-Za-z]{2,}/g;

/** Maps a BCP 47 locale (zh-TW, zh-Hant, en-US …) to a language Kefu speaks, if any. */
export function langFromLocale(locale: string | undefined): Lang | undefined {
  if (!locale) return undefined;
  const l = locale.trim().toLowerCase();
  if (l.startsWith('en')) return 'en';
  if (l.startsWith('zh')) return 'zh-TW';
  return undefined;
}

/** Emails, links and codes (K-000123, A123456789, TA20261127-00001) say nothing about language. */
const NOT_WORDS = /\S+@\S+|https?:\/\/\S+|\b\S*\d\S*\b/g;

function latinWords(text: string): string[] {
  return text.replace(NOT_WORDS, ' ').match(LATIN_WORD) ?? [];
}

/** The language the text is clearly written in, or undefined when it does not say. */
export function langFromText(text: string | undefined): Lang | undefined {
  if (!text) return undefined;
  if (HAN.test(text)) return 'zh-TW';
  const words = latinWords(text);
  // "OK", "ID" alone do not make a language; a real word or two do.
  const letters = words.join('').length;
  return letters >= 3 ? 'en' : undefined;
}

/**
 * Resolves the answer language for one user turn.
 * Text that is clearly one language wins; then the activity's locale; then what the
 * conversation used last; then zh-TW. A single Latin word ("Paris", "Seoul") in a
 * conversation that has been Chinese so far is an answer, not a switch to English.
 */
export function resolveLang(input: { text?: string; locale?: string; previous?: Lang }): Lang {
  const fromText = langFromText(input.text);
  const singleWord = fromText === 'en' && latinWords(input.text ?? '').length < 2;
  if (fromText && !(singleWord && input.previous === 'zh-TW')) return fromText;
  return langFromLocale(input.locale) ?? input.previous ?? DEFAULT_LANG;
}

/** The BCP 47 locale written on outgoing activities for a language. */
export function localeOf(lang: Lang): string {
  return lang === 'en' ? 'en-US' : 'zh-TW';
}
