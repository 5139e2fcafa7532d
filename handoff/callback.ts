/**
 * Callback requests (回電), pure: the Taiwan phone numbers a customer may leave, and the time
 * windows they may choose.
 *
 * Why its own module: the chat dialog, the live-chat use cases (a waiting customer who leaves
 * a number) and the console all need the same reading of a phone number, and a number that is
 * accepted must be one an agent can actually dial. What it guarantees:
 * - Mobile numbers: 09 + 8 digits, also written +886 9…, 886 9… or +886-09… (the trunk 0 some
 *   people keep after the country code).
 * - Landlines: an area code of the Taiwan numbering plan and a subscriber number of the length
 *   that area uses (02: 8 digits; 03, 05, 06, 07, 08: 7; 04: 7 or 8; 037, 082, 089: 6; 049: 7;
 *   0826, 0836: 5), optionally with an extension (#123, 分機123, ext. 123).
 * - Spaces, dashes, dots and brackets are ignored; full-width digits are read as digits.
 * - Anything else is refused with a reason the dialog turns into a clear message.
 * No I/O, no clock, no botbuilder.
 */

export type PhoneKind = 'mobile' | 'landline';

export type PhoneProblem =
  /** Nothing that looks like a number. */
  | 'empty'
  /** Digits, but not a Taiwan mobile or landline number (wrong length, unknown prefix). */
  | 'format'
  /** A landline whose area code is not one of Taiwan's. */
  | 'area-code'
  /** A number from another country. */
  | 'foreign';

export type PhoneReading =
  | {
      ok: true;
      kind: PhoneKind;
      /** National format with the trunk 0, digits only (0912345678, 0223456789). */
      national: string;
      /** E.164 (+886912345678). */
      e164: string;
      /** For people: 0912-345-678, 02-2345-6789, 04-2345678. */
      display: string;
      extension?: string;
    }
  | { ok: false; problem: PhoneProblem };

/** Area codes (longest first) and the subscriber lengths each allows. */
const AREA_CODES: ReadonlyArray<readonly [string, readonly number[]]> = [
  ['0836', [5]], // 馬祖
  ['0826', [5]], // 烏坵
  ['089', [6]], // 臺東
  ['082', [6]], // 金門
  ['049', [7]], // 南投
  ['037', [6]], // 苗栗
  ['02', [8]], // 臺北、新北、基隆
  ['03', [7]], // 桃園、新竹、宜蘭、花蓮
  ['04', [7, 8]], // 臺中 (8)、彰化 (7)
  ['05', [7]], // 嘉義、雲林
  ['06', [7]], // 臺南、澎湖
  ['07', [7]], // 高雄
  ['08', [7]], // 屏東
];

const EXTENSION = /(?:#|分機|轉|ext\.?|x)\s*(\d{1,6})\s*$/i;

/**
 * Reads a phone number a customer typed.
 * Never throws: a refusal says why (`problem`).
 */
export function parseTaiwanPhone(input: string): PhoneReading {
  let text = toHalfWidth(input).trim();
  let extension: string | undefined;
  const ext = EXTENSION.exec(text);
  if (ext && /\d/.test(text.slice(0, ext.index))) {
    extension = ext[1];
    text = text.slice(0, ext.index);
  }
  const compact = text.replace(/[\s\-.()（）]/g, '');
  if (!/\d/.test(compact)) return { ok: false, problem: 'empty' };
  if (!/^\+?\d+$/.test(compact)) return { ok: false, problem: 'format' };

  let digits: string;
  if (compact.startsWith('+886') || compact.startsWith('00886')) {
    digits = `0${compact.replace(/^(\+|00)886/, '').replace(/^0/, '')}`;
  } else if (compact.startsWith('+') || compact.startsWith('00')) {
    return { ok: false, problem: 'foreign' };
  } else if (compact.startsWith('886') && compact.length >= 11) {
    digits = `0${compact.slice(3).replace(/^0/, '')}`;
  } else {
    digits = compact;
  }
  if (!digits.startsWith('0')) return { ok: false, problem: 'format' };

  if (digits.startsWith('09')) {
    if (!/^09\d{8}$/.test(digits)) return { ok: false, problem: 'format' };
    if (extension) return { ok: false, problem: 'format' };
    return {
      ok: true,
      kind: 'mobile',
      national: digits,
      e164: `+886${digits.slice(1)}`,
      display: `${digits.slice(0, 4)}-${digits.slice(4, 7)}-${digits.slice(7)}`,
    };
  }

  const area = AREA_CODES.find(([code]) => digits.startsWith(code));
  if (!area) return { ok: false, problem: digits.length >= 9 ? 'area-code' : 'format' };
  const [code, lengths] = area;
  const subscriber = digits.slice(code.length);
  // Subscriber numbers never start with 0 or 1 (those are trunk and service prefixes).
  if (!lengths.includes(subscriber.length) || !/^[2-9]/.test(subscriber)) return { ok: false, problem: 'format' };
  const grouped = subscriber.length === 8 ? `${subscriber.slice(0, 4)}-${subscriber.slice(4)}` : subscriber;
  return {
    ok: true,
    kind: 'landline',
    national: digits,
    e164: `+886${digits.slice(1)}`,
    display: `${code}-${grouped}${extension ? ` #${extension}` : ''}`,
    ...(extension ? { extension } : {}),
  };
}

/** The first Taiwan phone number found in free text (a waiting customer leaving a number), if any. */
export function findTaiwanPhone(text: string): Extract<PhoneReading, { ok: true }> | undefined {
  const candidates = toHalfWidth(text).match(/(?:\+?886|0)[\d\s\-.()]{7,16}\d(?:\s*(?:#|分機|ext\.?)\s*\d{1,6})?/gi);
  for (const c of candidates ?? []) {
    const r = parseTaiwanPhone(c);
    if (r.ok) return r;
  }
  return undefined;
}

/** When the customer would like to be called (suggested in the chat). */
export const CALLBACK_WINDOWS = ['morning', 'afternoon', 'any'] as const;
export type CallbackWindow = (typeof CALLBACK_WINDOWS)[number];

/** Desk-local hours of each window: [from, to) in minutes of the day; `any` = desk hours. */
export const CALLBACK_WINDOW_MINUTES: Readonly<Record<CallbackWindow, readonly [number, number] | undefined>> = {
  morning: [9 * 60, 12 * 60],
  afternoon: [13 * 60, 17 * 60],
  any: undefined,
};

function toHalfWidth(s: string): string {
  return s.replace(/[\uFF01-\uFF5E]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, ' ');
}
