/**
 * The one masking function for personal data (個人資料), used by logs, console lists,
 * transcripts, exports and acknowledgements alike (ARCHITECTURE.md decision 7).
 *
 * Conventions (Taiwan PDPA practice):
 * - National ID / ARC (身分證字號, 居留證號): first 6 characters kept, last 4 masked: A12345****.
 * - Mobile / landline: keep the first 4 and last 2 digits: 0912-****78 style → 0912****78.
 * - Policy number: keep the first 3 and last 2 characters.
 * - Address: keep the city/district prefix (up to the first 市/縣 + 區/鄉/鎮/市), mask the rest.
 * - Email: keep the first character of the local part and the domain.
 * `maskText` finds IDs, phones, emails and policy numbers inside free text (a log line, an
 * email body shown in a list) and masks each in place. Unmasking is never done here: full
 * values are read from the record by roles that need them, and each read is audited.
 */

/** Kinds of personal data Kefu masks. */
export type PersonalDataKind = 'nationalId' | 'phone' | 'policyNumber' | 'address' | 'email' | 'name';

const MASK = '*';

/** Masks one value of a known kind. */
export function mask(kind: PersonalDataKind, value: string): string {
  const v = value.trim();
  if (v === '') return v;
  switch (kind) {
    case 'nationalId':
      return v.length <= 6 ? MASK.repeat(v.length) : v.slice(0, 6) + MASK.repeat(v.length - 6);
    case 'phone': {
      const digits = v.replace(/[^\d+]/g, '');
      if (digits.length <= 6) return MASK.repeat(digits.length);
      return digits.slice(0, 4) + MASK.repeat(digits.length - 6) + digits.slice(-2);
    }
    case 'policyNumber':
      return v.length <= 5 ? MASK.repeat(v.length) : v.slice(0, 3) + MASK.repeat(v.length - 5) + v.slice(-2);
    case 'address': {
      const m = /^(.{0,4}?[市縣])(.{0,4}?[區鄉鎮市])?/u.exec(v);
      const keep = m ? m[0] : v.slice(0, Math.min(3, v.length));
      return keep + MASK.repeat(Math.max(4, Math.min(12, v.length - keep.length)));
    }
    case 'email': {
      const at = v.lastIndexOf('@');
      if (at <= 0) return MASK.repeat(v.length);
      return `${v[0]}${MASK.repeat(3)}${v.slice(at)}`;
    }
    case 'name': {
      const chars = [...v];
      if (chars.length <= 1) return MASK;
      if (/^[\p{Script=Han}]+$/u.test(v)) {
        return chars.length === 2 ? `${chars[0]}${MASK}` : `${chars[0]}${MASK.repeat(chars.length - 2)}${chars.at(-1)}`;
      }
      return `${chars[0]}${MASK.repeat(Math.min(6, chars.length - 1))}`;
    }
  }
}

// Patterns for free text. National ID/ARC: a letter, then 1/2 (citizen) or 8/9/A-D (ARC), 8 digits.
const NATIONAL_ID = /\b[A-Z][1289ABCD]\d{8}\b/gi;
// Taiwan mobile (09xx-xxx-xxx, +886 9xx…) and landlines (0x-xxxx-xxxx).
const PHONE = /(?:\+886[-\s]?|\b0)\d{1,3}[-\s]?\d{3,4}[-\s]?\d{3,4}\b/g;
const EMAIL = /\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/g;
// Policy numbers as the sample policy admin issues them: two letters and 8–10 digits.
const POLICY_NUMBER = /\b[A-Z]{2}\d{8,10}\b/g;

/** Masks every national ID, phone number, email and policy number found in free text. */
export function maskText(text: string): string {
  return text
    .replace(NATIONAL_ID, (m) => mask('nationalId', m))
    .replace(EMAIL, (m) => mask('email', m))
    .replace(POLICY_NUMBER, (m) => mask('policyNumber', m))
    .replace(PHONE, (m) => mask('phone', m));
}
