/**
 * The shape of one loaded knowledge topic, after its file was parsed, checked and its
 * `{{placeholders}}` filled from the company profile. Retrieval and the decision policy see
 * only this shape, never files.
 */
import type { Lang } from '../types';

export const LANGS: readonly Lang[] = ['zh-TW', 'en'];

export interface Topic {
  id: string;
  title: Record<Lang, string>;
  keywords: Record<Lang, string[]>;
  related: string[];
  unverified: boolean;
  sources: string[];
  /** The answer Markdown per language, placeholders filled. */
  answer: Record<Lang, string>;
  /** The answer as written, placeholders left in (indexed, so company values add no noise). */
  template: Record<Lang, string>;
  /** The file it came from (for editors' messages). */
  file: string;
}

/** One thing wrong with the content, phrased for a content editor. */
export interface ContentProblem {
  file: string;
  topicId?: string;
  message: string;
}
