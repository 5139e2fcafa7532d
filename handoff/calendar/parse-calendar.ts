/**
 * Turns the desk-hours file and the holiday files (their text, read by the composition root)
 * into a validated `BusinessCalendar`. A malformed file stops start-up with a message naming
 * the field, rather than a desk that silently never opens.
 */
import YAML from 'yaml';
import { z } from 'zod';
import { KefuError } from '../../app/errors';
import type { BusinessCalendar, Holiday, OpeningInterval, Weekday } from './business-hours';

const RANGE = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const rangeList = z.array(z.string().regex(RANGE, 'must look like "09:00-18:00"'));

const deskSchema = z.object({
  mode: z.enum(['scheduled', '24h']),
  timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Asia/Taipei'),
  weekly: z.object({
    mon: rangeList,
    tue: rangeList,
    wed: rangeList,
    thu: rangeList,
    fri: rangeList,
    sat: rangeList,
    sun: rangeList,
  }),
  holidayFiles: z.array(z.string()).default([]),
  extraWorkdays: z.record(z.string().regex(DATE), rangeList).default({}),
});

const holidayFileSchema = z.object({
  year: z.number().int(),
  holidays: z.array(
    z.object({ date: z.string().regex(DATE), name: z.object({ 'zh-TW': z.string().min(1), en: z.string().min(1) }) }),
  ),
});

export type DeskFile = z.infer<typeof deskSchema>;

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function toIntervals(ranges: string[]): OpeningInterval[] {
  return ranges.map((r) => {
    const m = RANGE.exec(r) as RegExpExecArray;
    const openMin = Number(m[1]) * 60 + Number(m[2]);
    const closeMin = Number(m[3]) * 60 + Number(m[4]);
    if (closeMin <= openMin || closeMin > 24 * 60) {
      throw new KefuError('ERR_CONFIG_INVALID', `Desk hours "${r}" close before they open`, { range: r });
    }
    return { openMin, closeMin };
  });
}

/** Reads the desk file's `holidayFiles` list (the composition root loads those files). */
export function parseDeskFile(yamlText: string): DeskFile {
  const parsed = deskSchema.safeParse(YAML.parse(yamlText));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`);
    throw new KefuError('ERR_CONFIG_INVALID', `Invalid desk-hours file:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/**
 * Builds the calendar.
 * @throws ERR_CONFIG_INVALID when the desk file or a holiday file is malformed.
 */
export function buildCalendar(
  desk: DeskFile,
  holidayFiles: Array<{ name: string; text: string }>,
  modeOverride?: '24h' | 'scheduled',
): BusinessCalendar {
  const holidays = new Map<string, Holiday>();
  for (const file of holidayFiles) {
    let json: unknown;
    try {
      json = JSON.parse(file.text);
    } catch (err) {
      throw new KefuError(
        'ERR_CONFIG_INVALID',
        `Holiday file ${file.name} is not valid JSON: ${(err as Error).message}`,
      );
    }
    const parsed = holidayFileSchema.safeParse(json);
    if (!parsed.success) {
      const lines = parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`);
      throw new KefuError('ERR_CONFIG_INVALID', `Invalid holiday file ${file.name}:\n${lines.join('\n')}`);
    }
    for (const h of parsed.data.holidays) holidays.set(h.date, h);
  }
  const w = desk.weekly;
  const weekly: Record<Weekday, OpeningInterval[]> = {
    0: toIntervals(w.sun),
    1: toIntervals(w.mon),
    2: toIntervals(w.tue),
    3: toIntervals(w.wed),
    4: toIntervals(w.thu),
    5: toIntervals(w.fri),
    6: toIntervals(w.sat),
  };
  const extraWorkdays = new Map<string, OpeningInterval[]>();
  for (const [date, ranges] of Object.entries(desk.extraWorkdays)) extraWorkdays.set(date, toIntervals(ranges));
  return { mode: modeOverride ?? desk.mode, timeZone: desk.timeZone, weekly, holidays, extraWorkdays };
}
