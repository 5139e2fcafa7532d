/**
 * The machine-readable metadata on bot messages: `channelData.kefu` (ARCHITECTURE.md, HTTP
 * surface). Analytics, the console's transcript view and end-to-end tests read it, so its shape
 * is defined once, here, with no botbuilder type, and other folders may import it.
 *
 * - `intent`: a knowledge topic id, or one of the routing intents (`handoff`, `complaint`,
 *   `travel-quote`, `address-change`, `status-inquiry`, `out-of-scope`, `smalltalk`,
 *   `clarify`), or `welcome`, `error`, `rate-limited`, `too-long`, `upload-refused`.
 * - `topic` and `confidence` when a knowledge answer was given.
 * - `quote` when a travel quote was given (normalised request and premium breakdown).
 * - `ticket` when a ticket was opened (at least its number).
 * - `lang` the language of the message; `correlationId` on error apologies.
 */
import type { Lang } from '../knowledge/types';
import type { Json } from '../storage/port';

/** Intents of messages that are not answers from a dialog (the channel's own notices). */
export type NoticeIntent = 'welcome' | 'error' | 'rate-limited' | 'too-long' | 'upload-refused';

export interface KefuMetadata {
  intent: string;
  topic?: string;
  confidence?: number;
  quote?: Json;
  ticket?: Json;
  lang?: Lang;
  correlationId?: string;
}

/** Merges a dialog's partial report into what the turn reported so far (later wins). */
export function mergeKefuMetadata(base: Partial<KefuMetadata>, update: Partial<KefuMetadata>): Partial<KefuMetadata> {
  const out: Partial<KefuMetadata> = { ...base };
  for (const [key, value] of Object.entries(update) as Array<[keyof KefuMetadata, unknown]>) {
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  // A new intent that is not a knowledge answer must not inherit the previous topic.
  if (update.intent !== undefined && update.topic === undefined && update.intent !== base.intent) {
    delete out.topic;
    delete out.confidence;
  }
  return out;
}

/** The `channelData.kefu` value for a message, with a fallback intent when none was reported. */
export function finaliseKefuMetadata(meta: Partial<KefuMetadata>, fallbackIntent: string): KefuMetadata {
  return { ...meta, intent: meta.intent ?? fallbackIntent };
}
