/**
 * "Two unhelpful answers in a row → offer a human." The bot keeps the count in its own
 * conversation state; this pure helper says what the next count is and whether to offer a
 * person now, so the rule lives in the knowledge domain and is tested once.
 */

/** How many unhelpful answers in a row trigger the offer of a human. */
export const UNHELPFUL_LIMIT = 2;

export type FeedbackEvent = 'helpful' | 'unhelpful' | 'clarify' | 'out-of-scope' | 'answered' | 'handoff';

export interface FeedbackState {
  unhelpfulInARow: number;
}

/**
 * Folds one event into the count. `unhelpful` (the customer pressed "not helpful") and
 * `out-of-scope` (we could not help) count; a helpful answer or a handoff resets; a new
 * answer or a clarify question keeps the count (an answer is judged only when rated).
 * @returns the next state and `offerHuman` true when the limit is reached (count then resets).
 */
export function nextFeedbackState(
  state: FeedbackState | undefined,
  event: FeedbackEvent,
): { state: FeedbackState; offerHuman: boolean } {
  const current = state?.unhelpfulInARow ?? 0;
  if (event === 'helpful' || event === 'handoff') return { state: { unhelpfulInARow: 0 }, offerHuman: false };
  if (event === 'answered' || event === 'clarify') return { state: { unhelpfulInARow: current }, offerHuman: false };
  const next = current + 1;
  if (next >= UNHELPFUL_LIMIT) return { state: { unhelpfulInARow: 0 }, offerHuman: true };
  return { state: { unhelpfulInARow: next }, offerHuman: false };
}
