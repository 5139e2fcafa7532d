/**
 * The knowledge facade: what the rest of Kefu imports from `knowledge/`.
 * `createKnowledgeService` is the entry point; the other exports serve the bot (the feedback
 * rule), the composition root (the LLM port) and tools (eval, kb:explain, benchmarks).
 */
export { TOPIC_IDS, isTopicId, type TopicId, ROUTING_LABELS } from './topic-ids';
export {
  createKnowledgeService,
  type KnowledgeServiceHandle,
  type KnowledgeServiceOptions,
  type ReloadReport,
} from './service';
export { nextFeedbackState, UNHELPFUL_LIMIT, type FeedbackEvent, type FeedbackState } from './policy/feedback';
export { decisionLabel, DEFAULT_THRESHOLDS, type Thresholds, type Evidence } from './policy/decide';
export type { LlmPort, LlmMessage } from './llm/port';
export type { Topic, ContentProblem } from './content/topic';
export type * from './types';
