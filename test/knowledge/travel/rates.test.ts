import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isKefuError } from '../../../app/errors';
import { loadRateTableFile, parseRateTable, SAMPLE_RATES_PATH } from '../../../knowledge/travel/rates';

// biome-ignore lint/suspicious/noExplicitAny: the tests break a parsed JSON file in arbitrary places
type Json = Record<string, any>;

function sample(): Json {
  return JSON.parse(JSON.stringify(loadRateTableFile()));
}

function problemsOf(data: unknown): string[] {
  try {
    parseRateTable(data);
  } catch (err) {
    expect(isKefuError(err, 'ERR_TRAVEL_RATES_INVALID'), String(err)).to.equal(true);
    return (err as { context: { problems: string[] } }).context.problems;
  }
  throw new Error('the table was accepted');
}

describe('travel rate table', () => {
  it('the shipped sample file is valid, versioned and labelled SAMPLE VALUES', () => {
    const t = loadRateTableFile(SAMPLE_RATES_PATH);
    expect(t.sample).to.equal(true);
    expect(t.note).to.match(/SAMPLE VALUES/);
    expect(t.version).to.be.a('string').and.not.equal('');
    expect(t.effectiveFrom).to.match(/^\d{4}-\d{2}-\d{2}$/);
    expect(t.limits.under15.deathCapTWD).to.equal(690_000);
    expect(t.limits.maxDays).to.deep.equal({ overseas: 180, domestic: 30 });
    expect(t.bands.map((b) => `${b.minDays}-${b.maxDays}`)).to.deep.equal([
      '1-3',
      '4-7',
      '8-10',
      '11-15',
      '16-20',
      '21-30',
      '31-60',
      '61-90',
      '91-180',
    ]);
  });

  const broken: [string, (t: Json) => void, RegExp][] = [
    ['a missing version', (t) => delete t.version, /^version:/],
    ['a bad effectiveFrom date', (t) => (t.effectiveFrom = '2026-02-30'), /^effectiveFrom: must be a calendar date/],
    ['a sample table without the SAMPLE label', (t) => (t.note = 'rates'), /^note: a sample table must say/],
    ['a gap between bands', (t) => (t.bands[2].minDays = 9), /^bands\.2\.minDays: expected 8/],
    ['bands shorter than the longest trip', (t) => (t.limits.maxDays.overseas = 365), /bands end at day 180/],
    [
      'a region without base premiums',
      (t) => delete t.base.premiumsTWD.europe,
      /^base\.premiumsTWD\.europe: region europe must be priced/,
    ],
    [
      'a band row missing',
      (t) => t.base.premiumsTWD.asia.pop(),
      /^base\.premiumsTWD\.asia: has 8 band rows, expected 9/,
    ],
    [
      'a premium row of the wrong length',
      (t) => t.base.premiumsTWD.asia[0].pop(),
      /^base\.premiumsTWD\.asia\.0: has 9 premiums, expected 10/,
    ],
    ['a fractional premium', (t) => (t.base.premiumsTWD.asia[0][0] = 30.5), /^base\.premiumsTWD\.asia\.0\.0:/],
    [
      'a premium that falls with a higher sum',
      (t) => (t.base.premiumsTWD.asia[1][5] = 1),
      /premium decreases with a higher amount/,
    ],
    [
      'a premium that falls with a longer band',
      (t) => (t.base.premiumsTWD.oceania[4][9] = 10),
      /premium decreases with a longer band/,
    ],
    ['unsorted amounts', (t) => (t.base.amountsTWD[1] = 500_000), /amounts must be strictly ascending/],
    [
      'an add-on default amount not on offer',
      (t) => (t.addOns.accidentMedical.defaultAmountTWD = 250_000),
      /^addOns\.accidentMedical\.defaultAmountTWD/,
    ],
    ['a default sum not on offer', (t) => (t.defaultSumInsuredTWD = 3_500_000), /^defaultSumInsuredTWD/],
    ['an unknown format', (t) => (t.format = 'v2'), /^format:/],
  ];
  for (const [what, mutate, expected] of broken) {
    it(`refuses a table with ${what}, naming the place`, () => {
      const t = sample();
      mutate(t);
      const problems = problemsOf(t);
      expect(
        problems.some((p) => expected.test(p)),
        problems.join('\n'),
      ).to.equal(true);
    });
  }

  it('refuses a file that is not JSON with ERR_TRAVEL_RATES_INVALID', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kefu-rates-'));
    const path = join(dir, 'rates.json');
    writeFileSync(path, '{ "version": ');
    expect(() => loadRateTableFile(path))
      .to.throw()
      .that.satisfies((e: unknown) => isKefuError(e, 'ERR_TRAVEL_RATES_INVALID'));
  });

  it('loads an insurer’s replacement file with different values and no code change', () => {
    const t = sample();
    t.sample = false;
    t.note = 'Filed rates 2027';
    t.version = '2027.01';
    t.limits.under15.deathCapTWD = 615_000;
    const dir = mkdtempSync(join(tmpdir(), 'kefu-rates-'));
    const path = join(dir, 'rates.json');
    writeFileSync(path, JSON.stringify(t));
    const loaded = loadRateTableFile(path);
    expect(loaded).to.deep.include({ version: '2027.01', sample: false });
    expect(loaded.limits.under15.deathCapTWD).to.equal(615_000);
  });
});
