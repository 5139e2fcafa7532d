import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import {
  addBusinessMinutes,
  describeNextOpening,
  holidayAt,
  isOpen,
  nextOpening,
  zonedInstant,
} from '../../../handoff/calendar/business-hours';
import { buildCalendar, parseDeskFile } from '../../../handoff/calendar/parse-calendar';

const DIR = path.resolve(__dirname, '../../../handoff/calendar');
const TZ = 'Asia/Taipei';

function sampleCalendar(mode?: '24h' | 'scheduled') {
  const desk = parseDeskFile(fs.readFileSync(path.join(DIR, 'desk-hours.yaml'), 'utf8'));
  const files = desk.holidayFiles.map((name) => ({ name, text: fs.readFileSync(path.join(DIR, name), 'utf8') }));
  return buildCalendar(desk, files, mode);
}

/** Local Taipei time → instant. */
function tpe(date: string, hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return zonedInstant(date, h * 60 + m, TZ);
}

describe('business hours', () => {
  const cal = sampleCalendar();

  it('is open on a weekday morning in Taipei and closed in the evening', () => {
    expect(isOpen(cal, tpe('2026-11-27', '10:00'))).to.equal(true);
    expect(isOpen(cal, tpe('2026-11-27', '18:00'))).to.equal(false);
    expect(isOpen(cal, tpe('2026-11-27', '08:59'))).to.equal(false);
  });

  it('resolves Taipei local time as UTC+8', () => {
    expect(new Date(tpe('2026-11-27', '09:00')).toISOString()).to.equal('2026-11-27T01:00:00.000Z');
  });

  it('after Friday closing, the next opening is Monday 09:00 and the promise says so', () => {
    const friEvening = tpe('2026-11-27', '19:30');
    expect(nextOpening(cal, friEvening)).to.equal(tpe('2026-11-30', '09:00'));
    expect(describeNextOpening(cal, friEvening, 'zh-TW')).to.equal('下一個上班日（11/30 週一）09:00 起');
    expect(describeNextOpening(cal, friEvening, 'en')).to.equal('the next business day, Monday 30 Nov, from 09:00');
  });

  it('on a weekday evening promises tomorrow morning', () => {
    expect(describeNextOpening(cal, tpe('2026-11-26', '20:00'), 'zh-TW')).to.equal('明天（11/27 週五）09:00 起');
    expect(describeNextOpening(cal, tpe('2026-11-27', '07:00'), 'en')).to.equal('today from 09:00');
  });

  it('skips national holidays: Constitution Day (Fri 12/25) is closed', () => {
    expect(holidayAt(cal, tpe('2026-12-25', '10:00'))?.name['zh-TW']).to.equal('行憲紀念日');
    expect(isOpen(cal, tpe('2026-12-25', '10:00'))).to.equal(false);
    expect(nextOpening(cal, tpe('2026-12-24', '20:00'))).to.equal(tpe('2026-12-28', '09:00'));
  });

  it('skips the whole Lunar New Year break', () => {
    expect(nextOpening(cal, tpe('2026-02-13', '18:30'))).to.equal(tpe('2026-02-23', '09:00'));
  });

  it('counts SLA minutes in open hours only', () => {
    expect(addBusinessMinutes(cal, tpe('2026-11-27', '17:30'), 60)).to.equal(tpe('2026-11-30', '09:30'));
    expect(addBusinessMinutes(cal, tpe('2026-11-28', '12:00'), 30)).to.equal(tpe('2026-11-30', '09:30'));
    expect(addBusinessMinutes(cal, tpe('2026-11-30', '10:00'), 8 * 60)).to.equal(tpe('2026-11-30', '18:00'));
    expect(addBusinessMinutes(cal, tpe('2026-11-30', '10:00'), 8 * 60 + 1)).to.equal(tpe('2026-12-01', '09:01'));
  });

  it('in 24-hour mode is always open and counts wall-clock time', () => {
    const always = sampleCalendar('24h');
    const christmas = tpe('2026-12-25', '03:00');
    expect(isOpen(always, christmas)).to.equal(true);
    expect(describeNextOpening(always, christmas, 'en')).to.equal('now');
    expect(addBusinessMinutes(always, christmas, 90)).to.equal(christmas + 90 * 60_000);
  });

  it('rejects a malformed desk file naming the field', () => {
    const bad =
      'mode: scheduled\ntimeZone: Mars/Olympus\nweekly: {mon: ["9-18"], tue: [], wed: [], thu: [], fri: [], sat: [], sun: []}\n';
    expect(() => parseDeskFile(bad))
      .to.throw(/timeZone/)
      .with.property('code', 'ERR_CONFIG_INVALID');
    expect(() => parseDeskFile(bad)).to.throw(/weekly\.mon\.0/);
  });

  it('rejects a holiday file that is not JSON, naming the file', () => {
    const desk = parseDeskFile(fs.readFileSync(path.join(DIR, 'desk-hours.yaml'), 'utf8'));
    expect(() => buildCalendar(desk, [{ name: 'tw-2027.json', text: '{oops' }])).to.throw(/tw-2027\.json/);
  });

  it('ships every 2026 holiday on a working day (no weekend entries)', () => {
    for (const date of cal.holidays.keys()) {
      const day = new Date(`${date}T00:00:00Z`).getUTCDay();
      expect(day, date).to.be.within(1, 5);
    }
    expect(cal.holidays.size).to.equal(16);
  });
});
