/**
 * SLA due times by ticket type. Live chat is measured in wall-clock minutes (someone is
 * waiting on the page); callbacks, email, complaints and back-office requests in desk
 * minutes (an email at 23:00 on Friday is due Monday morning, not Saturday). Urgent and high
 * priorities shorten the target.
 */
import { addBusinessMinutes, type BusinessCalendar } from '../calendar/business-hours';
import { KefuError } from '../../app/errors';
import { TICKET_TYPES, type Priority, type TicketType } from './ticket';

export interface SlaPolicy {
  dueAt(type: TicketType, priority: Priority, createdAt: number): number;
}

/** Default targets in minutes (TICKET_SLA_MINUTES overrides any of them). */
export const DEFAULT_SLA_MINUTES: Record<TicketType, number> = {
  'chat-handoff': 5,
  callback: 240,
  email: 480,
  complaint: 480,
  'address-change': 960,
  'travel-application': 120,
  inquiry: 480,
};

/** Types whose SLA clock runs in wall-clock time. */
const WALL_CLOCK_TYPES: ReadonlySet<TicketType> = new Set(['chat-handoff']);

const PRIORITY_FACTOR: Record<Priority, number> = { low: 1.5, normal: 1, high: 0.5, urgent: 0.25 };

/**
 * Parses "email=480,callback=240" into per-type minutes over the defaults.
 * @throws ERR_CONFIG_INVALID naming the bad entry.
 */
export function parseSlaMinutes(spec: string | undefined): Record<TicketType, number> {
  const out = { ...DEFAULT_SLA_MINUTES };
  if (!spec) return out;
  for (const part of spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, value] = part.split('=').map((s) => s.trim());
    const minutes = Number(value);
    if (!TICKET_TYPES.includes(name as TicketType) || !Number.isInteger(minutes) || minutes <= 0) {
      throw new KefuError('ERR_CONFIG_INVALID', `TICKET_SLA_MINUTES entry "${part}" must be <type>=<minutes>`, {
        types: [...TICKET_TYPES],
      });
    }
    out[name as TicketType] = minutes;
  }
  return out;
}

export function createSlaPolicy(calendar: BusinessCalendar, minutes: Record<TicketType, number>): SlaPolicy {
  return {
    dueAt(type, priority, createdAt) {
      const target = Math.max(1, Math.round(minutes[type] * PRIORITY_FACTOR[priority]));
      return WALL_CLOCK_TYPES.has(type) ? createdAt + target * 60_000 : addBusinessMinutes(calendar, createdAt, target);
    },
  };
}
