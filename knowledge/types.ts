/**
 * The contract between the bot and the knowledge base: what the bot asks (a user's text in a
 * language) and what the knowledge side decides (answer a topic, offer choices, or route the
 * turn to another intent). No botbuilder type appears here, so the domain stays portable.
 */

/** Languages Kefu answers in. */
export type Lang = 'zh-TW' | 'en';

/** Intents that are not knowledge topics (ARCHITECTURE.md, channelData.kefu.intent). */
export type RoutingIntent =
  | 'handoff'
  | 'complaint'
  | 'travel-quote'
  | 'address-change'
  | 'status-inquiry'
  | 'out-of-scope'
  | 'smalltalk'
  | 'clarify';

export interface TopicRef {
  /** A topic id from shared/domain/knowledge-topics.md, e.g. 'policy-loan'. */
  id: string;
  title: string;
  confidence: number;
}

export type KnowledgeDecision =
  | {
      kind: 'answer';
      topic: TopicRef;
      /** The answer in Markdown, company values already filled in. */
      answer: string;
      lang: Lang;
      /** Related topics the bot may offer as buttons. */
      related: TopicRef[];
      /** Set when an LLM phrased the answer (cited topic ids). */
      llm?: { citedTopicIds: string[] };
    }
  | { kind: 'clarify'; candidates: TopicRef[]; lang: Lang }
  | {
      kind: 'route';
      intent: Exclude<RoutingIntent, 'clarify'>;
      lang: Lang;
      confidence: number;
      /** A ready reply for intents answered on the spot (small talk, out of scope). */
      reply?: string;
    };

export interface KnowledgeQuestion {
  text: string;
  /** The conversation's language; the decision may switch it when the text is clearly another. */
  lang: Lang;
  /** Today in the desk's time zone (YYYY-MM-DD), for reading trip dates; the service fills it in. */
  today?: string;
}

/** What the bot needs from the knowledge side. */
export interface KnowledgeService {
  decide(question: KnowledgeQuestion): Promise<KnowledgeDecision>;
  /** A topic's answer by id (a suggested-action button was pressed). */
  topicAnswer(topicId: string, lang: Lang): KnowledgeDecision | undefined;
}
