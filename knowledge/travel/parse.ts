/**
 * Understanding a travel-quote request from free text, zh-TW and English, without an LLM.
 *
 * `parseTravelRequest(text, { today })` turns 「下週五去東京5天 我跟老婆 保500萬」 into slots
 * (region, dates, days, travellers with ages, sum insured, add-ons); `applyCorrection(slots, text)`
 * merges a later message into them (「改成7天」, 「再加我媽 65歲」, 「保額改300萬」,
 * 「不要海外突發疾病」). The conventions are shared/domain Appendix A:
 * - days are counted inclusively (12/24→1/3 = 11; 5天4夜 = 5; "3 nights" = 4);
 * - relative dates resolve against `today` (Asia/Taipei), weeks start on Monday: with today
 *   Friday 2026-11-27, 這週六 = 11/28, 下週五 = 12/04, 下週末 = 12/05–12/06, 下下週一 = 12/07;
 *   "next Friday" follows 下週五; a bare weekday is its next occurrence after today;
 * - a month/day without a year takes the year that puts it nearest to today (so 1/3 said on
 *   12/28 is next January, and 11/20 said on 11/27 stays in the past and is caught by the
 *   departure rule); a return date is the first such date on or after departure;
 * - a phrase with no day (下個月中) is kept as written in `unresolvedDate`.
 *
 * How: the text is normalised (NFKC, Chinese numerals before units to digits), then dates, trip
 * length and money are found and blanked out in that order, so the numbers left are ages and
 * head-counts. People and ages are then read left to right: an age goes to the first person of
 * the current group without one, 「都 40」/"both 40" to the whole group.
 *
 * Guarantees: pure and deterministic (today is a parameter), never throws on any input text.
 */
import {
  ageOn,
  diffDays,
  inclusiveDays,
  isoWeekday,
  isValidYmd,
  returnDateFor,
  toDayNumber,
  ymd,
  addDays,
} from './dates';
import { findPlaces } from './places';
import type {
  AddOnKind,
  AddOnSlot,
  ParseContext,
  ParseResult,
  Relation,
  SlotName,
  TravelQuoteRequest,
  TravelSlots,
  TravellerSlot,
} from './types';

// ---------------------------------------------------------------------------------------------
// Normalisation

const ZH_DIGITS: Record<string, number> = {
  零: 0,
  〇: 0,
  一: 1,
  二: 2,
  兩: 2,
  两: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
};
const ZH_UNITS: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };

/** 二十四 → 24, 五百 → 500, 十 → 10, 一千 → 1000. */
function zhNumber(s: string): number | undefined {
  let total = 0;
  let digit = -1;
  for (const ch of s) {
    if (ch in ZH_DIGITS) digit = ZH_DIGITS[ch]!;
    else if (ch in ZH_UNITS) {
      total += (digit < 0 ? 1 : digit) * ZH_UNITS[ch]!;
      digit = -1;
    } else return undefined;
  }
  return total + Math.max(digit, 0);
}

const EN_NUMBERS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  twenty: 20,
  thirty: 30,
};

function normalise(text: string): string {
  let t = text.normalize('NFKC').replace(/[～〜]/g, '~');
  // Chinese numerals before a unit (not weekday names such as 週五, 星期三).
  t = t.replace(
    /(?<!週|周|星期|禮拜|礼拜|拜)([零〇一二兩两三四五六七八九十百千]+)(?=\s*(?:個|个)?\s*(?:天|日|夜|萬|万|歲|岁|位|人|口|大|小|週|周|禮拜|星期|月|號|号|年|孩|女兒|兒子))/g,
    (m, zh: string) => {
      const n = zhNumber(zh);
      return n === undefined ? m : String(n);
    },
  );
  // English number words before a unit.
  t = t.replace(
    /\b(an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|twenty|thirty)(?=[\s-]+(?:days?|nights?|weeks?|adults?|kids?|children|child|people|persons|travell?ers|of us)\b)/gi,
    (m) => String(EN_NUMBERS[m.toLowerCase()]),
  );
  return t;
}

// ---------------------------------------------------------------------------------------------
// A text with consumed spans blanked out (indexes stay valid)

class Work {
  text: string;
  constructor(text: string) {
    this.text = text;
  }
  /** Runs `re` (global) over the current text; `fn` returns true to consume the match. */
  scan(re: RegExp, fn: (m: RegExpExecArray) => boolean | undefined): void {
    const matches = [...this.text.matchAll(re)];
    for (const m of matches) {
      const start = m.index ?? 0;
      if (this.text.slice(start, start + m[0].length).includes('\uE000')) continue;
      if (fn(m as RegExpExecArray)) this.consume(start, m[0].length);
    }
  }
  consume(start: number, length: number): void {
    this.text = this.text.slice(0, start) + '\uE000'.repeat(length) + this.text.slice(start + length);
  }
}

// ---------------------------------------------------------------------------------------------
// Dates

const MONTHS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  sept: 9,
  oct: 10,
  nov: 11,
  dec: 12,
  january: 1,
  february: 2,
  march: 3,
  april: 4,
  june: 6,
  july: 7,
  august: 8,
  september: 9,
  october: 10,
  november: 11,
  december: 12,
};
const MONTH_RE =
  '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const ORD = '(?:st|nd|rd|th)?';
const ZH_WEEKDAY: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 日: 7, 天: 7 };
const EN_WEEKDAY: Record<string, number> = {
  mon: 1,
  monday: 1,
  tue: 2,
  tues: 2,
  tuesday: 2,
  wed: 3,
  wednesday: 3,
  thu: 4,
  thur: 4,
  thurs: 4,
  thursday: 4,
  fri: 5,
  friday: 5,
  sat: 6,
  saturday: 6,
  sun: 7,
  sunday: 7,
};

interface DateToken {
  date: string;
  index: number;
  end: number;
  role?: 'dep' | 'ret';
  /** A weekend (週末) gives its Sunday as the natural return. */
  weekendEnd?: string;
}

/** Month/day without a year: the year that puts it nearest to `today`. */
function nearestYear(today: string, m: number, d: number): string | undefined {
  const y = Number(today.slice(0, 4));
  const candidates = [y - 1, y, y + 1].filter((yy) => isValidYmd(yy, m, d)).map((yy) => ymd(yy, m, d));
  if (candidates.length === 0) return undefined;
  return candidates.reduce((best, c) => (Math.abs(diffDays(today, c)) < Math.abs(diffDays(today, best)) ? c : best));
}

/** Month/day on or after `from` (a return date after a departure across New Year). */
function onOrAfter(from: string, m: number, d: number): string | undefined {
  const y = Number(from.slice(0, 4));
  for (const yy of [y, y + 1]) {
    if (isValidYmd(yy, m, d) && diffDays(from, ymd(yy, m, d)) >= 0) return ymd(yy, m, d);
  }
  return undefined;
}

function weekdayIn(today: string, weekOffset: number, weekday: number): string {
  const monday = addDays(today, 1 - isoWeekday(today));
  return addDays(monday, weekOffset * 7 + weekday - 1);
}

function nextWeekday(today: string, weekday: number): string {
  let delta = (weekday - isoWeekday(today) + 7) % 7;
  if (delta === 0) delta = 7;
  return addDays(today, delta);
}

function roleNear(text: string, start: number, end: number): 'dep' | 'ret' | undefined {
  const after = text.slice(end, end + 6);
  const before = text.slice(Math.max(0, start - 14), start).toLowerCase();
  if (/^\s*(?:晚上|早上|上午|下午|中午)?\s*(?:回來|回國|回台|回臺|返台|返臺|返國|回程|回)/.test(after)) return 'ret';
  if (/(?:回程|回國|返台|返國|回來|回)\s*(?:日期?)?\s*(?:改成|改為|改到|改|是|在)?\s*$/.test(before)) return 'ret';
  if (/(?:return(?:ing)?|back|come back|fly back|until|till)\s*(?:on|is|date)?\s*$/.test(before)) return 'ret';
  if (/^\s*(?:晚上|早上|上午|下午|中午)?\s*(?:出發|出国|出國|起飛|去|飛|走)/.test(after)) return 'dep';
  if (/(?:出發|去程)\s*(?:日期?)?\s*(?:改成|改為|改到|改|是|在)?\s*$/.test(before)) return 'dep';
  if (/(?:leav(?:e|ing)|depart(?:ing|ure)?|fly(?:ing)?|go(?:ing)?|start(?:ing)?)\s*(?:on|is|date)?\s*$/.test(before))
    return 'dep';
  return undefined;
}

interface DateFindings {
  tokens: DateToken[];
  range?: { dep: string; ret: string };
  unresolved?: string;
  births: { index: number; date: string }[];
}

function findDates(w: Work, today: string): DateFindings {
  const out: DateFindings = { tokens: [], births: [] };
  const lowerText = () => w.text.toLowerCase();
  const setRange = (dep: string | undefined, ret: string | undefined): boolean => {
    if (!dep || !ret || out.range) return false;
    out.range = { dep, ret };
    return true;
  };
  // Full dates with a year: trip dates, or birth dates when clearly in the past.
  w.scan(/(\d{4})\s*[/\-.年]\s*(\d{1,2})\s*[/\-.月]\s*(\d{1,2})\s*[日號号]?/g, (m) => {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (!isValidYmd(y, mo, d)) return false;
    const date = ymd(y, mo, d);
    if (diffDays(date, today) > 366) out.births.push({ index: m.index ?? 0, date });
    else out.tokens.push({ date, index: m.index ?? 0, end: (m.index ?? 0) + m[0].length });
    return true;
  });
  // zh / numeric ranges: 12/24到1/3, 12月24日至1月3日, 12/24-28.
  w.scan(
    /(\d{1,2})\s*[/月]\s*(\d{1,2})\s*[日號号]?\s*(?:出發)?\s*(?:到|至|~|-|–|—|to|until|till)\s*(?:(\d{1,2})\s*[/月]\s*)?(\d{1,2})(?!\s*(?:\d|天|夜|萬|万|歲|個|位|人|days?|nights?))\s*[日號号]?/gi,
    (m) => {
      const dep = nearestYear(today, Number(m[1]), Number(m[2]));
      if (!dep) return false;
      const ret = onOrAfter(dep, m[3] ? Number(m[3]) : Number(m[1]), Number(m[4]));
      return setRange(dep, ret);
    },
  );
  // English ranges: Dec 24 - Jan 3, December 24 to 31, 24 Dec - 3 Jan.
  w.scan(
    new RegExp(
      `\\b${MONTH_RE}\\.?\\s+(\\d{1,2})${ORD}\\s*(?:-|–|to|until|till|through)\\s*(?:${MONTH_RE}\\.?\\s+)?(\\d{1,2})${ORD}\\b`,
      'gi',
    ),
    (m) => {
      const m1 = MONTHS[m[1]!.toLowerCase()]!;
      const dep = nearestYear(today, m1, Number(m[2]));
      if (!dep) return false;
      return setRange(dep, onOrAfter(dep, m[3] ? MONTHS[m[3].toLowerCase()]! : m1, Number(m[4])));
    },
  );
  w.scan(
    new RegExp(
      `\\b(\\d{1,2})${ORD}\\s+(?:of\\s+)?${MONTH_RE}\\s*(?:-|–|to|until|till)\\s*(\\d{1,2})${ORD}\\s+(?:of\\s+)?${MONTH_RE}\\b`,
      'gi',
    ),
    (m) => {
      const dep = nearestYear(today, MONTHS[m[2]!.toLowerCase()]!, Number(m[1]));
      if (!dep) return false;
      return setRange(dep, onOrAfter(dep, MONTHS[m[4]!.toLowerCase()]!, Number(m[3])));
    },
  );
  const single = (m: RegExpExecArray, month: number, day: number): boolean => {
    const date = nearestYear(today, month, day);
    if (!date) return false;
    out.tokens.push({ date, index: m.index ?? 0, end: (m.index ?? 0) + m[0].length });
    return true;
  };
  // Single dates.
  w.scan(/(\d{1,2})\s*\/\s*(\d{1,2})(?!\s*\/|\d)/g, (m) => single(m, Number(m[1]), Number(m[2])));
  w.scan(/(\d{1,2})\s*月\s*(\d{1,2})\s*[日號号]?/g, (m) => single(m, Number(m[1]), Number(m[2])));
  w.scan(new RegExp(`\\b${MONTH_RE}\\.?\\s+(\\d{1,2})${ORD}\\b`, 'gi'), (m) =>
    single(m, MONTHS[m[1]!.toLowerCase()]!, Number(m[2])),
  );
  w.scan(new RegExp(`\\b(\\d{1,2})${ORD}\\s+(?:of\\s+)?${MONTH_RE}\\b`, 'gi'), (m) =>
    single(m, MONTHS[m[2]!.toLowerCase()]!, Number(m[1])),
  );
  // 下個月5號 / 這個月20號 / 20號.
  w.scan(/(下個?月|這個?月|本月)?\s*(\d{1,2})\s*[號号]/g, (m) => {
    const day = Number(m[2]);
    const [y, mo] = [Number(today.slice(0, 4)), Number(today.slice(5, 7))];
    const next = mo === 12 ? [y + 1, 1] : [y, mo + 1];
    let cand: [number, number] = m[1]?.startsWith('下') ? (next as [number, number]) : [y, mo];
    if (!m[1] && isValidYmd(y, mo, day) && diffDays(today, ymd(y, mo, day)) < 0) cand = next as [number, number];
    if (!isValidYmd(cand[0], cand[1], day)) return false;
    out.tokens.push({ date: ymd(cand[0], cand[1], day), index: m.index ?? 0, end: (m.index ?? 0) + m[0].length });
    return true;
  });
  // Relative days.
  const rel: [RegExp, number][] = [
    [/大後天/g, 3],
    [/後天|day after tomorrow/gi, 2],
    [/明天|明日|tomorrow/gi, 1],
    [/今天|今日|today|tonight|今晚/gi, 0],
  ];
  for (const [re, n] of rel) {
    w.scan(re, (m) => {
      out.tokens.push({ date: addDays(today, n), index: m.index ?? 0, end: (m.index ?? 0) + m[0].length });
      return true;
    });
  }
  // zh weekdays: 下週五, 這週六, 下下週一, 週日, 下週末.
  w.scan(/(下下|下|這|这|本|今)?\s*(?:個|个)?\s*(?:週|周|星期|禮拜|礼拜)\s*([一二三四五六日天末])/g, (m) => {
    const offset = m[1] === '下下' ? 2 : m[1] === '下' ? 1 : m[1] ? 0 : undefined;
    const index = m.index ?? 0;
    const end = index + m[0].length;
    if (m[2] === '末') {
      const sat = weekdayIn(today, offset ?? 0, 6);
      out.tokens.push({ date: sat, index, end, weekendEnd: addDays(sat, 1) });
      return true;
    }
    const wd = ZH_WEEKDAY[m[2]!]!;
    out.tokens.push({ date: offset === undefined ? nextWeekday(today, wd) : weekdayIn(today, offset, wd), index, end });
    return true;
  });
  // English weekdays: next Friday, this Saturday, on Friday, next weekend.
  w.scan(
    /\b(?:(this|next|coming)\s+)?(monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun|weekend)\b/gi,
    (m) => {
      const q = m[1]?.toLowerCase();
      const word = m[2]!.toLowerCase();
      const index = m.index ?? 0;
      const end = index + m[0].length;
      if (!q && word.length <= 3 && word !== 'sun' && word !== 'sat' && word !== 'fri') return false;
      if (word === 'weekend') {
        const sat = weekdayIn(today, q === 'next' ? 1 : 0, 6);
        out.tokens.push({ date: sat, index, end, weekendEnd: addDays(sat, 1) });
        return true;
      }
      const wd = EN_WEEKDAY[word]!;
      const date =
        q === 'next' ? weekdayIn(today, 1, wd) : q === 'this' ? weekdayIn(today, 0, wd) : nextWeekday(today, wd);
      out.tokens.push({ date, index, end });
      return true;
    },
  );
  // Phrases with no day: kept as written.
  const vague =
    /下個?月[中初底]?|下週|下周|下禮拜|next week|月[中初底]|年底|過年|春節|暑假|寒假|連假|next month|end of (?:the )?month|this summer|christmas/i.exec(
      lowerText(),
    );
  if (vague) out.unresolved = w.text.slice(vague.index, vague.index + vague[0].length);
  for (const t of out.tokens) t.role = roleNear(w.text, t.index, t.end);
  out.tokens.sort((a, b) => a.index - b.index);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Trip length

function findDays(w: Work): number | undefined {
  let days: number | undefined;
  const set = (n: number): boolean => {
    if (days === undefined && n > 0 && n < 1000) days = n;
    return true;
  };
  w.scan(/(\d{1,3})\s*天\s*(?:(\d{1,3})\s*夜)?/g, (m) => set(Number(m[1])));
  w.scan(/(\d{1,3})\s*(?:-|\s)?\s*days?\b/gi, (m) => set(Number(m[1])));
  w.scan(/(\d{1,3})\s*夜/g, (m) => set(Number(m[1]) + 1));
  w.scan(/(\d{1,3})\s*(?:-|\s)?\s*nights?\b/gi, (m) => set(Number(m[1]) + 1));
  w.scan(/(\d{1,2})\s*(?:個|个)?\s*(?:週|周|禮拜|礼拜|星期)(?![一二三四五六日天末])/g, (m) => set(Number(m[1]) * 7));
  w.scan(/(\d{1,2})\s*(?:-|\s)?\s*weeks?\b/gi, (m) => set(Number(m[1]) * 7));
  w.scan(/(\d{1,3})\s*日(?:遊|游|行)?/g, (m) => set(Number(m[1])));
  w.scan(/(\d{1,2})\s*(?:個|个)\s*月/g, (m) => set(Number(m[1]) * 30));
  return days;
}

// ---------------------------------------------------------------------------------------------
// Money: sum insured and add-on amounts

const ADDON_PATTERNS: [AddOnKind, RegExp][] = [
  [
    'overseasIllness',
    /海外突發疾病(?:醫療)?|海外突發|突發疾病|突發病|海外疾病|overseas\s+(?:sudden\s+)?illness|sudden\s+illness|illness\s+cover/gi,
  ],
  ['accidentMedical', /傷害醫療|意外醫療|實支實付|醫療險?|accident(?:al)?\s+medical|medical(?:\s+expenses?)?/gi],
];
const NEGATION =
  /(?:不要|不用|不需要|免|拿掉|去掉|取消|刪掉|no|without|drop|remove|don'?t\s+(?:need|want))\s*(?:the\s+)?(?:附加)?\s*$/i;

interface MoneyToken {
  amount: number;
  index: number;
  end: number;
}

function findMoney(w: Work): MoneyToken[] {
  const out: MoneyToken[] = [];
  const push = (m: RegExpExecArray, amount: number): boolean => {
    if (!Number.isFinite(amount) || amount <= 0) return false;
    out.push({ amount: Math.round(amount), index: m.index ?? 0, end: (m.index ?? 0) + m[0].length });
    return true;
  };
  w.scan(/(\d+(?:\.\d+)?)\s*(?:萬|万)\s*(?:元|塊)?/g, (m) => push(m, Number(m[1]) * 10_000));
  w.scan(/(?:nt\$|ntd|twd|\$)\s*(\d+(?:[.,]\d+)*)\s*(million|mil|m|k)?\b/gi, (m) => {
    const n = Number(m[1]!.replace(/,/g, ''));
    const unit = m[2]?.toLowerCase();
    return push(m, unit === 'k' ? n * 1000 : unit ? n * 1_000_000 : n);
  });
  w.scan(/(\d+(?:\.\d+)?)\s*(million|mil|m|k)\b/gi, (m) => {
    const unit = m[2]!.toLowerCase();
    return push(m, Number(m[1]) * (unit === 'k' ? 1000 : 1_000_000));
  });
  w.scan(/(\d{1,3}(?:,\d{3})+|\d{6,})\s*(?:元|塊|dollars?|twd|ntd)?/gi, (m) =>
    push(m, Number(m[1]!.replace(/,/g, ''))),
  );
  return out;
}

interface MoneyFindings {
  sum?: number;
  addOns: Partial<Record<AddOnKind, AddOnSlot>>;
}

function assignMoney(w: Work, money: MoneyToken[]): MoneyFindings {
  const addOns: Partial<Record<AddOnKind, AddOnSlot>> = {};
  const isMain = (t: MoneyToken) =>
    /(?:保額|保險金額|保|sum\s+insured|cover(?:age)?|insure(?:d)?\s+for)\s*(?:改成|改為|改|要|是|為|of|at|:)?\s*$/i.test(
      w.text.slice(Math.max(0, t.index - 16), t.index).replace(/\uE000/g, ' '),
    );
  const used = new Set<MoneyToken>();
  for (const [kind, re] of ADDON_PATTERNS) {
    w.scan(re, (m) => {
      const start = m.index ?? 0;
      const end = start + m[0].length;
      if (addOns[kind] !== undefined) return true;
      if (NEGATION.test(w.text.slice(Math.max(0, start - 12), start).replace(/\uE000/g, ''))) {
        addOns[kind] = false;
        return true;
      }
      const near =
        money.find(
          (t) =>
            !used.has(t) &&
            !isMain(t) &&
            t.index >= end &&
            t.index - end <= 8 &&
            !/[,，、和跟及]/.test(w.text.slice(end, t.index)),
        ) ??
        money.find(
          (t) => !used.has(t) && !isMain(t) && t.end <= start && /^\s*的?\s*$/.test(w.text.slice(t.end, start)),
        );
      if (near) used.add(near);
      addOns[kind] = { amountTWD: near ? near.amount : null };
      return true;
    });
  }
  const rest = money.filter((t) => !used.has(t));
  const flagged = rest.find(isMain);
  const sum = flagged ?? rest.filter((t) => t.amount >= 500_000).sort((a, b) => b.amount - a.amount)[0];
  return sum ? { sum: sum.amount, addOns } : { addOns };
}

// ---------------------------------------------------------------------------------------------
// People and ages

type PeopleEvent =
  | { kind: 'person'; index: number; end: number; persons: Relation[]; plural?: boolean }
  | { kind: 'age'; index: number; end: number; age: number; all: boolean; birthDate?: string }
  | { kind: 'total'; index: number; count: number };

const PERSON_PATTERNS: [RegExp, (m: RegExpExecArray) => { persons: Relation[]; plural?: boolean }][] = [
  [
    /(\d{1,2})\s*大\s*(\d{1,2})\s*小/g,
    (m) => ({ persons: [...rep('adult', Number(m[1])), ...rep('child', Number(m[2]))] }),
  ],
  [
    /(\d{1,2})\s*(?:個|个|位|名)\s*(小孩|孩子|小朋友|兒童|女兒|兒子|大人|成人|朋友|同事|同學)/g,
    (m) => ({
      persons: rep(/大人|成人/.test(m[2]!) ? 'adult' : /朋友|同事|同學/.test(m[2]!) ? 'friend' : 'child', Number(m[1])),
    }),
  ],
  [
    /(?<![\d,])\b([1-9])\s+(adults?|kids?|children|child|sons?|daughters?|friends?)\b/gi,
    (m) => ({
      persons: rep(/adult/i.test(m[2]!) ? 'adult' : /friend/i.test(m[2]!) ? 'friend' : 'child', Number(m[1])),
    }),
  ],
  [/爸媽|父母|雙親|my parents|parents/gi, () => ({ persons: ['father', 'mother'] })],
  [
    /老婆|太太|妻子|內人|老公|丈夫|另一半|先生|wife|husband|partner|spouse|fianc[ée]e?/gi,
    () => ({ persons: ['spouse'] }),
  ],
  [
    /女兒|兒子|\ba\s+(?:kid|child|son|daughter|boy|girl)\b|\b(?:son|daughter)\b|\b(?:kid|child)\b/gi,
    () => ({ persons: ['child'] }),
  ],
  [/小孩|孩子|小朋友|寶寶|兒童|\b(?:kids|children|sons|daughters)\b/gi, () => ({ persons: ['child'], plural: true })],
  [/大人|成人|\badults\b/gi, () => ({ persons: ['adult'], plural: true })],
  [/爸爸|老爸|父親|家父|爸|\b(?:dad|father)\b/gi, () => ({ persons: ['father'] })],
  [/媽媽|老媽|母親|家母|媽|\b(?:mom|mum|mother)\b/gi, () => ({ persons: ['mother'] })],
  [/爺爺|奶奶|外公|外婆|阿公|阿嬤|阿媽|\bgrand(?:ma|pa|mother|father)\b/gi, () => ({ persons: ['grandparent'] })],
  [/哥哥|姊姊|姐姐|弟弟|妹妹|\b(?:brother|sister)\b/gi, () => ({ persons: ['sibling'] })],
  [/朋友|同事|同學|\bfriend\b/gi, () => ({ persons: ['friend'] })],
  [
    /本人|我自己|自己|(?<=[跟和與与同帶带])\s*我(?![爸媽妈老女兒儿的家們们])|我(?=\s*(?:跟|和|與|与|同|、|,|，|也|今年|都|\d))|(?<![a-z'])(?:me|myself|i|i'm|i am)(?![a-z'])/gi,
    () => ({ persons: ['self'] }),
  ],
];

function rep(r: Relation, n: number): Relation[] {
  return Array.from({ length: Math.min(Math.max(n, 0), 20) }, () => r);
}

interface PeopleFindings {
  travellers: TravellerSlot[];
  /** Only ages were given (「40 跟 38」): they fill travellers already known. */
  agesOnly: TravellerSlot[];
  mentioned: boolean;
  /** Nobody was named; the writer was assumed to travel (「我下週去東京」). */
  implicitSelf?: boolean;
}

function findPeople(w: Work, births: { index: number; date: string }[], today: string): PeopleFindings {
  const events: PeopleEvent[] = [];
  const lower = w.text;
  const family = /全家|一家|家人|我們|我们|\bwe\b|\bfamily\b|\bus\b/i.test(lower);
  const forOthers =
    /(?:幫|替|給|为|為)\s*(?:我的?)?\s*(?:爸|媽|父|母|老|女|兒|小|孩|爺|奶|外|阿|哥|姊|姐|弟|妹|朋)|\bfor\s+(?:my|our)\b/i.test(
      lower,
    );
  w.scan(
    /一家\s*(\d{1,2})\s*口|(\d{1,2})\s*(?:個人|个人|人|位|口)|family\s+of\s+(\d{1,2})|(\d{1,2})\s+(?:people|persons|travell?ers|of us)\b|我們\s*(\d)\s*個/gi,
    (m) => {
      const n = Number(m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5]);
      events.push({ kind: 'total', index: m.index ?? 0, count: n });
      return true;
    },
  );
  for (const [re, make] of PERSON_PATTERNS) {
    w.scan(re, (m) => {
      const r = make(m);
      events.push({ kind: 'person', index: m.index ?? 0, end: (m.index ?? 0) + m[0].length, ...r });
      return true;
    });
  }
  for (const b of births) {
    events.push({
      kind: 'age',
      index: b.index,
      end: b.index + 10,
      age: ageOn(b.date, today),
      all: false,
      birthDate: b.date,
    });
  }
  const ageAt = (m: RegExpExecArray, n: number) => {
    const index = m.index ?? 0;
    const before = w.text.slice(Math.max(0, index - 6), index).replace(/\uE000/g, '');
    const all = /(?:都|皆|都是|both|all|each)\s*(?:是|are|aged)?\s*$/i.test(before);
    if (n >= 0 && n <= 120) events.push({ kind: 'age', index, end: index + m[0].length, age: n, all });
    return true;
  };
  w.scan(/(\d{1,3})\s*(?:歲|岁|-?\s*years?[\s-]*old|yrs?\s*old|y\/?o\b|y\.o\.)/gi, (m) => ageAt(m, Number(m[1])));
  w.scan(/(?<![\d/.:])(\d{1,3})(?![\d/.:%])/g, (m) => ageAt(m, Number(m[1])));
  events.sort((a, b) => a.index - b.index);

  const people: TravellerSlot[] = [];
  const agesOnly: TravellerSlot[] = [];
  let group: TravellerSlot[] = [];
  let groupAged = false;
  let lastPlural = false;
  let total: number | undefined;
  let sawPerson = false;
  let lastPerson: TravellerSlot[] = [];
  let lastAge: { end: number; slot: TravellerSlot } | undefined;
  const generic = new Set<TravellerSlot>();
  const gap = (a: number, b: number) => w.text.slice(a, b);
  let pendingNext: TravellerSlot | undefined;
  for (const [k, e] of events.entries()) {
    if (e.kind === 'total') {
      total = e.count;
      continue;
    }
    if (e.kind === 'person') {
      sawPerson = true;
      if (groupAged) {
        group = [];
        groupAged = false;
      }
      // 「2大1小，小孩9歲」: a person named after a head-count is one of the counted, not another.
      const counted =
        e.persons.length === 1
          ? people.filter((p) => generic.has(p) && p.relation === e.persons[0] && p.age === null)
          : [];
      if (counted.length > 0) {
        const chosen = e.plural ? counted : counted.slice(0, 1);
        for (const p of chosen) generic.delete(p);
        group = chosen;
        groupAged = false;
        lastPerson = chosen;
        lastPlural = false;
        continue;
      }
      const fresh = e.persons.map((r) => ({ relation: r, age: null }) as TravellerSlot);
      // An age written just before one person (「81歲的爸爸」, "a 9-year-old daughter") is theirs.
      if (lastAge && fresh.length === 1 && /^[\s的\uE000]*$/.test(w.text.slice(lastAge.end, e.index))) {
        const i = agesOnly.indexOf(lastAge.slot);
        if (i >= 0) {
          agesOnly.splice(i, 1);
          fresh[0]!.age = lastAge.slot.age;
          if (lastAge.slot.birthDate) fresh[0]!.birthDate = lastAge.slot.birthDate;
        }
      }
      lastAge = undefined;
      if (pendingNext && fresh.length === 1) {
        fresh[0]!.age = pendingNext.age;
        if (pendingNext.birthDate) fresh[0]!.birthDate = pendingNext.birthDate;
      }
      pendingNext = undefined;
      if (e.persons.length > 1 || /\d/.test(w.text.slice(e.index, e.end))) for (const p of fresh) generic.add(p);
      group.push(...fresh);
      people.push(...fresh);
      lastPerson = fresh;
      lastPlural = !!e.plural;
      continue;
    }
    // An age written between two people belongs to the next one only when it is not right after
    // the previous one: 「我40 老婆38」 keeps 40 for me; "me and my 9-year-old daughter" gives 9 to her.
    const prev = events[k - 1];
    const next = events[k + 1];
    const afterPrev = prev?.kind === 'person' && /^[\s\uE000:：]*$/.test(gap(prev.end, e.index));
    const beforeNext =
      next?.kind === 'person' && next.persons.length === 1 && /^[\s的\uE000]*$/.test(gap(e.end, next.index));
    if (!afterPrev && beforeNext && !e.all) {
      pendingNext = { relation: 'other', age: e.age, ...(e.birthDate ? { birthDate: e.birthDate } : {}) };
      continue;
    }
    // An age right after a child ("a kid of 9", 「女兒9歲」) is that child's.
    const justNamed = lastPerson.every((p) => p.relation === 'child') ? lastPerson.filter((p) => p.age === null) : [];
    if (justNamed.length <= 1) lastPerson = [];
    const targets = justNamed.length > 0 && !e.all ? justNamed : group.filter((p) => p.age === null);
    const set = (p: TravellerSlot) => {
      p.age = e.age;
      if (e.birthDate) p.birthDate = e.birthDate;
    };
    if (targets.length > 0) {
      if (e.all) targets.forEach(set);
      else set(targets[0]!);
      if (group.every((p) => p.age !== null)) groupAged = true;
    } else if (lastPlural && people.length > 0) {
      const p: TravellerSlot = { relation: 'child', age: null };
      set(p);
      people.push(p);
      group.push(p);
    } else if (!sawPerson) {
      const p: TravellerSlot = { relation: 'other', age: null };
      set(p);
      agesOnly.push(p);
      lastAge = { end: e.end, slot: p };
    }
  }
  const hasSelf = people.some((p) => p.relation === 'self');
  if (!hasSelf && (family || (total !== undefined && !forOthers)) && people.length > 0) {
    people.unshift({ relation: 'self', age: null });
  }
  if (total !== undefined && total > people.length + agesOnly.length) {
    const missing = total - people.length - agesOnly.length;
    if (people.length === 0 && agesOnly.length === 0 && !forOthers) {
      people.push(
        { relation: 'self', age: null },
        ...rep('other', missing - 1).map((r) => ({ relation: r, age: null })),
      );
    } else {
      const filled = [...people, ...agesOnly];
      people.length = 0;
      agesOnly.length = 0;
      people.push(...filled, ...rep('other', missing).map((r) => ({ relation: r, age: null })));
    }
  } else if (total !== undefined && agesOnly.length > 0) {
    people.push(...agesOnly.splice(0));
    if (!forOthers && !people.some((p) => p.relation === 'self')) people[0]!.relation = 'self';
  }
  // Nobody named but the writer speaks of their own trip (「我下週去東京」, "I'm going to Tokyo").
  if (
    people.length === 0 &&
    agesOnly.length === 0 &&
    !forOthers &&
    /我(?![爸媽媽老女兒的家])|(?<![a-z'])(?:i|i'm|i am|me)(?![a-z'])/i.test(lower)
  ) {
    people.push({ relation: 'self', age: null });
    return { travellers: people, agesOnly, mentioned: true, implicitSelf: true };
  }
  // A lone age with nobody named is the writer's own (「40歲」 to "how old are you?").
  return { travellers: people, agesOnly, mentioned: people.length > 0 || agesOnly.length > 0 };
}

// ---------------------------------------------------------------------------------------------
// Extraction of one message

interface Extraction {
  destination?: string;
  region?: TravelSlots['region'];
  departureDate?: string;
  returnDate?: string;
  days?: number;
  unresolvedDate?: string;
  alreadyAbroad?: boolean;
  sum?: number;
  addOns: Partial<Record<AddOnKind, AddOnSlot>>;
  people: PeopleFindings;
  unknown: string[];
}

function extract(text: string, today: string): Extraction {
  const norm = normalise(text);
  const w = new Work(norm);
  const out: Extraction = { addOns: {}, people: { travellers: [], agesOnly: [], mentioned: false }, unknown: [] };

  // Destination.
  const places = findPlaces(norm).filter(
    (p) => !/(?:從|从|from)\s*$/i.test(norm.slice(Math.max(0, p.index - 3), p.index)),
  );
  if (places.length > 0) {
    const abroad = places.filter((p) => p.region !== 'domestic');
    const chosen = abroad.length > 0 ? abroad : places;
    const regions = new Set(chosen.map((p) => p.region));
    out.destination = chosen
      .map((p) => p.name)
      .filter((n, i, a) => a.indexOf(n) === i)
      .join('、');
    out.region = regions.size > 1 ? 'other' : chosen[0]!.region;
    for (const p of places) w.consume(p.index, p.name.length);
  } else {
    const m = /(?:去|到|飛)\s*([\p{Script=Han}]{2,4}?)(?:玩|旅遊|旅行|出差|度假|\s|$|\d)/u.exec(norm);
    if (m && !/[天週周月號]/.test(m[1]!)) out.unknown.push(m[1]!);
  }
  if (
    /已經在|人在國外|人在海外|現在在國外|已經出國|已出國|already\s+(?:in|abroad|overseas)|currently\s+(?:in|abroad)/i.test(
      norm,
    )
  ) {
    out.alreadyAbroad = true;
  }

  // Dates and trip length.
  const dates = findDates(w, today);
  const days = findDays(w);
  if (dates.range) {
    out.departureDate = dates.range.dep;
    out.returnDate = dates.range.ret;
  } else {
    const dep = dates.tokens.find((t) => t.role === 'dep') ?? dates.tokens.find((t) => t.role !== 'ret');
    const ret =
      dates.tokens.find((t) => t.role === 'ret' && t !== dep) ??
      dates.tokens.find((t) => t !== dep && t.role !== 'dep' && dep && t.index > dep.index);
    if (dep) out.departureDate = dep.date;
    if (ret) {
      const d = toDayNumber(ret.date);
      // A return given as month/day before the departure belongs to the next year.
      out.returnDate = dep && d < toDayNumber(dep.date) ? addDays(ret.date, 365) : ret.date;
    }
    if (dep?.weekendEnd && !ret && days === undefined) out.returnDate = dep.weekendEnd;
  }
  if (out.departureDate && out.returnDate) out.days = inclusiveDays(out.departureDate, out.returnDate);
  if (days !== undefined && out.days === undefined) out.days = days;
  if (!out.departureDate && !out.returnDate && dates.unresolved) out.unresolvedDate = dates.unresolved;

  // Money, then people (what numbers are left are ages and head-counts).
  const money = assignMoney(w, findMoney(w));
  out.addOns = money.addOns;
  if (money.sum !== undefined) out.sum = money.sum;
  out.people = findPeople(w, dates.births, today);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Merging into slots

const ADD_WORDS =
  /再加|加上|加一|多一|多加|還有|还有|也要去|也去|也一起|一起去|(?<![a-z])(?:add|plus|also|as well|too)(?![a-z])|加(?=\s*(?:我|老|爸|媽|女|兒|小|朋|同|哥|姊|姐|弟|妹|爺|奶|外|阿|\d))/i;
const REMOVE_WORDS =
  /不去了|沒有要去|不去|去掉|拿掉|移除|刪除|刪掉|不用保|(?<![a-z])(?:remove|drop|not coming|isn'?t coming|won'?t come)(?![a-z])/i;
const REPLACE_WORDS = /改成|改為|換成|其實是|只有|actually|instead|change|only/i;

function mergePeople(
  existing: TravellerSlot[] | undefined,
  found: PeopleFindings,
  text: string,
): TravellerSlot[] | undefined {
  const cur = existing ? existing.map((t) => ({ ...t })) : undefined;
  if (!found.mentioned) return cur;
  // 「我想改成7天」 names nobody: keep the travellers already known.
  if (found.implicitSelf && cur && cur.length > 0) return cur;
  if (found.travellers.length === 0) {
    // Ages only: fill the travellers still without an age, in order; otherwise the writer is the traveller.
    if (cur && cur.length > 0) {
      const open = cur.filter((t) => t.age === null);
      const targets = open.length > 0 ? open : cur.length === found.agesOnly.length ? cur : [];
      found.agesOnly.forEach((a, i) => {
        const t = targets[i];
        if (t) Object.assign(t, { age: a.age }, a.birthDate ? { birthDate: a.birthDate } : {});
      });
      return cur;
    }
    return found.agesOnly.map((a, i) => ({ ...a, relation: i === 0 ? 'self' : 'other' }));
  }
  const people = found.travellers;
  if (!cur || cur.length === 0) return found.travellers;
  if (REMOVE_WORDS.test(text)) {
    const drop = new Set(found.travellers.map((t) => t.relation));
    return cur.filter((t) => !drop.has(t.relation));
  }
  if (ADD_WORDS.test(text))
    return [...cur, ...people.filter((t) => t.relation !== 'self' || !cur.some((c) => c.relation === 'self'))];
  // Same people again with ages (「老婆 38」): update ages in place.
  const sameRelations = people.every((p) => cur.some((c) => c.relation === p.relation));
  if (sameRelations && !REPLACE_WORDS.test(text)) {
    const pool = [...cur];
    for (const p of people) {
      const i = pool.findIndex((c) => c.relation === p.relation && (c.age === null || p.age !== null));
      if (i < 0) continue;
      const target = pool[i]!;
      if (p.age !== null) target.age = p.age;
      if (p.birthDate) target.birthDate = p.birthDate;
      pool.splice(i, 1);
    }
    return cur;
  }
  return found.travellers;
}

function merge(slots: TravelSlots, x: Extraction, text: string): ParseResult {
  const next: TravelSlots = structuredClone(slots);
  const changed: (keyof TravelSlots)[] = [];
  const set = <K extends keyof TravelSlots>(k: K, v: TravelSlots[K]) => {
    if (JSON.stringify(next[k]) !== JSON.stringify(v)) changed.push(k);
    if (v === undefined) delete next[k];
    else next[k] = v;
  };
  if (x.region) {
    set('region', x.region);
    set('destination', x.destination);
  }
  if (x.alreadyAbroad) set('alreadyAbroad', true);

  const depNew = x.departureDate;
  const retNew = x.returnDate;
  const daysNew = x.days;
  let dep = depNew ?? next.departureDate;
  let ret = retNew ?? next.returnDate;
  let days = daysNew ?? next.days;
  if (depNew && retNew) days = inclusiveDays(depNew, retNew);
  else if (daysNew !== undefined && !retNew) {
    ret = dep ? returnDateFor(dep, daysNew) : undefined;
  } else if (depNew && !retNew && !daysNew) {
    ret = days !== undefined ? returnDateFor(depNew, days) : undefined;
  } else if (retNew && !depNew) {
    if (dep) days = inclusiveDays(dep, retNew);
    else if (days !== undefined) dep = addDays(retNew, 1 - days);
  }
  if (dep && ret && !daysNew) days = inclusiveDays(dep, ret);
  if (dep !== next.departureDate) set('departureDate', dep);
  if (ret !== next.returnDate) set('returnDate', ret);
  if (days !== next.days) set('days', days);
  if (x.unresolvedDate && !dep) set('unresolvedDate', x.unresolvedDate);
  if (dep && next.unresolvedDate) set('unresolvedDate', undefined);

  if (x.sum !== undefined) set('sumInsuredTWD', x.sum);
  if (Object.keys(x.addOns).length > 0) set('addOns', { ...(next.addOns ?? {}), ...x.addOns });
  const travellers = mergePeople(next.travellers, x.people, text);
  if (travellers) set('travellers', travellers);
  const result: ParseResult = { slots: next, changed };
  if (x.unknown.length > 0) result.unknown = x.unknown;
  return result;
}

// ---------------------------------------------------------------------------------------------
// Public API

/**
 * Reads a first message into slots. Never throws; what is not understood is left out.
 * `changed` lists every slot the text filled.
 */
export function parseTravelRequest(text: string, ctx: ParseContext): ParseResult {
  return merge({}, extract(String(text ?? ''), ctx.today), String(text ?? ''));
}

/**
 * Merges a later message into known slots: replaces what it restates (「改成7天」, 「保額改300萬」,
 * 「改去大阪」), adds or removes travellers (「再加我媽 65歲」, 「女兒不去了」), sets ages of known
 * travellers (「老婆38」), and turns add-ons on or off (「不要海外突發疾病」). Dates and days stay
 * consistent: a new length moves the return date, a new departure keeps the length.
 */
export function applyCorrection(slots: TravelSlots, text: string, ctx: ParseContext): ParseResult {
  return merge(slots, extract(String(text ?? ''), ctx.today), String(text ?? ''));
}

/**
 * Reads the answer to a question the dialog asked about one slot, where a bare number means
 * that slot's unit (「7」 to "how many days?" is 7 days; 「300」 to "sum insured?" is 300萬).
 */
export function applyAnswer(slots: TravelSlots, expected: SlotName, text: string, ctx: ParseContext): ParseResult {
  const bare = /^\s*(\d+(?:\.\d+)?)\s*$/.exec(normalise(text));
  if (bare) {
    if (expected === 'days') return applyCorrection(slots, `${bare[1]}天`, ctx);
    if (expected === 'sumInsuredTWD') {
      const n = Number(bare[1]);
      return applyCorrection(slots, n <= 10_000 ? `保${n}萬` : `保${n}元`, ctx);
    }
    if (expected === 'travellers') {
      const n = Number(bare[1]);
      return applyCorrection(slots, `${n}人`, ctx);
    }
  }
  return applyCorrection(slots, text, ctx);
}

/** What the quote still needs, in the order the dialog should ask for it. */
export function missingSlots(slots: TravelSlots): SlotName[] {
  const out: SlotName[] = [];
  if (!slots.region) out.push('region');
  if (!slots.departureDate) out.push('departureDate');
  if (slots.days === undefined) out.push('days');
  if (!slots.travellers || slots.travellers.length === 0) out.push('travellers');
  else if (slots.travellers.some((t) => t.age === null)) out.push('ages');
  if (slots.sumInsuredTWD === undefined) out.push('sumInsuredTWD');
  return out;
}

/**
 * Builds the quote engine's request from complete slots, or says what is missing.
 * Add-ons set to `false` are left out; an add-on wanted without an amount gets the default.
 */
export function toQuoteRequest(
  slots: TravelSlots,
  ctx: ParseContext & { policyholderAge?: number; defaultSumInsuredTWD?: number },
): { ok: true; request: TravelQuoteRequest; defaultsUsed: SlotName[] } | { ok: false; missing: SlotName[] } {
  const defaultsUsed: SlotName[] = [];
  if (slots.sumInsuredTWD === undefined && ctx.defaultSumInsuredTWD !== undefined) {
    slots = { ...slots, sumInsuredTWD: ctx.defaultSumInsuredTWD };
    defaultsUsed.push('sumInsuredTWD');
  }
  const missing = missingSlots(slots);
  if (missing.length > 0) return { ok: false, missing };
  const addOns: TravelQuoteRequest['addOns'] = {};
  for (const [k, v] of Object.entries(slots.addOns ?? {}) as [AddOnKind, AddOnSlot][]) {
    if (v !== false) addOns[k] = v.amountTWD;
  }
  const request: TravelQuoteRequest = {
    region: slots.region!,
    departureDate: slots.departureDate!,
    days: slots.days!,
    travellers: slots.travellers!.map((t) => ({
      relation: t.relation,
      age: t.age!,
      ...(t.birthDate ? { birthDate: t.birthDate } : {}),
    })),
    sumInsuredTWD: slots.sumInsuredTWD!,
    addOns,
    today: ctx.today,
  };
  if (slots.destination) request.destination = slots.destination;
  if (slots.alreadyAbroad) request.alreadyAbroad = true;
  if (ctx.policyholderAge !== undefined) request.policyholderAge = ctx.policyholderAge;
  return { ok: true, request, defaultsUsed };
}

/**
 * True when a message reads as a request for a travel quote even without the word 旅平險:
 * a known destination together with a date, a trip length or travellers with ages
 * (「12/24到1/3 全家去首爾，我跟老公都40」). For the intent router; never throws.
 */
export function looksLikeTravelQuoteRequest(text: string, ctx: ParseContext): boolean {
  const { slots } = parseTravelRequest(text, ctx);
  if (!slots.region) return false;
  const when = slots.departureDate !== undefined || slots.days !== undefined || slots.unresolvedDate !== undefined;
  const who = (slots.travellers ?? []).some((t) => t.age !== null) || slots.sumInsuredTWD !== undefined;
  return when || who;
}
