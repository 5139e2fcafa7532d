/**
 * The family of the travel Done-when (two parents aged 40 and a 9-year-old to Seoul,
 * 12/24 → 1/3, asked on 2026-11-27) as a quote and as a complete, valid application, shared by
 * the travel tests.
 */
import { quoteTravel } from '../../../knowledge/travel/quote';
import { loadRateTableFile } from '../../../knowledge/travel/rates';
import type { AddOnKind, TravelQuote } from '../../../knowledge/travel/types';

export const FAMILY_TODAY = '2026-11-27';

/** The family's quote on the sample rates, optionally with add-ons. */
export function familyQuote(addOns: Partial<Record<AddOnKind, number | null>> = {}): TravelQuote {
  const r = quoteTravel(
    {
      region: 'asia',
      destination: '首爾',
      departureDate: '2026-12-24',
      days: 11,
      travellers: [
        { relation: 'self', age: 40 },
        { relation: 'spouse', age: 40 },
        { relation: 'child', age: 9 },
      ],
      sumInsuredTWD: 5_000_000,
      addOns,
      today: FAMILY_TODAY,
    },
    loadRateTableFile(),
  );
  if (!r.ok) throw new Error('expected a quote');
  return r.quote;
}

/** A complete application for `familyQuote()` (birth dates typed the ways people type them). */
export const FAMILY_APPLICATION = {
  travellers: [
    { name: '王美玲', nationalId: 'B223456782', birthDate: '1986-02-14' },
    { name: '陳志明', nationalId: 'F131104093', birthDate: '民國75年5月3日' },
    { name: '陳小安', nationalId: 'A800000014', birthDate: '2017/06/01' },
  ],
  policyholder: { name: '王美玲', nationalId: 'B223456782', birthDate: '1986-02-14', travellerIndex: 0 },
  email: 'meiling.wang@example.com.tw',
  consents: { terms: true, personalData: true },
};
