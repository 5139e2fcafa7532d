/**
 * Business hours of the desk: a weekly schedule, a holiday calendar and a 24-hour mode.
 *
 * They decide live handoff versus callback, when SLA clocks run, and the wording of promises
 * to customers ("we will call you back next business day from 09:00"). All computations take
 * an instant (epoch ms) and the desk's time zone, so they are pure and testable with any
 * clock. Local times are resolved with `Intl` (no DST assumptions: Asia/Taipei has none, but
 * a desk elsewhere may).
 */
import type { Lang } from '../../knowledge/types';

/** 0 = Sunday … 6 = Saturday, as `Date.getUTCDay`. */
export type Weekday = 0 | 1 | 2 | 3 | 4 | 5 | 6;

export interface OpeningInterval {
  /** Minutes after local midnight, e.g. 9 * 60. */
  openMin: number;
  /** Minutes after local midnight, exclusive; at most 24 * 60. */
  closeMin: number;
}

export interface Holiday {
  /** Local date YYYY-MM-DD. */
  date: string;
  name: { 'zh-TW': string; en: string };
}

export interface BusinessCalendar {
  /** `24h`: always open (holidays ignored); `scheduled`: the weekly schedule minus holidays. */
  mode: '24h' | 'scheduled';
  timeZone: string;
  weekly: Record<Weekday, OpeningInterval[]>;
  holidays: ReadonlyMap<string, Holiday>;
  /** Weekend days that are working days (補行上班), local YYYY-MM-DD → schedule of a weekday. */
  extraWorkdays: ReadonlyMap<string, OpeningInterval[]>;
}

const MINUTE = 60_000;
const DAY_MS = 86_400_000;
/** How far ahead `nextOpening` looks before concluding the desk never opens. */
const MAX_LOOKAHEAD_DAYS = 400;

/** Local calendar parts of an instant in a time zone. */
export interface LocalParts {
  date: string;
  year: number;
  month: number;
  day: number;
  weekday: Weekday;
  minuteOfDay: number;
}

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

export function localParts(instant: number, timeZone: string): LocalParts {
  let fmt = partsFormatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    partsFormatters.set(timeZone, fmt);
  }
  const p: Record<string, string> = {};
  for (const part of fmt.formatToParts(new Date(instant))) p[part.type] = part.value;
  const year = Number(p.year);
  const month = Number(p.month);
  const day = Number(p.day);
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay() as Weekday;
  return {
    date: `${p.year}-${p.month}-${p.day}`,
    year,
    month,
    day,
    weekday,
    minuteOfDay: Number(p.hour) * 60 + Number(p.minute),
  };
}

/** The instant of a local date and minute of day in a time zone. */
export function zonedInstant(date: string, minuteOfDay: number, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const asUtc = Date.UTC(y, m - 1, d) + minuteOfDay * MINUTE;
  // Two passes settle the offset also next to a DST change.
  let guess = asUtc;
  for (let i = 0; i < 2; i++) {
    const p = localParts(guess, timeZone);
    const shown = Date.UTC(p.year, p.month - 1, p.day) + p.minuteOfDay * MINUTE;
    guess += asUtc - shown;
  }
  return guess;
}

function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The opening intervals of one local date (empty on holidays and closed days). */
export function intervalsOn(calendar: BusinessCalendar, date: string): OpeningInterval[] {
  if (calendar.mode === '24h') return [{ openMin: 0, closeMin: 24 * 60 }];
  const extra = calendar.extraWorkdays.get(date);
  if (extra) return extra;
  if (calendar.holidays.has(date)) return [];
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const weekday = new Date(Date.UTC(y, m - 1, d)).getUTCDay() as Weekday;
  return calendar.weekly[weekday];
}

/** Whether the desk is open at `instant`. */
export function isOpen(calendar: BusinessCalendar, instant: number): boolean {
  if (calendar.mode === '24h') return true;
  const p = localParts(instant, calendar.timeZone);
  return intervalsOn(calendar, p.date).some((iv) => p.minuteOfDay >= iv.openMin && p.minuteOfDay < iv.closeMin);
}

/**
 * The next instant the desk is open at or after `instant` (`instant` itself when open).
 * @throws RangeError when the schedule never opens within 400 days (a misconfiguration).
 */
export function nextOpening(calendar: BusinessCalendar, instant: number): number {
  if (isOpen(calendar, instant)) return instant;
  const start = localParts(instant, calendar.timeZone);
  for (let i = 0; i < MAX_LOOKAHEAD_DAYS; i++) {
    const date = addDays(start.date, i);
    for (const iv of [...intervalsOn(calendar, date)].sort((a, b) => a.openMin - b.openMin)) {
      const opensAt = zonedInstant(date, iv.openMin, calendar.timeZone);
      if (opensAt >= instant) return opensAt;
    }
  }
  throw new RangeError('the business calendar has no opening hours in the next 400 days');
}

/**
 * `instant` plus `minutes` of open desk time (SLA clocks that run in business hours only).
 * In 24-hour mode this is plain wall-clock time.
 */
export function addBusinessMinutes(calendar: BusinessCalendar, instant: number, minutes: number): number {
  if (calendar.mode === '24h') return instant + minutes * MINUTE;
  let left = minutes;
  let cursor = nextOpening(calendar, instant);
  for (let guard = 0; guard < MAX_LOOKAHEAD_DAYS * 4; guard++) {
    const p = localParts(cursor, calendar.timeZone);
    const iv = intervalsOn(calendar, p.date).find((x) => p.minuteOfDay >= x.openMin && p.minuteOfDay < x.closeMin);
    if (!iv) {
      cursor = nextOpening(calendar, cursor);
      continue;
    }
    const available = iv.closeMin - p.minuteOfDay;
    if (left <= available) return cursor + left * MINUTE;
    left -= available;
    cursor = nextOpening(calendar, zonedInstant(p.date, iv.closeMin, calendar.timeZone));
  }
  throw new RangeError('business minutes could not be added within 400 days');
}

const WEEKDAY_ZH = ['週日', '週一', '週二', '週三', '週四', '週五', '週六'];
const WEEKDAY_EN = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTH_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function hhmm(minuteOfDay: number): string {
  return `${String(Math.floor(minuteOfDay / 60)).padStart(2, '0')}:${String(minuteOfDay % 60).padStart(2, '0')}`;
}

/**
 * When a person will get back to the customer, in words: "today from 14:00",
 * "明天（11/28 週六）09:00 起", "next business day, Monday 30 Nov, from 09:00".
 */
export function describeNextOpening(calendar: BusinessCalendar, instant: number, lang: Lang): string {
  if (isOpen(calendar, instant)) return lang === 'en' ? 'now' : '現在';
  const at = nextOpening(calendar, instant);
  const now = localParts(instant, calendar.timeZone);
  const then = localParts(at, calendar.timeZone);
  const time = hhmm(then.minuteOfDay);
  const daysAhead = Math.round(
    (Date.UTC(then.year, then.month - 1, then.day) - Date.UTC(now.year, now.month - 1, now.day)) / DAY_MS,
  );
  if (lang === 'en') {
    const when = `${WEEKDAY_EN[then.weekday]} ${then.day} ${MONTH_EN[then.month - 1]}`;
    if (daysAhead === 0) return `today from ${time}`;
    if (daysAhead === 1) return `tomorrow (${when}) from ${time}`;
    return `the next business day, ${when}, from ${time}`;
  }
  const when = `${then.month}/${then.day} ${WEEKDAY_ZH[then.weekday]}`;
  if (daysAhead === 0) return `今天 ${time} 起`;
  if (daysAhead === 1) return `明天（${when}）${time} 起`;
  return `下一個上班日（${when}）${time} 起`;
}

/** The holiday on the local date of `instant`, if any (for messages such as "今天是國定假日"). */
export function holidayAt(calendar: BusinessCalendar, instant: number): Holiday | undefined {
  return calendar.holidays.get(localParts(instant, calendar.timeZone).date);
}
