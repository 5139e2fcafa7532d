import { expect } from 'chai';
import fc from 'fast-check';
import { isKefuError } from '../../../app/errors';
import { parseTravelRequest, toQuoteRequest } from '../../../knowledge/travel/parse';
import { quoteTravel, roundHalfUp, under15Premium } from '../../../knowledge/travel/quote';
import { loadRateTableFile, parseRateTable, type RateTable } from '../../../knowledge/travel/rates';
import { REGIONS, type TravelQuoteRequest, type TravelRuleCode } from '../../../knowledge/travel/types';

const RATES = loadRateTableFile();
const TODAY = '2026-11-27';

function req(over: Partial<TravelQuoteRequest> = {}): TravelQuoteRequest {
  return {
    region: 'asia',
    departureDate: '2026-12-04',
    days: 5,
    travellers: [{ relation: 'self', age: 40 }],
    sumInsuredTWD: 5_000_000,
    addOns: {},
    today: TODAY,
    ...over,
  };
}

function codes(r: ReturnType<typeof quoteTravel>): TravelRuleCode[] {
  return r.ok ? r.quote.notices.map((n) => n.code) : [...r.blocking, ...r.notices].map((f) => f.code);
}

describe('quoteTravel: the Done-when family trip', () => {
  it('「12/24到1/3 全家去首爾，我跟老公都40，女兒9歲」 → 3 travellers, 11 days, the under-15 cap shown, a total', () => {
    const slots = parseTravelRequest('12/24到1/3 全家去首爾，我跟老公都40，女兒9歲', { today: TODAY }).slots;
    const r = toQuoteRequest(slots, { today: TODAY, defaultSumInsuredTWD: RATES.defaultSumInsuredTWD });
    expect(r.ok).to.equal(true);
    if (!r.ok) return;
    const q = quoteTravel(r.request, RATES);
    expect(q.ok).to.equal(true);
    if (!q.ok) return;
    expect(q.quote.request.region).to.equal('asia');
    expect(q.quote.request.days).to.equal(11);
    expect(q.quote.returnDate).to.equal('2027-01-03');
    expect(q.quote.lines.map((l) => l.age)).to.deep.equal([40, 40, 9]);
    // Sample table, asia, band 11–15, NT$5M: 375 per adult; the child pays
    // 375 × (50% + 50% × 690,000 / 5,000,000) = 213.375 → 213.
    expect(q.quote.lines.map((l) => l.premiumTWD)).to.deep.equal([375, 375, 213]);
    expect(q.quote.totalTWD).to.equal(963);
    expect(q.quote.lines[2]!.under15DeathCapApplied).to.equal(true);
    expect(q.quote.lines[2]!.items[0]!.deathBenefitTWD).to.equal(690_000);
    expect(q.quote.notices.map((n) => [n.code, n.traveller])).to.deep.equal([['TRAVEL_UNDER15_DEATH_CAP', 2]]);
    expect(q.quote.notices[0]!.message['zh-TW']).to.contain('69萬元');
    expect(q.quote.validUntil).to.equal('2026-12-04');
    expect(JSON.parse(JSON.stringify(q.quote)), 'JSON-serialisable for channelData.kefu.quote').to.deep.equal(q.quote);
  });
});

describe('quoteTravel: every band boundary', () => {
  // [days, band index] at both ends of every band; the premium is the table's cell.
  const edges: [number, number][] = [
    [1, 0],
    [3, 0],
    [4, 1],
    [7, 1],
    [8, 2],
    [10, 2],
    [11, 3],
    [15, 3],
    [16, 4],
    [20, 4],
    [21, 5],
    [30, 5],
    [31, 6],
    [60, 6],
    [61, 7],
    [90, 7],
    [91, 8],
    [180, 8],
  ];
  for (const [days, band] of edges) {
    it(`a ${days}-day trip to Europe is priced in band ${RATES.bands[band]!.minDays}–${RATES.bands[band]!.maxDays}`, () => {
      const r = quoteTravel(req({ region: 'europe', days, sumInsuredTWD: 3_000_000 }), RATES);
      expect(r.ok).to.equal(true);
      if (!r.ok) return;
      expect(r.quote.band).to.deep.equal(RATES.bands[band]);
      expect(r.quote.totalTWD).to.equal(RATES.base.premiumsTWD.europe![band]![2]);
    });
  }

  it('known sample prices: Asia 1–3 days NT$1M = 30, NT$10M = 300; domestic 21–30 days NT$5M = 385', () => {
    const price = (o: Partial<TravelQuoteRequest>) => {
      const r = quoteTravel(req(o), RATES);
      return r.ok ? r.quote.totalTWD : undefined;
    };
    expect(price({ days: 1, sumInsuredTWD: 1_000_000 })).to.equal(30);
    expect(price({ days: 3, sumInsuredTWD: 10_000_000 })).to.equal(300);
    expect(price({ region: 'domestic', days: 30 })).to.equal(385);
  });
});

describe('quoteTravel: rules, each with a code and a message in both languages', () => {
  const cases: [string, Partial<TravelQuoteRequest>, TravelRuleCode, 'block' | 'notice'][] = [
    ['a 181-day overseas trip', { days: 181 }, 'TRAVEL_DAYS_OVER_MAX', 'block'],
    ['a 200-day trip', { days: 200 }, 'TRAVEL_DAYS_OVER_MAX', 'block'],
    ['a 31-day domestic trip', { region: 'domestic', days: 31 }, 'TRAVEL_DAYS_OVER_MAX', 'block'],
    ['a 0-day trip', { days: 0 }, 'TRAVEL_DAYS_INVALID', 'block'],
    ['a departure yesterday', { departureDate: '2026-11-26' }, 'TRAVEL_DEPARTURE_PAST', 'block'],
    ['a departure today', { departureDate: TODAY }, 'TRAVEL_DEPARTURE_TODAY', 'notice'],
    ['a departure 181 days ahead', { departureDate: '2027-05-27' }, 'TRAVEL_DEPARTURE_TOO_FAR', 'block'],
    ['a user already abroad', { alreadyAbroad: true }, 'TRAVEL_ALREADY_ABROAD', 'block'],
    ['no travellers', { travellers: [] }, 'TRAVEL_NO_TRAVELLERS', 'block'],
    [
      '11 travellers',
      { travellers: Array.from({ length: 11 }, () => ({ relation: 'adult' as const, age: 30 })) },
      'TRAVEL_TOO_MANY_TRAVELLERS',
      'block',
    ],
    ['an 81-year-old', { travellers: [{ relation: 'self', age: 81 }] }, 'TRAVEL_AGE_OVER_MAX', 'block'],
    [
      'a 75-year-old at NT$6M',
      { travellers: [{ relation: 'self', age: 75 }], sumInsuredTWD: 6_000_000 },
      'TRAVEL_SUM_OVER_AGE_CAP',
      'block',
    ],
    ['a sum of NT$3.5M', { sumInsuredTWD: 3_500_000 }, 'TRAVEL_SUM_NOT_OFFERED', 'block'],
    [
      'a 9-year-old',
      {
        travellers: [
          { relation: 'self', age: 40 },
          { relation: 'child', age: 9 },
        ],
      },
      'TRAVEL_UNDER15_DEATH_CAP',
      'notice',
    ],
    [
      'a 16-year-old travelling alone',
      { travellers: [{ relation: 'self', age: 16 }] },
      'TRAVEL_POLICYHOLDER_MINOR',
      'block',
    ],
    ['a 17-year-old policyholder', { policyholderAge: 17 }, 'TRAVEL_POLICYHOLDER_MINOR', 'block'],
    [
      'overseas illness on a domestic trip',
      { region: 'domestic', addOns: { overseasIllness: 300_000 } },
      'TRAVEL_ADDON_NOT_AVAILABLE',
      'block',
    ],
    [
      'accident medical of NT$250,000',
      { addOns: { accidentMedical: 250_000 } },
      'TRAVEL_ADDON_AMOUNT_NOT_OFFERED',
      'block',
    ],
    [
      'accident medical above 10% of the sum',
      { sumInsuredTWD: 2_000_000, addOns: { accidentMedical: 300_000 } },
      'TRAVEL_ADDON_OVER_RATIO',
      'block',
    ],
  ];
  for (const [what, over, code, severity] of cases) {
    it(`${what} → ${code} (${severity})`, () => {
      const r = quoteTravel(req(over), RATES);
      expect(codes(r)).to.include(code);
      const f = r.ok
        ? r.quote.notices.find((n) => n.code === code)
        : [...r.blocking, ...r.notices].find((n) => n.code === code);
      expect(f!.severity).to.equal(severity);
      expect(f!.message['zh-TW']).to.match(/\p{Script=Han}/u);
      expect(f!.message.en).to.match(/[a-z]/);
      expect(r.ok).to.equal(severity === 'notice');
    });
  }

  it('the edges of every limit pass: 180 days overseas, 30 domestic, age 80, 70 at NT$10M, 71 at NT$5M, policyholder 18, departure in 180 days', () => {
    const ok: Partial<TravelQuoteRequest>[] = [
      { days: 180 },
      { region: 'domestic', days: 30 },
      { travellers: [{ relation: 'self', age: 80 }], sumInsuredTWD: 5_000_000 },
      { travellers: [{ relation: 'self', age: 70 }], sumInsuredTWD: 10_000_000 },
      { travellers: [{ relation: 'self', age: 71 }], sumInsuredTWD: 5_000_000 },
      { travellers: [{ relation: 'self', age: 18 }] },
      { departureDate: '2027-05-26' },
      { travellers: [{ relation: 'child', age: 0 }], policyholderAge: 30 },
      { sumInsuredTWD: 2_000_000, addOns: { accidentMedical: 200_000 } },
    ];
    for (const o of ok) {
      const r = quoteTravel(req(o), RATES);
      expect(r.ok, JSON.stringify(o) + JSON.stringify(codes(r))).to.equal(true);
    }
  });

  it('reads the age from a birth date on the departure day', () => {
    // Departure 2026-12-04: born 1945-12-04 is 81 that day; born 1945-12-05 is still 80.
    const at = (birthDate: string) =>
      quoteTravel(req({ travellers: [{ relation: 'self', age: 0, birthDate }], sumInsuredTWD: 5_000_000 }), RATES);
    expect(codes(at('1945-12-04'))).to.include('TRAVEL_AGE_OVER_MAX');
    const ok = at('1945-12-05');
    expect(ok.ok && ok.quote.lines[0]!.age).to.equal(80);
  });

  it('refuses a malformed request with ERR_TRAVEL_REQUEST_INVALID', () => {
    const bad: Partial<TravelQuoteRequest>[] = [
      { days: 2.5 },
      { departureDate: '2026-13-01' },
      { region: 'mars' as never },
      { travellers: [{ relation: 'self', age: -1 }] },
      { sumInsuredTWD: 0 },
    ];
    for (const o of bad) {
      expect(() => quoteTravel(req(o), RATES), JSON.stringify(o))
        .to.throw()
        .that.satisfies((e: unknown) => isKefuError(e, 'ERR_TRAVEL_REQUEST_INVALID'));
    }
  });
});

describe('quoteTravel: add-ons and money', () => {
  it('prices add-ons on their own amounts, also for a child, and lines add up to the total', () => {
    const r = quoteTravel(
      req({
        travellers: [
          { relation: 'self', age: 40 },
          { relation: 'child', age: 6 },
        ],
        addOns: { accidentMedical: 500_000, overseasIllness: 1_000_000 },
      }),
      RATES,
    );
    expect(r.ok).to.equal(true);
    if (!r.ok) return;
    const band = 1; // 5 days
    const med = RATES.addOns.accidentMedical.premiumsTWD.asia![band]![3]!;
    const ill = RATES.addOns.overseasIllness.premiumsTWD.asia![band]![4]!;
    for (const line of r.quote.lines) {
      expect(line.items.map((i) => i.kind)).to.deep.equal(['base', 'accidentMedical', 'overseasIllness']);
      expect(line.items[1]!.premiumTWD).to.equal(med);
      expect(line.items[2]!.premiumTWD).to.equal(ill);
      expect(line.premiumTWD).to.equal(line.items.reduce((s, i) => s + i.premiumTWD, 0));
    }
    expect(r.quote.totalTWD).to.equal(r.quote.lines.reduce((s, l) => s + l.premiumTWD, 0));
  });

  it('an add-on asked without an amount gets the default, lowered to fit 10% of the sum', () => {
    const r1 = quoteTravel(req({ addOns: { accidentMedical: null } }), RATES);
    expect(r1.ok && r1.quote.request.addOns.accidentMedical).to.equal(300_000);
    const r2 = quoteTravel(req({ sumInsuredTWD: 2_000_000, addOns: { accidentMedical: null } }), RATES);
    expect(r2.ok && r2.quote.request.addOns.accidentMedical).to.equal(200_000);
  });

  it('rounds half-up exactly, in integers', () => {
    expect(roundHalfUp(169n, 2n)).to.equal(85n); // 84.5 → 85
    expect(roundHalfUp(1689n, 20n)).to.equal(84n); // 84.45 → 84
    // 100 × (50% + 50% × 690,000 / 1,000,000) = 84.5 → 85
    expect(under15Premium(100, 1_000_000, 690_000, 5000)).to.equal(85);
    expect(under15Premium(100, 1_000_000, 690_000, 0)).to.equal(100);
    expect(under15Premium(100, 1_000_000, 690_000, 10_000)).to.equal(69);
  });

  it('follows a replaced rate table (a lower funeral cap) with no code change', () => {
    const t = JSON.parse(JSON.stringify(RATES)) as RateTable;
    t.limits.under15.deathCapTWD = 615_000;
    const rates = parseRateTable(t);
    const r = quoteTravel(
      req({
        travellers: [
          { relation: 'self', age: 40 },
          { relation: 'child', age: 9 },
        ],
      }),
      rates,
    );
    expect(r.ok && r.quote.lines[1]!.items[0]!.deathBenefitTWD).to.equal(615_000);
  });

  it('is deterministic: the same request gives the same quote', () => {
    const a = quoteTravel(req({ travellers: [{ relation: 'child', age: 3 }], policyholderAge: 35 }), RATES);
    const b = quoteTravel(req({ travellers: [{ relation: 'child', age: 3 }], policyholderAge: 35 }), RATES);
    expect(a).to.deep.equal(b);
  });
});

describe('quoteTravel: properties', () => {
  const region = fc.constantFrom(...REGIONS.filter((r) => r !== 'domestic'));
  const age = fc.integer({ min: 0, max: 70 });
  const sums = RATES.base.amountsTWD;

  function total(o: Partial<TravelQuoteRequest>): number {
    const r = quoteTravel(req({ policyholderAge: 40, ...o }), RATES);
    if (!r.ok) throw new Error(JSON.stringify(r.blocking));
    return r.quote.totalTWD;
  }

  it('the premium never decreases with more days', () => {
    fc.assert(
      fc.property(
        region,
        fc.array(age, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 179 }),
        fc.constantFrom(...sums),
        (rg, ages, days, sum) => {
          const travellers = ages.map((a) => ({ relation: 'other' as const, age: a }));
          const addOns = { overseasIllness: 300_000 };
          expect(total({ region: rg, travellers, days: days + 1, sumInsuredTWD: sum, addOns })).to.be.at.least(
            total({ region: rg, travellers, days, sumInsuredTWD: sum, addOns }),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the premium never decreases with a higher sum insured', () => {
    fc.assert(
      fc.property(
        region,
        fc.array(age, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 180 }),
        fc.integer({ min: 0, max: sums.length - 2 }),
        (rg, ages, days, i) => {
          const travellers = ages.map((a) => ({ relation: 'other' as const, age: a }));
          expect(total({ region: rg, travellers, days, sumInsuredTWD: sums[i + 1]! })).to.be.at.least(
            total({ region: rg, travellers, days, sumInsuredTWD: sums[i]! }),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the total is always a whole NT$ equal to the sum of the lines, and a child never pays more than an adult', () => {
    fc.assert(
      fc.property(
        region,
        fc.integer({ min: 1, max: 180 }),
        fc.constantFrom(...sums),
        fc.integer({ min: 0, max: 14 }),
        (rg, days, sum, childAge) => {
          const r = quoteTravel(
            req({
              region: rg,
              days,
              sumInsuredTWD: sum,
              travellers: [
                { relation: 'self', age: 40 },
                { relation: 'child', age: childAge },
              ],
            }),
            RATES,
          );
          expect(r.ok).to.equal(true);
          if (!r.ok) return;
          expect(Number.isInteger(r.quote.totalTWD)).to.equal(true);
          expect(r.quote.totalTWD).to.equal(r.quote.lines[0]!.premiumTWD + r.quote.lines[1]!.premiumTWD);
          expect(r.quote.lines[1]!.premiumTWD).to.be.at.most(r.quote.lines[0]!.premiumTWD);
        },
      ),
    );
  });
});
