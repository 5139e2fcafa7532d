/**
 * Builds the in-memory engine content (topics by id, the retrieval index, the profile) from
 * the files: topics, company profile and synonym table. Everything the hot path needs is
 * computed here, once per (re)load.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { KefuError } from '../../app/errors';
import type { EngineContent } from '../policy/decide';
import { buildSynonymTable, Normalizer } from '../retrieval/normalize';
import { DEFAULT_INDEX_OPTIONS, type IndexOptions, TopicIndex } from '../retrieval/topic-index';
import { DEFAULT_PROFILE_FILE, DEFAULT_TOPICS_DIR, loadContent } from './load';
import type { ContentProblem, Topic } from './topic';

export const DEFAULT_SYNONYMS_FILE = path.resolve(__dirname, '..', 'synonyms.yaml');

export interface ContentPaths {
  dir?: string;
  profileFile?: string;
  synonymsFile?: string;
}

export interface BuiltContent extends EngineContent {
  problems: ContentProblem[];
}

/**
 * Loads everything and builds the index.
 * @throws ERR_KNOWLEDGE_INVALID when the folder, the profile or the synonym file cannot be read.
 */
export async function buildEngineContent(
  paths: ContentPaths = {},
  indexOptions: IndexOptions = DEFAULT_INDEX_OPTIONS,
): Promise<BuiltContent> {
  const loaded = await loadContent(paths.dir ?? DEFAULT_TOPICS_DIR, paths.profileFile ?? DEFAULT_PROFILE_FILE);
  const synonyms = await loadSynonymTable(paths.synonymsFile ?? DEFAULT_SYNONYMS_FILE);
  return engineFromTopics(loaded.topics, loaded.profile, synonyms, indexOptions, loaded.problems);
}

/**
 * Reads and builds the synonym table.
 * @throws ERR_KNOWLEDGE_INVALID when the file cannot be read or parsed.
 */
export async function loadSynonymTable(file: string): Promise<ReturnType<typeof buildSynonymTable>> {
  let synonyms: unknown;
  try {
    synonyms = parseYaml(await readFile(file, 'utf8'));
  } catch (err) {
    throw new KefuError(
      'ERR_KNOWLEDGE_INVALID',
      `synonym table not readable: ${file}`,
      { synonymsFile: file },
      { cause: err },
    );
  }
  return buildSynonymTable(synonyms);
}

export function engineFromTopics(
  topics: readonly Topic[],
  profile: EngineContent['profile'],
  synonyms: ReturnType<typeof buildSynonymTable>,
  indexOptions: IndexOptions = DEFAULT_INDEX_OPTIONS,
  problems: ContentProblem[] = [],
): BuiltContent {
  const normalizer = new Normalizer(synonyms);
  return {
    topics: new Map(topics.map((t) => [t.id, t])),
    index: new TopicIndex(topics, normalizer, indexOptions),
    profile,
    problems,
  };
}
