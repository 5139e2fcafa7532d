/**
 * The travel accident insurance (旅平險) rate table: its format, its validation, and loading it.
 *
 * Why data, not code: premiums, bands, age limits and caps are the insurer's to file and change.
 * The insurer replaces `rates.sample.json` (or points the loader at another file); no code changes.
 *
 * Format (`format: "kefu.travel-rates/1"`, JSON):
 * - `version`, `effectiveFrom` (YYYY-MM-DD), `sample` (true for the shipped SAMPLE VALUES; a
 *   sample table must say "SAMPLE" in its `note`), `currency: "TWD"`, `product`.
 * - `bands`: trip-length bands in days, contiguous from day 1 (1–3, 4–7, …).
 * - `base`: the death/disability cover. `amountsTWD` lists the sums insured on offer (ascending);
 *   `premiumsTWD[region][band][amountIndex]` is the premium in whole NT$ for one insured. Every
 *   region must be priced for the base cover.
 * - `addOns.accidentMedical` (傷害醫療) and `addOns.overseasIllness` (海外突發疾病): the same grid,
 *   plus a label, a default amount and optionally `maxRatioOfSum` (the add-on amount may not
 *   exceed that share of the base sum). A region missing from an add-on's grid does not offer it.
 * - `limits`: maximum days (overseas/domestic), insured age range, policyholder minimum age,
 *   maximum travellers per quote, how far ahead departure may be, age-based caps on the sum, and
 *   the under-15 death-benefit cap (保險法107: NT$690,000 today) with the share of the base
 *   premium that buys the death benefit.
 * - `quoteValidityDays`, `covered` (what to list as covered on the quote).
 *
 * Guarantees: `parseRateTable` accepts only a table the engine can price without surprises —
 * grids of the right shape, integer non-negative premiums, and premiums that never decrease
 * with a longer band or a higher amount (so a longer trip or a higher sum never costs less).
 * Anything else is refused with ERR_TRAVEL_RATES_INVALID listing every problem found.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { KefuError } from '../../app/errors';
import { isIsoDate } from './dates';
import { ADD_ONS, type AddOnKind, REGIONS, type Region } from './types';

/** The sample table shipped with the code (SAMPLE VALUES). */
export const SAMPLE_RATES_PATH = join(__dirname, 'rates.sample.json');
export const RATE_TABLE_FORMAT = 'kefu.travel-rates/1';

const bilingual = z.object({ 'zh-TW': z.string().min(1), en: z.string().min(1) });
const isoDate = z.string().refine(isDateString, 'must be a calendar date YYYY-MM-DD');
const money = z.number().int().nonnegative();
const positiveMoney = z.number().int().positive();
const regionGrid = z.array(z.array(money));

const grid = {
  amountsTWD: z.array(positiveMoney).min(1),
  premiumsTWD: z.partialRecord(z.enum(REGIONS), regionGrid),
};

const addOnSchema = z.object({
  label: bilingual,
  ...grid,
  defaultAmountTWD: positiveMoney,
  maxRatioOfSum: z.number().positive().max(1).optional(),
});

const rateTableSchema = z
  .object({
    format: z.literal(RATE_TABLE_FORMAT),
    version: z.string().min(1),
    effectiveFrom: isoDate,
    sample: z.boolean(),
    note: z.string(),
    currency: z.literal('TWD'),
    product: z.object({ code: z.string().min(1), name: bilingual }),
    bands: z.array(z.object({ minDays: z.number().int().positive(), maxDays: z.number().int().positive() })).min(1),
    base: z.object(grid),
    addOns: z.object({ accidentMedical: addOnSchema, overseasIllness: addOnSchema }),
    limits: z.object({
      maxDays: z.object({ overseas: z.number().int().positive(), domestic: z.number().int().positive() }),
      insuredAge: z.object({ min: z.number().int().nonnegative(), max: z.number().int().positive() }),
      policyholderMinAge: z.number().int().positive(),
      maxTravellers: z.number().int().positive(),
      maxAdvanceDays: z.number().int().positive(),
      ageSumCaps: z.array(
        z.object({ minAge: z.number().int().nonnegative(), maxAge: z.number().int(), maxSumTWD: positiveMoney }),
      ),
      under15: z.object({
        deathCapTWD: positiveMoney,
        /** Share of the base premium that buys the death benefit, in basis points (5000 = 50%). */
        deathPremiumShareBp: z.number().int().min(0).max(10_000),
      }),
    }),
    quoteValidityDays: z.number().int().positive(),
    /** Sum insured used for a first quote when the user has not named one (must be offered). */
    defaultSumInsuredTWD: positiveMoney,
    covered: z.array(bilingual).min(1),
  })
  .superRefine((t, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (t.sample && !/SAMPLE/.test(t.note)) issue(['note'], 'a sample table must say "SAMPLE VALUES" in its note');
    // Bands: contiguous from day 1, and long enough for the longest allowed trip.
    let next = 1;
    t.bands.forEach((b, i) => {
      if (b.minDays !== next) issue(['bands', i, 'minDays'], `expected ${next} (bands must be contiguous from day 1)`);
      if (b.maxDays < b.minDays) issue(['bands', i, 'maxDays'], 'maxDays is below minDays');
      next = b.maxDays + 1;
    });
    const longest = Math.max(t.limits.maxDays.overseas, t.limits.maxDays.domestic);
    if (next - 1 < longest)
      issue(['bands'], `bands end at day ${next - 1} but trips of up to ${longest} days are allowed`);
    if (t.limits.insuredAge.max < t.limits.insuredAge.min) issue(['limits', 'insuredAge'], 'max is below min');
    t.limits.ageSumCaps.forEach((c, i) => {
      if (c.maxAge < c.minAge) issue(['limits', 'ageSumCaps', i], 'maxAge is below minAge');
    });
    checkGrid(t.base, t.bands.length, ['base'], issue, REGIONS);
    if (!t.base.amountsTWD.includes(t.defaultSumInsuredTWD))
      issue(['defaultSumInsuredTWD'], 'must be one of base.amountsTWD');
    for (const kind of ADD_ONS) {
      const a = t.addOns[kind];
      checkGrid(a, t.bands.length, ['addOns', kind], issue, []);
      if (!a.amountsTWD.includes(a.defaultAmountTWD)) {
        issue(['addOns', kind, 'defaultAmountTWD'], 'the default amount must be one of amountsTWD');
      }
    }
  });

export type RateTable = z.infer<typeof rateTableSchema>;
export type PriceGrid = RateTable['base'];

function isDateString(s: string): boolean {
  return isIsoDate(s);
}

function checkGrid(
  g: PriceGrid,
  bandCount: number,
  path: (string | number)[],
  issue: (path: (string | number)[], message: string) => void,
  requiredRegions: readonly Region[],
): void {
  g.amountsTWD.forEach((a, i) => {
    if (i > 0 && a <= g.amountsTWD[i - 1]!) issue([...path, 'amountsTWD', i], 'amounts must be strictly ascending');
  });
  for (const r of requiredRegions) {
    if (!g.premiumsTWD[r]) issue([...path, 'premiumsTWD', r], `region ${r} must be priced`);
  }
  for (const [region, rows] of Object.entries(g.premiumsTWD)) {
    if (!rows) continue;
    const p = [...path, 'premiumsTWD', region];
    if (rows.length !== bandCount) {
      issue(p, `has ${rows.length} band rows, expected ${bandCount} (one per band)`);
      continue;
    }
    rows.forEach((row, b) => {
      if (row.length !== g.amountsTWD.length) {
        issue([...p, b], `has ${row.length} premiums, expected ${g.amountsTWD.length} (one per amount)`);
        return;
      }
      row.forEach((v, a) => {
        if (a > 0 && v < row[a - 1]!) issue([...p, b, a], 'premium decreases with a higher amount');
        const prev = rows[b - 1]?.[a];
        if (prev !== undefined && v < prev) issue([...p, b, a], 'premium decreases with a longer band');
      });
    });
  }
}

/**
 * Validates a parsed rate table (e.g. `JSON.parse` of the file).
 * @throws KefuError ERR_TRAVEL_RATES_INVALID listing every problem with its path.
 */
export function parseRateTable(data: unknown, source = 'rate table'): RateTable {
  const r = rateTableSchema.safeParse(data);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  throw new KefuError('ERR_TRAVEL_RATES_INVALID', `${source} is invalid: ${problems.join('; ')}`, { source, problems });
}

/**
 * Reads and validates a rate-table JSON file (the sample one by default).
 * @throws KefuError ERR_TRAVEL_RATES_INVALID when the file is unreadable, not JSON, or invalid.
 */
export function loadRateTableFile(path: string = SAMPLE_RATES_PATH): RateTable {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new KefuError(
      'ERR_TRAVEL_RATES_INVALID',
      `cannot read rate table ${path}: ${(err as Error).message}`,
      { source: path },
      { cause: err },
    );
  }
  return parseRateTable(data, path);
}

/** Index of the band a trip of `days` days falls in, or -1 when no band holds it. */
export function bandIndex(rates: RateTable, days: number): number {
  return rates.bands.findIndex((b) => days >= b.minDays && days <= b.maxDays);
}

/** Premium from a grid, or undefined when the region, band or amount is not offered. */
export function gridPremium(g: PriceGrid, region: Region, band: number, amountTWD: number): number | undefined {
  const a = g.amountsTWD.indexOf(amountTWD);
  if (a < 0) return undefined;
  return g.premiumsTWD[region]?.[band]?.[a];
}

/** True when the add-on is sold for trips to `region`. */
export function addOnOffered(rates: RateTable, kind: AddOnKind, region: Region): boolean {
  return rates.addOns[kind].premiumsTWD[region] !== undefined;
}
