/**
 * The travel accident insurance (旅平險) quote engine: `quoteTravel(request, rates)`.
 *
 * Pure domain code: deterministic, no I/O, no clock (today is part of the request), no LLM.
 * An LLM may help fill slots elsewhere; it never computes or states a premium — only this does.
 *
 * Money and rounding (the rule the quote states):
 * - All amounts are integer NT$. Grid premiums in the rate table are already whole NT$.
 * - The one fractional step is the under-15 base premium (below). Each priced item is rounded
 *   half-up to whole NT$ on its own, with exact integer arithmetic (no floating point).
 * - A traveller's premium is the sum of that traveller's rounded items; the total is the sum of
 *   the travellers' premiums. No rounding happens after summing, so lines always add up.
 *
 * Under-15 travellers (保險法107/135; decision documented here): the death benefit is limited to
 * the funeral-expense cap C (NT$690,000 in the sample table), disability stays at the full sum S.
 * The base premium P is split by the table's `deathPremiumShareBp` s (share buying the death
 * benefit): the child pays P × ((1 − s) + s × min(1, C / S)). Medical add-ons are priced on their
 * own amounts, unchanged. The quote line carries `deathBenefitTWD: C` and a notice.
 *
 * Validity: the price holds until the earlier of the departure date and today + quoteValidityDays.
 */
import { KefuError } from '../../app/errors';
import { addDays, ageOn, diffDays, isIsoDate, returnDateFor } from './dates';
import { bandIndex, gridPremium, type RateTable } from './rates';
import { checkTravelRules } from './rules';
import {
  ADD_ONS,
  type AddOnKind,
  type QuoteItem,
  type QuoteLine,
  REGIONS,
  type TravelQuoteRequest,
  type TravelQuoteResult,
} from './types';

export const ROUNDING_RULE =
  'Each priced item is rounded half-up to whole NT$; a traveller’s premium is the sum of their rounded items; the total is the sum of the travellers’ premiums. 每一保障項目保費四捨五入至元，每位被保險人保費為各項目加總，總保費為各被保險人保費加總。';

/**
 * Checks a request's shape and returns a normalised copy: ages derived from birth dates at
 * departure, add-ons asked without an amount given the default amount (the largest offered amount
 * not above the table's default and the add-on's share of the sum).
 * @throws KefuError ERR_TRAVEL_REQUEST_INVALID when a field is malformed (not a rule breach).
 */
export function normalizeQuoteRequest(request: TravelQuoteRequest, rates: RateTable): TravelQuoteRequest {
  const bad = (field: string, why: string): never => {
    throw new KefuError('ERR_TRAVEL_REQUEST_INVALID', `travel quote request: ${field} ${why}`, { field });
  };
  if (!REGIONS.includes(request.region)) bad('region', 'is not a known region');
  if (!isIsoDate(request.today)) bad('today', 'is not a YYYY-MM-DD date');
  if (!isIsoDate(request.departureDate)) bad('departureDate', 'is not a YYYY-MM-DD date');
  if (!Number.isInteger(request.days)) bad('days', 'is not an integer');
  if (!Number.isInteger(request.sumInsuredTWD) || request.sumInsuredTWD <= 0)
    bad('sumInsuredTWD', 'is not a positive integer');
  if (request.policyholderAge !== undefined && !isAge(request.policyholderAge)) bad('policyholderAge', 'is not an age');
  const travellers = request.travellers.map((t, i) => {
    if (t.birthDate !== undefined) {
      if (!isIsoDate(t.birthDate) || diffDays(t.birthDate, request.departureDate) < 0) {
        bad(`travellers[${i}].birthDate`, 'is not a past YYYY-MM-DD date');
      }
      return { ...t, age: ageOn(t.birthDate as string, request.departureDate) };
    }
    if (!isAge(t.age)) bad(`travellers[${i}].age`, 'is not an age');
    return { ...t };
  });
  const addOns: TravelQuoteRequest['addOns'] = {};
  for (const kind of ADD_ONS) {
    if (!(kind in request.addOns)) continue;
    const amount = request.addOns[kind];
    if (amount === undefined) continue;
    if (amount !== null && (!Number.isInteger(amount) || amount <= 0))
      bad(`addOns.${kind}`, 'is not a positive integer');
    addOns[kind] = amount ?? defaultAddOnAmount(rates, kind, request.sumInsuredTWD);
  }
  const out: TravelQuoteRequest = { ...request, travellers, addOns };
  return out;
}

/** The amount used when the user asks for an add-on without an amount. */
export function defaultAddOnAmount(rates: RateTable, kind: AddOnKind, sumInsuredTWD: number): number {
  const spec = rates.addOns[kind];
  const ceiling = Math.min(
    spec.defaultAmountTWD,
    spec.maxRatioOfSum === undefined ? Number.POSITIVE_INFINITY : spec.maxRatioOfSum * sumInsuredTWD,
  );
  const fitting = spec.amountsTWD.filter((a) => a <= ceiling);
  return fitting.length > 0 ? fitting.at(-1)! : spec.amountsTWD[0]!;
}

/**
 * Prices a trip for every traveller, or says which rules stop it.
 * Returns `{ ok: true, quote }` when no blocking rule fired (notices such as the under-15 cap are
 * in `quote.notices`), else `{ ok: false, blocking, notices, request }`.
 * @throws KefuError ERR_TRAVEL_REQUEST_INVALID when the request is malformed.
 */
export function quoteTravel(request: TravelQuoteRequest, rates: RateTable): TravelQuoteResult {
  const req = normalizeQuoteRequest(request, rates);
  const findings = checkTravelRules(req, rates);
  const blocking = findings.filter((f) => f.severity === 'block');
  const notices = findings.filter((f) => f.severity === 'notice');
  const band = bandIndex(rates, req.days);
  if (blocking.length > 0 || band < 0) return { ok: false, blocking, notices, request: req };

  const lines: QuoteLine[] = req.travellers.map((t, i) => {
    const items: QuoteItem[] = [];
    const basePremium = gridPremium(rates.base, req.region, band, req.sumInsuredTWD)!;
    const under15 = t.age < 15;
    if (under15) {
      const capTwd = rates.limits.under15.deathCapTWD;
      const deathBenefit = Math.min(capTwd, req.sumInsuredTWD);
      items.push({
        kind: 'base',
        amountTWD: req.sumInsuredTWD,
        deathBenefitTWD: deathBenefit,
        premiumTWD: under15Premium(
          basePremium,
          req.sumInsuredTWD,
          deathBenefit,
          rates.limits.under15.deathPremiumShareBp,
        ),
      });
    } else {
      items.push({ kind: 'base', amountTWD: req.sumInsuredTWD, premiumTWD: basePremium });
    }
    for (const kind of ADD_ONS) {
      const amount = req.addOns[kind];
      if (amount === undefined || amount === null) continue;
      items.push({ kind, amountTWD: amount, premiumTWD: gridPremium(rates.addOns[kind], req.region, band, amount)! });
    }
    const premiumTWD = items.reduce((s, it) => s + it.premiumTWD, 0);
    return { traveller: i, relation: t.relation, age: t.age, items, premiumTWD, under15DeathCapApplied: under15 };
  });

  const validity = addDays(req.today, rates.quoteValidityDays);
  return {
    ok: true,
    quote: {
      rateTable: { version: rates.version, effectiveFrom: rates.effectiveFrom, sample: rates.sample },
      request: req,
      band: { minDays: rates.bands[band]!.minDays, maxDays: rates.bands[band]!.maxDays },
      returnDate: returnDateFor(req.departureDate, req.days),
      lines,
      totalTWD: lines.reduce((s, l) => s + l.premiumTWD, 0),
      currency: 'TWD',
      notices,
      covered: rates.covered.map((c) => ({ ...c })),
      validUntil: diffDays(validity, req.departureDate) < 0 ? req.departureDate : validity,
      roundingRule: ROUNDING_RULE,
    },
  };
}

/**
 * Base premium for an under-15 insured: P × ((1 − s) + s × D / S), rounded half-up, exact.
 * s in basis points; D = payable death benefit (≤ S).
 */
export function under15Premium(basePremium: number, sumTWD: number, deathBenefitTWD: number, shareBp: number): number {
  const num =
    BigInt(basePremium) * (BigInt(10_000 - shareBp) * BigInt(sumTWD) + BigInt(shareBp) * BigInt(deathBenefitTWD));
  const den = 10_000n * BigInt(sumTWD);
  return Number(roundHalfUp(num, den));
}

/** num / den rounded half-up, for non-negative integers. */
export function roundHalfUp(num: bigint, den: bigint): bigint {
  return (2n * num + den) / (2n * den);
}

function isAge(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 130;
}
