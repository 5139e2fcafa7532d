/**
 * The vocabulary of travel accident insurance (旅平險) quoting: what the parser extracts from
 * free text (slots), what the quote engine takes (a complete request), and what it gives back
 * (a quote with per-traveller lines, or the rule findings that stop it).
 *
 * Everything here is plain JSON-serialisable data, so a quote can go into
 * `channelData.kefu.quote` and a dialog's state unchanged. Dates are ISO calendar dates
 * (`YYYY-MM-DD`) in Asia/Taipei; money is integer NT$.
 */

/** Languages Kefu answers in (same as knowledge/types.ts). */
export type Lang = 'zh-TW' | 'en';

/** A text in both languages. */
export interface Bilingual {
  'zh-TW': string;
  en: string;
}

/** Destination regions the rate table prices (shared/domain Appendix A). */
export const REGIONS = ['asia', 'europe', 'americas', 'oceania', 'domestic', 'other'] as const;
export type Region = (typeof REGIONS)[number];

/** Add-ons a life insurer sells with 旅平險. */
export const ADD_ONS = ['accidentMedical', 'overseasIllness'] as const;
/** accidentMedical = 傷害醫療 (reimbursement); overseasIllness = 海外突發疾病. */
export type AddOnKind = (typeof ADD_ONS)[number];

/** Who a traveller is to the person writing (used for labels and for the policyholder guess). */
export type Relation =
  | 'self'
  | 'spouse'
  | 'child'
  | 'father'
  | 'mother'
  | 'parent'
  | 'grandparent'
  | 'sibling'
  | 'friend'
  | 'adult'
  | 'other';

/** One traveller as understood from text: the age may still be unknown. */
export interface TravellerSlot {
  relation: Relation;
  /** Age in full years, or null when not stated. */
  age: number | null;
  /** Birth date when the user gave one (YYYY-MM-DD); the age is then derived at departure. */
  birthDate?: string;
}

/** An add-on as understood: `false` = explicitly not wanted; amountTWD null = wanted, amount not stated. */
export type AddOnSlot = { amountTWD: number | null } | false;

/** What the parser has understood so far. Every field is optional until the user says it. */
export interface TravelSlots {
  /** The place as the user named it (東京, Seoul, 歐洲). */
  destination?: string;
  region?: Region;
  departureDate?: string;
  returnDate?: string;
  /** Trip length in days, departure and return day both counted. */
  days?: number;
  travellers?: TravellerSlot[];
  /** Death/disability sum insured (保額) in NT$. */
  sumInsuredTWD?: number;
  addOns?: Partial<Record<AddOnKind, AddOnSlot>>;
  /** A relative date the parser could not pin to a day (下個月中), kept as written. */
  unresolvedDate?: string;
  /** The user says they have already left Taiwan (我已經在日本了). */
  alreadyAbroad?: boolean;
}

export type SlotName = 'region' | 'departureDate' | 'days' | 'travellers' | 'ages' | 'sumInsuredTWD';

export interface ParseResult {
  slots: TravelSlots;
  /** Slot names this text changed (for a correction, or for a first message: all it filled). */
  changed: (keyof TravelSlots)[];
  /** Pieces of the text that looked meaningful but were not understood (e.g. an unknown place). */
  unknown?: string[];
}

export interface ParseContext {
  /** The conversation's date in Asia/Taipei, YYYY-MM-DD. */
  today: string;
  lang?: Lang;
}

/** A complete request the quote engine accepts. */
export interface TravelQuoteRequest {
  region: Region;
  /** The place as named, for display only. */
  destination?: string;
  departureDate: string;
  days: number;
  travellers: QuoteTraveller[];
  sumInsuredTWD: number;
  /** Add-on amounts in NT$; null = wanted with the rate table's default amount. Absent = not wanted. */
  addOns: Partial<Record<AddOnKind, number | null>>;
  /** The policyholder's age (要保人); when absent the writer ("self" traveller) is taken to be the policyholder. */
  policyholderAge?: number;
  /** Today in Asia/Taipei, YYYY-MM-DD (the engine has no clock). */
  today: string;
  alreadyAbroad?: boolean;
}

export interface QuoteTraveller {
  relation: Relation;
  age: number;
  birthDate?: string;
}

export type FindingSeverity = 'block' | 'notice';

/** The outcome of one rule: a stable code, whether it stops the quote, and what to tell the user. */
export interface RuleFinding {
  code: TravelRuleCode;
  severity: FindingSeverity;
  message: Bilingual;
  /** Index into request.travellers when the finding is about one traveller. */
  traveller?: number;
  /** Values the message refers to (limits, the offending value) for the dialog to use. */
  data?: Record<string, string | number | boolean | null>;
}

export type TravelRuleCode =
  | 'TRAVEL_DAYS_INVALID'
  | 'TRAVEL_DAYS_OVER_MAX'
  | 'TRAVEL_DEPARTURE_PAST'
  | 'TRAVEL_DEPARTURE_TODAY'
  | 'TRAVEL_DEPARTURE_TOO_FAR'
  | 'TRAVEL_ALREADY_ABROAD'
  | 'TRAVEL_NO_TRAVELLERS'
  | 'TRAVEL_TOO_MANY_TRAVELLERS'
  | 'TRAVEL_AGE_BELOW_MIN'
  | 'TRAVEL_AGE_OVER_MAX'
  | 'TRAVEL_SUM_NOT_OFFERED'
  | 'TRAVEL_SUM_OVER_AGE_CAP'
  | 'TRAVEL_UNDER15_DEATH_CAP'
  | 'TRAVEL_POLICYHOLDER_MINOR'
  | 'TRAVEL_ADDON_NOT_AVAILABLE'
  | 'TRAVEL_ADDON_AMOUNT_NOT_OFFERED'
  | 'TRAVEL_ADDON_OVER_RATIO';

/** One priced item on a traveller's line. */
export interface QuoteItem {
  kind: 'base' | AddOnKind;
  /** The benefit amount priced, NT$. For the base cover this is the sum insured. */
  amountTWD: number;
  /** For an under-15 traveller: the death benefit actually payable (funeral-expense cap). */
  deathBenefitTWD?: number;
  premiumTWD: number;
}

export interface QuoteLine {
  traveller: number;
  relation: Relation;
  age: number;
  items: QuoteItem[];
  /** Sum of the items' rounded premiums. */
  premiumTWD: number;
  under15DeathCapApplied: boolean;
}

/** A priced quote. JSON-serialisable: this is what goes into channelData.kefu.quote. */
export interface TravelQuote {
  rateTable: { version: string; effectiveFrom: string; sample: boolean };
  request: TravelQuoteRequest;
  /** Band the trip length fell in, e.g. { minDays: 8, maxDays: 10 }. */
  band: { minDays: number; maxDays: number };
  returnDate: string;
  lines: QuoteLine[];
  totalTWD: number;
  currency: 'TWD';
  /** Non-blocking findings the user must see (e.g. the under-15 death-benefit cap). */
  notices: RuleFinding[];
  covered: Bilingual[];
  /** Last day (inclusive) the price holds: the earlier of departure and today + validity days. */
  validUntil: string;
  roundingRule: string;
}

export type TravelQuoteResult =
  | { ok: true; quote: TravelQuote }
  | { ok: false; blocking: RuleFinding[]; notices: RuleFinding[]; request: TravelQuoteRequest };
