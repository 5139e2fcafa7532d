/**
 * Taiwan national ID (身分證字號) and resident certificate (居留證, ARC/UI number) validation.
 *
 * Why here: identity numbers enter Kefu in several places (the travel-insurance application,
 * the address-change identity check) and must be validated the same way everywhere, where they
 * enter. This module only validates and normalises; it never masks (that is `app/mask.ts`) and
 * never logs the value.
 *
 * Formats accepted (all ten characters, case-insensitive, surrounding spaces ignored):
 * - citizen ID: letter + 1|2 + 8 digits (second character: 1 male, 2 female);
 * - ARC, 2021 format (新式統一證號): letter + 8|9 + 8 digits (8 male, 9 female), same checksum as
 *   the citizen ID;
 * - ARC, old format (舊式居留證號): letter + A|B|C|D + 8 digits; the second letter takes part in
 *   the checksum through the last digit of its letter code (A→0, B→1, C→2, D→3).
 *
 * Checksum (all three formats): the first letter maps to a two-digit code (A=10 … Z=33, with the
 * historic irregular order for I, O, W–Z); code tens × 1 + code units × 9 + the next eight
 * characters' values × 8,7,…,1 + the last digit × 1 must be divisible by 10.
 *
 * Guarantees: pure, no I/O; `checkNationalId` never throws and returns a stable reason code with
 * a zh-TW and an English message when the value is refused.
 */

/** A message in both languages Kefu answers in. */
export interface BilingualText {
  'zh-TW': string;
  en: string;
}

export type NationalIdKind = 'citizen' | 'arc-new' | 'arc-old';

/** Why a value was refused: empty, wrong shape, a second character no format allows, or a bad checksum. */
export type NationalIdProblem = 'empty' | 'format' | 'second-char' | 'checksum';

export type NationalIdCheck =
  | { ok: true; kind: NationalIdKind; normalized: string; sex: 'male' | 'female' | 'unknown' }
  | { ok: false; problem: NationalIdProblem; message: BilingualText };

/** First-letter codes: the official table (note I=34, O=35, W=32, X=30, Y=31, Z=33). */
const LETTER_CODES: Readonly<Record<string, number>> = {
  A: 10,
  B: 11,
  C: 12,
  D: 13,
  E: 14,
  F: 15,
  G: 16,
  H: 17,
  I: 34,
  J: 18,
  K: 19,
  L: 20,
  M: 21,
  N: 22,
  O: 35,
  P: 23,
  Q: 24,
  R: 25,
  S: 26,
  T: 27,
  U: 28,
  V: 29,
  W: 32,
  X: 30,
  Y: 31,
  Z: 33,
};

const SHAPE = /^[A-Z][0-9A-Z]\d{8}$/;

const MESSAGES: Readonly<Record<NationalIdProblem, BilingualText>> = {
  empty: { 'zh-TW': '請輸入身分證字號或居留證號。', en: 'Please enter a national ID or resident certificate number.' },
  format: {
    'zh-TW':
      '身分證字號格式應為 1 個英文字母加 9 個數字（例如 A123456789）；居留證號為 2 個英文字母加 8 個數字，或 1 個英文字母加 9 個數字。',
    en: 'A national ID is one letter and nine digits (e.g. A123456789); a resident certificate number is two letters and eight digits, or one letter and nine digits.',
  },
  'second-char': {
    'zh-TW': '第 2 碼不正確：身分證字號為 1 或 2，新式居留證號為 8 或 9，舊式居留證號為 A–D。',
    en: 'The second character is not valid: 1 or 2 for a national ID, 8 or 9 for a new resident certificate number, A–D for an old one.',
  },
  checksum: {
    'zh-TW': '這組號碼的檢查碼不符，請再核對一次是否有打錯。',
    en: 'The check digit does not match; please check the number for a typo.',
  },
};

/** Normalises user input: trims, removes inner spaces and hyphens, upper-cases, full-width → half-width. */
export function normalizeNationalId(value: string): string {
  return value.normalize('NFKC').replace(/[\s-]/g, '').toUpperCase();
}

/**
 * Validates a citizen ID or ARC number.
 * Never throws: a refused value gives `{ ok: false, problem, message }`.
 */
export function checkNationalId(value: string): NationalIdCheck {
  const v = normalizeNationalId(value);
  if (v === '') return refuse('empty');
  if (!SHAPE.test(v)) return refuse('format');
  const first = LETTER_CODES[v[0]!]!;
  const second = v[1]!;
  let kind: NationalIdKind;
  let secondValue: number;
  let sex: 'male' | 'female' | 'unknown';
  if (second === '1' || second === '2') {
    kind = 'citizen';
    secondValue = Number(second);
    sex = second === '1' ? 'male' : 'female';
  } else if (second === '8' || second === '9') {
    kind = 'arc-new';
    secondValue = Number(second);
    sex = second === '8' ? 'male' : 'female';
  } else if (second >= 'A' && second <= 'D') {
    kind = 'arc-old';
    secondValue = LETTER_CODES[second]! % 10;
    // Old ARC: A/C male, B/D female (A, B: Taiwan-area; C, D: other), by the issuing rule.
    sex = second === 'A' || second === 'C' ? 'male' : 'female';
  } else {
    return refuse('second-char');
  }
  let sum = Math.floor(first / 10) + (first % 10) * 9 + secondValue * 8;
  for (let i = 2; i <= 8; i++) sum += Number(v[i]) * (9 - i);
  sum += Number(v[9]);
  if (sum % 10 !== 0) return refuse('checksum');
  return { ok: true, kind, normalized: v, sex };
}

/** True when `value` is a valid citizen ID or ARC number (any of the three formats). */
export function isValidNationalId(value: string): boolean {
  return checkNationalId(value).ok;
}

function refuse(problem: NationalIdProblem): NationalIdCheck {
  return { ok: false, problem, message: MESSAGES[problem] };
}
