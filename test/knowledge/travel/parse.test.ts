import { expect } from 'chai';
import {
  applyAnswer,
  applyCorrection,
  looksLikeTravelQuoteRequest,
  missingSlots,
  parseTravelRequest,
  toQuoteRequest,
} from '../../../knowledge/travel/parse';
import type { Region, TravelSlots } from '../../../knowledge/travel/types';

/** Today for the examples: Friday 2026-11-27 (Asia/Taipei). */
const TODAY = '2026-11-27';

interface Case {
  text: string;
  today?: string;
  region?: Region | null;
  dep?: string | null;
  ret?: string | null;
  days?: number | null;
  /** [relation, age] per traveller; null = travellers not set. */
  people?: [string, number | null][] | null;
  sum?: number | null;
  addOns?: TravelSlots['addOns'];
  unresolved?: string;
  abroad?: boolean;
}

// Realistic requests as policyholders write them, zh-TW and English.
const CASES: Case[] = [
  {
    text: '下週五去東京5天 我跟老婆 保500萬',
    region: 'asia',
    dep: '2026-12-04',
    ret: '2026-12-08',
    days: 5,
    people: [
      ['self', null],
      ['spouse', null],
    ],
    sum: 5_000_000,
  },
  {
    text: '12/24到1/3 全家去首爾，我跟老公都40，女兒9歲',
    region: 'asia',
    dep: '2026-12-24',
    ret: '2027-01-03',
    days: 11,
    people: [
      ['self', 40],
      ['spouse', 40],
      ['child', 9],
    ],
    sum: null,
  },
  {
    text: '這週六去墾丁 3天2夜 一個人 40歲 保300萬 加傷害醫療30萬',
    region: 'domestic',
    dep: '2026-11-28',
    ret: '2026-11-30',
    days: 3,
    people: [['self', 40]],
    sum: 3_000_000,
    addOns: { accidentMedical: { amountTWD: 300_000 } },
  },
  {
    text: '爸媽 65 和 63 去歐洲 12月24日出發 10天',
    region: 'europe',
    dep: '2026-12-24',
    ret: '2027-01-02',
    days: 10,
    people: [
      ['father', 65],
      ['mother', 63],
    ],
  },
  { text: '下下週一出發去大阪 五天四夜', region: 'asia', dep: '2026-12-07', days: 5 },
  {
    text: '明天飛曼谷 7天 我35歲',
    region: 'asia',
    dep: '2026-11-28',
    ret: '2026-12-04',
    days: 7,
    people: [['self', 35]],
  },
  { text: '後天去峇里島玩6天', region: 'asia', dep: '2026-11-29', days: 6 },
  { text: '下週末去花蓮', region: 'domestic', dep: '2026-12-05', ret: '2026-12-06', days: 2 },
  {
    text: '12月20日到12月27日 巴黎 兩個人 保1000萬',
    region: 'europe',
    dep: '2026-12-20',
    ret: '2026-12-27',
    days: 8,
    people: [
      ['self', null],
      ['other', null],
    ],
    sum: 10_000_000,
  },
  {
    text: '我40 老婆38 兒子10歲 女兒6歲 12/20去紐西蘭 14天 保1000萬 海外突發疾病50萬',
    region: 'oceania',
    dep: '2026-12-20',
    ret: '2027-01-02',
    days: 14,
    people: [
      ['self', 40],
      ['spouse', 38],
      ['child', 10],
      ['child', 6],
    ],
    sum: 10_000_000,
    addOns: { overseasIllness: { amountTWD: 500_000 } },
  },
  {
    text: '2大1小去沖繩 小孩5歲 大人都35 12/31出發 4天',
    region: 'asia',
    dep: '2026-12-31',
    ret: '2027-01-03',
    days: 4,
    people: [
      ['adult', 35],
      ['adult', 35],
      ['child', 5],
    ],
  },
  {
    text: '兩個小孩 7歲跟4歲 跟我 去新加坡 五天四夜 12/25出發',
    region: 'asia',
    dep: '2026-12-25',
    days: 5,
    people: [
      ['child', 7],
      ['child', 4],
      ['self', null],
    ],
  },
  { text: '81歲的爸爸 去美國 200天', region: 'americas', days: 200, people: [['father', 81]] },
  { text: '11/20出發去日本5天 我30歲', region: 'asia', dep: '2026-11-20', days: 5, people: [['self', 30]] },
  {
    text: '幫我媽保 她65歲 下週去峇里島 6天 200萬',
    region: 'asia',
    dep: null,
    days: 6,
    people: [['mother', 65]],
    sum: 2_000_000,
    unresolved: '下週',
  },
  { text: '下個月中去日本', region: 'asia', dep: null, unresolved: '下個月中' },
  {
    text: '我們一家四口去大阪 下下週一出發 5天',
    region: 'asia',
    dep: '2026-12-07',
    days: 5,
    people: [
      ['self', null],
      ['other', null],
      ['other', null],
      ['other', null],
    ],
  },
  {
    text: '12/30-1/2 去香港跨年 我跟朋友',
    region: 'asia',
    dep: '2026-12-30',
    ret: '2027-01-02',
    days: 4,
    people: [
      ['self', null],
      ['friend', null],
    ],
  },
  { text: '1/10去加拿大溫哥華一個月 保800萬', region: 'americas', dep: '2027-01-10', days: 30, sum: 8_000_000 },
  { text: '去杜拜 12/15 出發 12/22 回來', region: 'other', dep: '2026-12-15', ret: '2026-12-22', days: 8 },
  {
    text: '澎湖 12/5~12/7 我跟老公都55',
    region: 'domestic',
    dep: '2026-12-05',
    ret: '2026-12-07',
    days: 3,
    people: [
      ['self', 55],
      ['spouse', 55],
    ],
  },
  { text: '金門兩天一夜 保額200萬', region: 'domestic', days: 2, sum: 2_000_000 },
  { text: '東京跟首爾 兩週 12/10出發', region: 'asia', dep: '2026-12-10', days: 14 },
  { text: '日本轉機去美國 10天', region: 'other', days: 10 },
  { text: '星期三出發去泰國4天', region: 'asia', dep: '2026-12-02', days: 4 },
  {
    text: '保500萬 加海外突發疾病 不要傷害醫療 去首爾',
    region: 'asia',
    sum: 5_000_000,
    addOns: { overseasIllness: { amountTWD: null }, accidentMedical: false },
  },
  {
    text: '30萬的傷害醫療 保額300萬 大阪三天',
    region: 'asia',
    days: 3,
    sum: 3_000_000,
    addOns: { accidentMedical: { amountTWD: 300_000 } },
  },
  { text: '我已經在日本了 可以保嗎', region: 'asia', abroad: true },
  // English.
  {
    text: 'next Friday to Tokyo for 5 days, me and my wife, NT$3M',
    region: 'asia',
    dep: '2026-12-04',
    ret: '2026-12-08',
    days: 5,
    people: [
      ['self', null],
      ['spouse', null],
    ],
    sum: 3_000_000,
  },
  {
    text: '2 adults and a kid of 9, Dec 24 - Jan 3, Seoul',
    region: 'asia',
    dep: '2026-12-24',
    ret: '2027-01-03',
    days: 11,
    people: [
      ['adult', null],
      ['adult', null],
      ['child', 9],
    ],
  },
  {
    text: "I'm 40 and my wife is 38, going to Paris from Dec 20 to Dec 30, sum insured 5 million",
    region: 'europe',
    dep: '2026-12-20',
    ret: '2026-12-30',
    days: 11,
    people: [
      ['self', 40],
      ['spouse', 38],
    ],
    sum: 5_000_000,
  },
  {
    text: 'my parents 65 and 63 to New York next Friday for 2 weeks',
    region: 'americas',
    dep: '2026-12-04',
    ret: '2026-12-17',
    days: 14,
    people: [
      ['father', 65],
      ['mother', 63],
    ],
  },
  {
    text: '2 adults and 2 kids aged 9 and 6, Bali, Jan 2-8',
    region: 'asia',
    dep: '2027-01-02',
    ret: '2027-01-08',
    days: 7,
    people: [
      ['adult', null],
      ['adult', null],
      ['child', 9],
      ['child', 6],
    ],
  },
  {
    text: 'wife and I, 45 and 43, to London for 10 days from Dec 19',
    region: 'europe',
    dep: '2026-12-19',
    ret: '2026-12-28',
    days: 10,
    people: [
      ['spouse', 45],
      ['self', 43],
    ],
  },
  {
    text: 'family of 4 going to Japan next Saturday, six days',
    region: 'asia',
    dep: '2026-12-05',
    days: 6,
    people: [
      ['self', null],
      ['other', null],
      ['other', null],
      ['other', null],
    ],
  },
  {
    text: 'me and my 9-year-old daughter to Sydney, 12/26-1/4',
    region: 'oceania',
    dep: '2026-12-26',
    ret: '2027-01-04',
    days: 10,
    people: [
      ['self', null],
      ['child', 9],
    ],
  },
  {
    text: 'Going to Hualien this Saturday for 3 days, NT$2,000,000 cover',
    region: 'domestic',
    dep: '2026-11-28',
    days: 3,
    sum: 2_000_000,
  },
  {
    text: 'Bangkok tomorrow, 4 nights, just me, 29 years old',
    region: 'asia',
    dep: '2026-11-28',
    days: 5,
    people: [['self', 29]],
  },
  {
    text: 'Trip to Canada 24th December to 5th January, accident medical 200k, sum insured NT$5M',
    region: 'americas',
    dep: '2026-12-24',
    ret: '2027-01-05',
    days: 13,
    sum: 5_000_000,
    addOns: { accidentMedical: { amountTWD: 200_000 } },
  },
  {
    text: 'Europe for a week from Dec 27, no overseas illness cover',
    region: 'europe',
    dep: '2026-12-27',
    days: 7,
    addOns: { overseasIllness: false },
  },
  {
    text: 'quote for my mom, 70, Osaka Jan 15-20',
    region: 'asia',
    dep: '2027-01-15',
    ret: '2027-01-20',
    days: 6,
    people: [['mother', 70]],
  },
  // Around the year boundary (today 2026-12-28, a Monday).
  { text: '1/3出發去曼谷 7天', today: '2026-12-28', region: 'asia', dep: '2027-01-03', ret: '2027-01-09', days: 7 },
  { text: '12/30到1/2 去香港', today: '2026-12-28', region: 'asia', dep: '2026-12-30', ret: '2027-01-02', days: 4 },
  { text: '下週五去東京', today: '2026-12-28', region: 'asia', dep: '2027-01-08' },
  { text: '這週六去首爾 3天', today: '2026-12-28', region: 'asia', dep: '2027-01-02', ret: '2027-01-04', days: 3 },
  { text: 'next Monday to Seoul for 4 days', today: '2026-12-28', region: 'asia', dep: '2027-01-04', days: 4 },
  { text: 'Jan 2 - Jan 6 Tokyo', today: '2026-12-28', region: 'asia', dep: '2027-01-02', ret: '2027-01-06', days: 5 },
  { text: '12/20出發去日本', today: '2026-12-28', region: 'asia', dep: '2026-12-20' },
];

function people(s: TravelSlots): [string, number | null][] | null {
  return s.travellers ? s.travellers.map((t) => [t.relation, t.age]) : null;
}

describe('parseTravelRequest: realistic requests against a fixed today', () => {
  it('has at least 40 cases', () => {
    expect(CASES.length).to.be.at.least(40);
  });
  for (const c of CASES) {
    it(`reads 「${c.text}」${c.today ? ` (today ${c.today})` : ''}`, () => {
      const { slots } = parseTravelRequest(c.text, { today: c.today ?? TODAY });
      if (c.region !== undefined) expect(slots.region ?? null, 'region').to.equal(c.region);
      if (c.dep !== undefined) expect(slots.departureDate ?? null, 'departure').to.equal(c.dep);
      if (c.ret !== undefined) expect(slots.returnDate ?? null, 'return').to.equal(c.ret);
      if (c.days !== undefined) expect(slots.days ?? null, 'days').to.equal(c.days);
      if (c.people !== undefined) expect(people(slots), 'travellers').to.deep.equal(c.people);
      if (c.sum !== undefined) expect(slots.sumInsuredTWD ?? null, 'sum').to.equal(c.sum);
      if (c.addOns !== undefined) expect(slots.addOns, 'add-ons').to.deep.equal(c.addOns);
      if (c.unresolved !== undefined) expect(slots.unresolvedDate).to.equal(c.unresolved);
      if (c.abroad !== undefined) expect(slots.alreadyAbroad ?? false).to.equal(c.abroad);
    });
  }

  it('never throws and returns slots for any text', () => {
    for (const t of ['', '   ', '？？？', '12/99到13/45', '9999999萬', 'a'.repeat(5000), '下週八', 'Feb 30 - Mar 2']) {
      expect(() => parseTravelRequest(t, { today: TODAY })).not.to.throw();
    }
  });

  it('reports a destination it does not know instead of guessing a region', () => {
    const r = parseTravelRequest('下週去火星玩 5天', { today: TODAY });
    expect(r.slots.region).to.equal(undefined);
    expect(r.unknown).to.deep.equal(['火星']);
  });
});

describe('applyCorrection: changes in the middle of a dialog', () => {
  const ctx = { today: TODAY };
  const start = () => parseTravelRequest('下週五去東京5天 我跟老婆都35 保500萬 加海外突發疾病', ctx).slots;

  it('「改成7天」 changes the length and moves the return date', () => {
    const r = applyCorrection(start(), '改成7天', ctx);
    expect(r.slots).to.include({ days: 7, departureDate: '2026-12-04', returnDate: '2026-12-10' });
    expect(r.changed).to.have.members(['days', 'returnDate']);
  });

  it('「我想改成7天」 (the writer speaking, nobody named) keeps the travellers', () => {
    const r = applyCorrection(start(), '我想改成7天', ctx);
    expect(people(r.slots)).to.deep.equal([
      ['self', 35],
      ['spouse', 35],
    ]);
    expect(r.slots.days).to.equal(7);
  });

  it('「再加我媽 65歲」 adds a traveller and keeps the others', () => {
    const r = applyCorrection(start(), '再加我媽 65歲', ctx);
    expect(people(r.slots)).to.deep.equal([
      ['self', 35],
      ['spouse', 35],
      ['mother', 65],
    ]);
  });

  it('「保額改300萬」 changes only the sum insured', () => {
    const before = start();
    const r = applyCorrection(before, '保額改300萬', ctx);
    expect(r.slots.sumInsuredTWD).to.equal(3_000_000);
    expect(r.changed).to.deep.equal(['sumInsuredTWD']);
    expect(before.sumInsuredTWD, 'input not mutated').to.equal(5_000_000);
  });

  it('「不要海外突發疾病」 turns the add-on off', () => {
    const r = applyCorrection(start(), '不要海外突發疾病', ctx);
    expect(r.slots.addOns).to.deep.equal({ overseasIllness: false });
  });

  it('「改去巴黎」 changes the destination and region', () => {
    const r = applyCorrection(start(), '改去巴黎', ctx);
    expect(r.slots).to.include({ region: 'europe', destination: '巴黎', days: 5 });
  });

  it('「老婆36」 updates a known traveller’s age without adding anyone', () => {
    const r = applyCorrection(start(), '老婆36', ctx);
    expect(people(r.slots)).to.deep.equal([
      ['self', 35],
      ['spouse', 36],
    ]);
  });

  it('「媽媽不去了」 removes that traveller', () => {
    const withMom = applyCorrection(start(), '再加我媽 65歲', ctx).slots;
    expect(people(applyCorrection(withMom, '媽媽不去了', ctx).slots)).to.deep.equal([
      ['self', 35],
      ['spouse', 35],
    ]);
  });

  it('a new departure keeps the length; a new return date changes it', () => {
    const moved = applyCorrection(start(), '改成12/10出發', ctx).slots;
    expect(moved).to.include({ departureDate: '2026-12-10', returnDate: '2026-12-14', days: 5 });
    const longer = applyCorrection(moved, '回程改12/20', ctx).slots;
    expect(longer).to.include({ departureDate: '2026-12-10', returnDate: '2026-12-20', days: 11 });
  });

  it('ages given alone fill the travellers still without an age, in order', () => {
    const s = parseTravelRequest('下週五去東京5天 我跟老婆', ctx).slots;
    expect(people(applyCorrection(s, '40 跟 38', ctx).slots)).to.deep.equal([
      ['self', 40],
      ['spouse', 38],
    ]);
  });

  it('"add my dad, 70" works in English too', () => {
    const s = parseTravelRequest('me and my wife, both 40, Tokyo next Friday for 5 days', ctx).slots;
    expect(people(applyCorrection(s, 'add my dad, 70', ctx).slots)).to.deep.equal([
      ['self', 40],
      ['spouse', 40],
      ['father', 70],
    ]);
  });
});

describe('slot-by-slot answers and what is still missing', () => {
  const ctx = { today: TODAY };
  it('asks for everything missing, in order, and reads bare numbers in the unit asked', () => {
    let s = parseTravelRequest('想保旅平險', ctx).slots;
    expect(missingSlots(s)).to.deep.equal(['region', 'departureDate', 'days', 'travellers', 'sumInsuredTWD']);
    s = applyAnswer(s, 'region', '大阪', ctx).slots;
    s = applyAnswer(s, 'departureDate', '12/24', ctx).slots;
    s = applyAnswer(s, 'days', '6', ctx).slots;
    expect(s).to.include({ departureDate: '2026-12-24', returnDate: '2026-12-29', days: 6 });
    s = applyAnswer(s, 'travellers', '我跟老婆', ctx).slots;
    expect(missingSlots(s)).to.deep.equal(['ages', 'sumInsuredTWD']);
    s = applyAnswer(s, 'ages', '45 43', ctx).slots;
    s = applyAnswer(s, 'sumInsuredTWD', '300', ctx).slots;
    expect(missingSlots(s)).to.deep.equal([]);
    const req = toQuoteRequest(s, ctx);
    expect(req.ok).to.equal(true);
    if (!req.ok) return;
    expect(req.request).to.deep.include({
      region: 'asia',
      departureDate: '2026-12-24',
      days: 6,
      sumInsuredTWD: 3_000_000,
    });
    expect(req.request.travellers.map((t) => t.age)).to.deep.equal([45, 43]);
  });

  it('uses a default sum insured only when the caller offers one, and says so', () => {
    const s = parseTravelRequest('12/24到1/3 全家去首爾，我跟老公都40，女兒9歲', ctx).slots;
    expect(toQuoteRequest(s, ctx)).to.deep.equal({ ok: false, missing: ['sumInsuredTWD'] });
    const r = toQuoteRequest(s, { ...ctx, defaultSumInsuredTWD: 5_000_000 });
    expect(r.ok && r.defaultsUsed).to.deep.equal(['sumInsuredTWD']);
  });
});

describe('looksLikeTravelQuoteRequest: for the intent router', () => {
  const ctx = { today: TODAY };
  for (const yes of [
    '12/24到1/3 全家去首爾，我跟老公都40，女兒9歲',
    '下週五去東京5天',
    'Seoul Dec 24 - Jan 3, 2 adults',
    '去歐洲 保500萬',
  ]) {
    it(`routes 「${yes}」 to the travel quote`, () => expect(looksLikeTravelQuoteRequest(yes, ctx)).to.equal(true));
  }
  for (const no of [
    '我想改地址',
    '保單借款利息怎麼算',
    '日本的理賠要準備什麼文件',
    '東京',
    'how do I claim for treatment abroad',
  ]) {
    it(`does not route 「${no}」`, () => expect(looksLikeTravelQuoteRequest(no, ctx)).to.equal(false));
  }
});
