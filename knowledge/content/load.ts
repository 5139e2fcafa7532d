/**
 * Reads the topic folder and the company profile from disk and returns the checked topics.
 *
 * This is the only knowledge module that touches the file system; the retriever receives the
 * loaded topics and never does I/O while answering. A broken file never hides the others: it
 * is reported as a problem and skipped, and every one of the 39 ids without a valid file is
 * reported too, so the content check lists everything an editor must fix in one run.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { KefuError } from '../../app/errors';
import { TOPIC_IDS } from '../topic-ids';
import { type Profile, parseTopicFile } from './parse-topic';
import type { ContentProblem, Topic } from './topic';

/** Default locations, relative to the repository root. */
export const DEFAULT_TOPICS_DIR = path.resolve(__dirname, '..', 'topics');
export const DEFAULT_PROFILE_FILE = path.resolve(__dirname, '..', 'company-profile.yaml');

export interface LoadedContent {
  topics: Topic[];
  problems: ContentProblem[];
  profile: Profile;
}

/**
 * Reads the company profile (flat YAML map of strings).
 * @throws ERR_KNOWLEDGE_INVALID when the file is missing or not a YAML map.
 */
export async function loadProfile(file: string): Promise<Profile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new KefuError('ERR_KNOWLEDGE_INVALID', `company profile not readable: ${file}`, { file }, { cause: err });
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new KefuError(
      'ERR_KNOWLEDGE_INVALID',
      `company profile is not valid YAML: ${file}`,
      { file },
      { cause: err },
    );
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new KefuError('ERR_KNOWLEDGE_INVALID', `company profile must be a map of keys to values: ${file}`, { file });
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
  }
  return Object.freeze(out);
}

/**
 * Loads and checks every `*.md` topic file of `dir`.
 * @throws ERR_KNOWLEDGE_INVALID when the folder or the profile cannot be read.
 */
export async function loadContent(
  dir: string = DEFAULT_TOPICS_DIR,
  profileFile = DEFAULT_PROFILE_FILE,
): Promise<LoadedContent> {
  const profile = await loadProfile(profileFile);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.md')).sort();
  } catch (err) {
    throw new KefuError('ERR_KNOWLEDGE_INVALID', `topic folder not readable: ${dir}`, { dir }, { cause: err });
  }
  const topics: Topic[] = [];
  const problems: ContentProblem[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    const text = await readFile(path.join(dir, name), 'utf8');
    const r = parseTopicFile(name, text, profile);
    problems.push(...r.problems);
    if (r.topic) {
      if (seen.has(r.topic.id)) {
        problems.push({ file: name, topicId: r.topic.id, message: `topic id "${r.topic.id}" appears twice` });
        continue;
      }
      seen.add(r.topic.id);
      topics.push(r.topic);
    }
  }
  for (const id of TOPIC_IDS) {
    if (!seen.has(id) && !names.includes(`${id}.md`)) {
      problems.push({ file: `${id}.md`, topicId: id, message: `topic "${id}" has no file` });
    }
  }
  return { topics, problems, profile };
}
