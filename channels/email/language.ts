/**
 * Guesses whether a customer wrote in Chinese or English, to answer in the same language.
 * Han characters weigh more than Latin letters (one Han character carries about a word), so
 * a Chinese mail with an English signature or policy code stays zh-TW. Pure.
 */
import type { Lang } from '../../knowledge/types';

export function detectLanguage(text: string): Lang {
  const sample = text.slice(0, 4000);
  const han = sample.match(/\p{Script=Han}/gu)?.length ?? 0;
  const latinWords = sample.match(/[A-Za-z]{2,}/g)?.length ?? 0;
  if (han === 0 && latinWords === 0) return 'zh-TW';
  return han * 2 >= latinWords ? 'zh-TW' : 'en';
}
