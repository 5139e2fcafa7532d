/**
 * Travel accident insurance (旅平險) — the one import the bot and other callers use.
 *
 * Pure domain: parsing free text into slots, the rate table (data, validated), the rules, the
 * quote engine, the Adaptive Card view and the application model. No transport, no clock: the
 * caller passes today (Asia/Taipei, `taipeiToday(clock.now())`) and the loaded rate table.
 */
export * from './types';
export { taipeiToday, inclusiveDays, returnDateFor, ageOn } from './dates';
export { findPlaces } from './places';
export {
  parseTravelRequest,
  applyCorrection,
  applyAnswer,
  missingSlots,
  toQuoteRequest,
  looksLikeTravelQuoteRequest,
} from './parse';
export { parseRateTable, loadRateTableFile, SAMPLE_RATES_PATH, RATE_TABLE_FORMAT, type RateTable } from './rates';
export { checkTravelRules, formatTwd, addOnName, policyholderAgeOf } from './rules';
export { quoteTravel, normalizeQuoteRequest, defaultAddOnAmount, ROUNDING_RULE } from './quote';
export { buildQuoteCard, ADAPTIVE_CARD_CONTENT_TYPE, QUOTE_CARD_ACTIONS, RELATION_LABELS } from './quote-card';
export * from './application';
