/**
 * Calendar-date arithmetic for travel quotes, on ISO dates (YYYY-MM-DD) with no time of day.
 *
 * Why: trip dates are calendar days in Asia/Taipei. Working on plain dates (computed through
 * UTC midnight, which has no daylight saving) keeps every result independent of the machine's
 * time zone. `taipeiToday` is the one place an instant becomes a date.
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;
/** Asia/Taipei is UTC+8 all year (no daylight saving since 1979). */
const TAIPEI_OFFSET_MS = 8 * 3_600_000;

/** True when `s` is a real calendar date in YYYY-MM-DD form. */
export function isIsoDate(s: string): boolean {
  const m = ISO.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return isValidYmd(y, mo, d);
}

export function isValidYmd(y: number, m: number, d: number): boolean {
  if (!Number.isInteger(y) || !Number.isInteger(m) || !Number.isInteger(d)) return false;
  if (m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** Days since 1970-01-01 of an ISO date. */
export function toDayNumber(iso: string): number {
  const m = ISO.exec(iso);
  if (!m) throw new RangeError(`not an ISO date: ${iso}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS;
}

export function fromDayNumber(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

export function ymd(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

export function addDays(iso: string, n: number): string {
  return fromDayNumber(toDayNumber(iso) + n);
}

/** Days from `a` to `b` (b − a). */
export function diffDays(a: string, b: string): number {
  return toDayNumber(b) - toDayNumber(a);
}

/** Trip length counted inclusively: 12/24 → 1/3 is 11 days. */
export function inclusiveDays(departure: string, ret: string): number {
  return diffDays(departure, ret) + 1;
}

/** Return date of a trip of `days` days counted inclusively. */
export function returnDateFor(departure: string, days: number): string {
  return addDays(departure, days - 1);
}

/** ISO weekday, Monday = 1 … Sunday = 7. */
export function isoWeekday(iso: string): number {
  const d = new Date(toDayNumber(iso) * DAY_MS).getUTCDay();
  return d === 0 ? 7 : d;
}

/** The calendar date in Asia/Taipei at epoch milliseconds `nowMs` (pass `clock.now()`). */
export function taipeiToday(nowMs: number): string {
  return new Date(nowMs + TAIPEI_OFFSET_MS).toISOString().slice(0, 10);
}

/** Age in full years on `onDate` for someone born on `birthDate` (a 29 Feb birthday counts on 1 Mar). */
export function ageOn(birthDate: string, onDate: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [y, m, d] = onDate.split('-').map(Number) as [number, number, number];
  let age = y - by;
  if (m < bm || (m === bm && d < bd)) age -= 1;
  return age;
}
