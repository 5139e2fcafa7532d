import { expect } from 'chai';
import {
  DEFAULT_BENEFICIARY,
  isExplicitConsent,
  parseBirthDate,
  validateField,
  validateTravelApplication,
} from '../../../knowledge/travel/application';
import type { TravelQuote } from '../../../knowledge/travel/types';
import { FAMILY_APPLICATION, FAMILY_TODAY, familyQuote } from './family-trip';

const TODAY = FAMILY_TODAY;
const quote = (): TravelQuote => familyQuote();
const GOOD = FAMILY_APPLICATION;

describe('travel application model', () => {
  it('accepts a complete family application, normalises dates and defaults the beneficiary to legal heirs', () => {
    const r = validateTravelApplication(GOOD, quote(), TODAY);
    expect(r.ok, JSON.stringify(!r.ok && r.problems)).to.equal(true);
    if (!r.ok) return;
    expect(r.application.beneficiary).to.deep.equal(DEFAULT_BENEFICIARY);
    expect(r.application.travellers.map((t) => t.birthDate)).to.deep.equal(['1986-02-14', '1986-05-03', '2017-06-01']);
  });

  const broken: [string, (a: typeof GOOD) => void, string, string][] = [
    [
      'a wrong ID checksum',
      (a) => (a.travellers[1]!.nationalId = 'F131104094'),
      'travellers.1.nationalId',
      'APP_ID_INVALID',
    ],
    [
      'the same ID twice',
      (a) => (a.travellers[1]!.nationalId = 'B223456782'),
      'travellers.1.nationalId',
      'APP_ID_DUPLICATE',
    ],
    [
      'a birth date that gives another age than quoted',
      (a) => (a.travellers[2]!.birthDate = '2016-12-01'),
      'travellers.2.birthDate',
      'APP_BIRTHDATE_AGE_MISMATCH',
    ],
    [
      'a birth date that is not a date',
      (a) => (a.travellers[0]!.birthDate = '1986-02-30'),
      'travellers.0.birthDate',
      'APP_BIRTHDATE_INVALID',
    ],
    ['an empty name', (a) => (a.travellers[0]!.name = ' '), 'travellers.0.name', 'APP_NAME_INVALID'],
    ['a bad email', (a) => (a.email = 'meiling@'), 'email', 'APP_EMAIL_INVALID'],
    ['no consent to the terms', (a) => (a.consents.terms = false), 'consents.terms', 'APP_CONSENT_MISSING'],
    [
      'no consent to the personal-data notice',
      (a) => (a.consents.personalData = false),
      'consents.personalData',
      'APP_CONSENT_MISSING',
    ],
    [
      'a minor policyholder',
      (a) =>
        (a.policyholder = { name: '陳小安', nationalId: 'A800000014', birthDate: '2017-06-01', travellerIndex: 2 }),
      'policyholder.birthDate',
      'APP_POLICYHOLDER_MINOR',
    ],
    ['a traveller missing', (a) => a.travellers.pop(), 'travellers', 'APP_TRAVELLER_COUNT'],
  ];
  for (const [what, mutate, field, code] of broken) {
    it(`refuses ${what} (${code} at ${field}) with messages in both languages`, () => {
      const a = structuredClone(GOOD);
      mutate(a);
      const r = validateTravelApplication(a, quote(), TODAY);
      expect(r.ok).to.equal(false);
      if (r.ok) return;
      const p = r.problems.find((x) => x.field === field && x.code === code);
      expect(p, JSON.stringify(r.problems)).to.not.equal(undefined);
      expect(p!.message['zh-TW']).to.match(/\p{Script=Han}/u);
      expect(p!.message.en).to.match(/[a-z]/);
    });
  }

  it('reads birth dates as people type them, ROC years included', () => {
    expect(parseBirthDate('1986-02-14')).to.equal('1986-02-14');
    expect(parseBirthDate('1986/2/4')).to.equal('1986-02-04');
    expect(parseBirthDate('民國75年2月14日')).to.equal('1986-02-14');
    expect(parseBirthDate('75/2/14')).to.equal('1986-02-14');
    expect(parseBirthDate('２０１７年６月１日')).to.equal('2017-06-01');
    expect(parseBirthDate('1986-02-30')).to.equal(undefined);
    expect(parseBirthDate('昨天')).to.equal(undefined);
  });

  it('takes only an explicit yes as consent', () => {
    for (const yes of ['我同意', '同意。', 'I agree', 'yes']) expect(isExplicitConsent(yes), yes).to.equal(true);
    for (const no of ['', '好像可以', '不同意', 'no', 'maybe', '我再想想'])
      expect(isExplicitConsent(no), no).to.equal(false);
  });

  it('validates one field at a time for the dialog, with the quoted age', () => {
    expect(validateField('nationalId', 'aa00000009')).to.deep.equal({ ok: true, value: 'AA00000009' });
    const mismatch = validateField('birthDate', '1990-01-01', { expectedAge: 40, departureDate: '2026-12-24' });
    expect(mismatch.ok).to.equal(false);
    if (!mismatch.ok) expect(mismatch.problem.message['zh-TW']).to.contain('36 歲');
  });
});
