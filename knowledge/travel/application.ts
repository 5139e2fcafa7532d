/**
 * The travel insurance application (投保申請) after a quote: which fields to collect and how to
 * validate them, with zh-TW/English messages the dialog shows as is.
 *
 * Why pure: the dialog collects field by field and calls `validateField` on each answer; the
 * whole application is checked once more with `validateTravelApplication` before a record and an
 * issuance ticket are created elsewhere (ports, not here). Guarantees:
 * - every traveller has a name, a checksum-valid national ID or ARC (`app/national-id.ts`), and a
 *   birth date that gives exactly the age the quote used (age in full years on departure);
 * - no two travellers share an ID;
 * - the policyholder (要保人) is an adult on the day of application and has a valid ID;
 * - the beneficiary defaults to the legal heirs (法定繼承人);
 * - there is a confirmation email, and explicit consent to the terms and the personal-data notice
 *   (個資告知) — anything but an explicit yes is a refusal.
 * Full ID numbers stay inside the record; show them with `mask('nationalId', …)` (app/mask.ts).
 */
import { checkNationalId } from '../../app/national-id';
import { ageOn, diffDays, isIsoDate } from './dates';
import type { Bilingual, TravelQuote } from './types';

export interface ApplicantPerson {
  name: string;
  nationalId: string;
  birthDate: string;
}

export type Beneficiary = { kind: 'legal-heirs' } | { kind: 'named'; name: string; relation: string };

export const DEFAULT_BENEFICIARY: Beneficiary = { kind: 'legal-heirs' };

export interface TravelApplication {
  /** One per quote line, same order. */
  travellers: ApplicantPerson[];
  /** The policyholder; `travellerIndex` when the policyholder is one of the travellers. */
  policyholder: ApplicantPerson & { travellerIndex?: number };
  beneficiary: Beneficiary;
  email: string;
  consents: { terms: boolean; personalData: boolean };
}

export type ApplicationField = 'name' | 'nationalId' | 'birthDate' | 'email' | 'beneficiary' | 'consent';

export interface FieldProblem {
  /** A path such as `travellers.1.birthDate`, `policyholder.nationalId`, `email`, `consents.terms`. */
  field: string;
  code:
    | 'APP_NAME_INVALID'
    | 'APP_ID_INVALID'
    | 'APP_ID_DUPLICATE'
    | 'APP_BIRTHDATE_INVALID'
    | 'APP_BIRTHDATE_AGE_MISMATCH'
    | 'APP_POLICYHOLDER_MINOR'
    | 'APP_EMAIL_INVALID'
    | 'APP_BENEFICIARY_INVALID'
    | 'APP_CONSENT_MISSING'
    | 'APP_TRAVELLER_COUNT';
  message: Bilingual;
}

/** Questions the dialog asks, per field. */
export const APPLICATION_PROMPTS: Record<ApplicationField, Bilingual> = {
  name: {
    'zh-TW': '請輸入被保險人的姓名（與證件相同）。',
    en: 'Please enter the insured person’s name (as on their ID).',
  },
  nationalId: {
    'zh-TW': '請輸入身分證字號或居留證號。',
    en: 'Please enter the national ID or resident certificate (ARC) number.',
  },
  birthDate: {
    'zh-TW': '請輸入出生日期（例如 1986-02-14）。',
    en: 'Please enter the date of birth (e.g. 1986-02-14).',
  },
  email: { 'zh-TW': '投保確認信要寄到哪個 Email？', en: 'Which email address should the confirmation go to?' },
  beneficiary: {
    'zh-TW': '身故受益人預設為「法定繼承人」，要維持嗎？',
    en: 'The death beneficiary is “legal heirs” by default. Keep it?',
  },
  consent: {
    'zh-TW': '請閱讀保險條款與個人資料告知事項，同意請回覆「我同意」。',
    en: 'Please read the policy terms and the personal-data notice, and reply “I agree” to consent.',
  },
};

const NAME = /^(?:[\p{Script=Han}·．]{2,20}|[A-Za-z][A-Za-z .,'-]{1,59})$/u;
const EMAIL = /^[^\s@<>()]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/;
const YES = /^(?:我同意|同意|好|是|yes|i agree|agree|ok)$/i;

function problem(field: string, code: FieldProblem['code'], message: Bilingual): FieldProblem {
  return { field, code, message };
}

/** Parses a birth date as people type it: 1986-02-14, 1986/2/14, 民國75年2月14日 / 75/2/14 (ROC year). */
export function parseBirthDate(input: string): string | undefined {
  const s = input.normalize('NFKC').trim();
  const m = /^(?:民國)?\s*(\d{2,4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/.exec(s);
  if (!m) return undefined;
  let y = Number(m[1]);
  if (m[1]!.length <= 3) y += 1911;
  const iso = `${y}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`;
  return isIsoDate(iso) ? iso : undefined;
}

/** True when the text is an explicit consent («我同意», "I agree"). */
export function isExplicitConsent(text: string): boolean {
  return YES.test(
    text
      .normalize('NFKC')
      .trim()
      .replace(/[。.!！]$/, ''),
  );
}

/**
 * Validates one answer. `expectedAge` and `departureDate` are needed for a traveller's birth date.
 * Returns the normalised value, or a problem with a bilingual message.
 */
export function validateField(
  field: ApplicationField,
  input: string,
  opts: { path?: string; expectedAge?: number; departureDate?: string; today?: string } = {},
): { ok: true; value: string } | { ok: false; problem: FieldProblem } {
  const path = opts.path ?? field;
  const v = input.normalize('NFKC').trim();
  switch (field) {
    case 'name':
      return NAME.test(v)
        ? { ok: true, value: v }
        : {
            ok: false,
            problem: problem(path, 'APP_NAME_INVALID', {
              'zh-TW': '姓名請填寫與證件相同的中文或英文姓名。',
              en: 'Please give the name as on the ID, in Chinese or Latin letters.',
            }),
          };
    case 'nationalId': {
      const c = checkNationalId(v);
      return c.ok
        ? { ok: true, value: c.normalized }
        : { ok: false, problem: problem(path, 'APP_ID_INVALID', c.message) };
    }
    case 'birthDate': {
      const d = parseBirthDate(v);
      const ref = opts.today ?? opts.departureDate;
      if (!d || (ref && diffDays(d, ref) < 0)) {
        return {
          ok: false,
          problem: problem(path, 'APP_BIRTHDATE_INVALID', {
            'zh-TW': '出生日期格式不正確，請用 1986-02-14 或 民國75年2月14日 的格式。',
            en: 'That date of birth is not valid; please write it like 1986-02-14.',
          }),
        };
      }
      if (opts.expectedAge !== undefined && opts.departureDate) {
        const age = ageOn(d, opts.departureDate);
        if (age !== opts.expectedAge) {
          return {
            ok: false,
            problem: problem(path, 'APP_BIRTHDATE_AGE_MISMATCH', {
              'zh-TW': `依這個出生日期，出發當天是 ${age} 歲，但試算用的是 ${opts.expectedAge} 歲。請確認出生日期，或回頭修改年齡重新試算。`,
              en: `By this date of birth the traveller is ${age} on departure, but the quote used ${opts.expectedAge}. Please check the date, or change the age and re-quote.`,
            }),
          };
        }
      }
      return { ok: true, value: d };
    }
    case 'email':
      return EMAIL.test(v)
        ? { ok: true, value: v }
        : {
            ok: false,
            problem: problem(path, 'APP_EMAIL_INVALID', {
              'zh-TW': 'Email 格式不正確，請再確認一次。',
              en: 'That email address does not look right; please check it.',
            }),
          };
    case 'beneficiary':
      return v.length > 0
        ? { ok: true, value: v }
        : {
            ok: false,
            problem: problem(path, 'APP_BENEFICIARY_INVALID', {
              'zh-TW': '請提供受益人姓名與關係，或維持法定繼承人。',
              en: 'Please give the beneficiary’s name and relation, or keep legal heirs.',
            }),
          };
    case 'consent':
      return isExplicitConsent(v)
        ? { ok: true, value: 'yes' }
        : {
            ok: false,
            problem: problem(path, 'APP_CONSENT_MISSING', {
              'zh-TW': '需要您明確回覆「我同意」才能送出投保申請。',
              en: 'We need an explicit “I agree” before the application can be sent.',
            }),
          };
  }
}

/**
 * Checks a whole application against the quote it follows. `today` is the application date
 * (Asia/Taipei). Returns every problem found, or the application with the default beneficiary
 * filled in and IDs normalised.
 */
export function validateTravelApplication(
  app: Omit<TravelApplication, 'beneficiary'> & { beneficiary?: Beneficiary },
  quote: TravelQuote,
  today: string,
): { ok: true; application: TravelApplication } | { ok: false; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const dep = quote.request.departureDate;
  const travellers: ApplicantPerson[] = [];
  if (app.travellers.length !== quote.lines.length) {
    problems.push(
      problem('travellers', 'APP_TRAVELLER_COUNT', {
        'zh-TW': `試算是 ${quote.lines.length} 位旅客，申請資料有 ${app.travellers.length} 位。`,
        en: `The quote is for ${quote.lines.length} travellers; the application has ${app.travellers.length}.`,
      }),
    );
  }
  const collect = (p: ApplicantPerson, base: string, expectedAge?: number): ApplicantPerson => {
    const out = { ...p };
    const name = validateField('name', p.name, { path: `${base}.name` });
    if (!name.ok) problems.push(name.problem);
    else out.name = name.value;
    const id = validateField('nationalId', p.nationalId, { path: `${base}.nationalId` });
    if (!id.ok) problems.push(id.problem);
    else out.nationalId = id.value;
    const bd = validateField('birthDate', p.birthDate, {
      path: `${base}.birthDate`,
      departureDate: dep,
      today,
      ...(expectedAge !== undefined ? { expectedAge } : {}),
    });
    if (!bd.ok) problems.push(bd.problem);
    else out.birthDate = bd.value;
    return out;
  };
  app.travellers.forEach((t, i) => {
    travellers.push(collect(t, `travellers.${i}`, quote.lines[i]?.age));
  });
  const seen = new Map<string, number>();
  travellers.forEach((t, i) => {
    const prev = seen.get(t.nationalId);
    if (prev !== undefined) {
      problems.push(
        problem(`travellers.${i}.nationalId`, 'APP_ID_DUPLICATE', {
          'zh-TW': `第 ${i + 1} 位與第 ${prev + 1} 位的證號相同，請再確認。`,
          en: `Travellers ${prev + 1} and ${i + 1} have the same ID number; please check.`,
        }),
      );
    } else seen.set(t.nationalId, i);
  });
  const policyholder = {
    ...collect(app.policyholder, 'policyholder'),
    ...(app.policyholder.travellerIndex !== undefined ? { travellerIndex: app.policyholder.travellerIndex } : {}),
  };
  if (isIsoDate(policyholder.birthDate) && ageOn(policyholder.birthDate, today) < 18) {
    problems.push(
      problem('policyholder.birthDate', 'APP_POLICYHOLDER_MINOR', {
        'zh-TW': '要保人需年滿 18 歲，請由成年家人擔任要保人。',
        en: 'The policyholder must be at least 18; an adult family member can be the policyholder.',
      }),
    );
  }
  const email = validateField('email', app.email);
  if (!email.ok) problems.push(email.problem);
  const beneficiary = app.beneficiary ?? DEFAULT_BENEFICIARY;
  if (beneficiary.kind === 'named' && (!NAME.test(beneficiary.name.trim()) || beneficiary.relation.trim() === '')) {
    problems.push(
      problem('beneficiary', 'APP_BENEFICIARY_INVALID', {
        'zh-TW': '請提供受益人姓名與關係，或維持法定繼承人。',
        en: 'Please give the beneficiary’s name and relation, or keep legal heirs.',
      }),
    );
  }
  if (app.consents.terms !== true)
    problems.push(
      problem('consents.terms', 'APP_CONSENT_MISSING', {
        'zh-TW': '需要您同意保險條款。',
        en: 'Your consent to the policy terms is needed.',
      }),
    );
  if (app.consents.personalData !== true)
    problems.push(
      problem('consents.personalData', 'APP_CONSENT_MISSING', {
        'zh-TW': '需要您同意個人資料告知事項。',
        en: 'Your consent to the personal-data notice is needed.',
      }),
    );
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    application: {
      travellers,
      policyholder,
      beneficiary,
      email: email.ok ? email.value : app.email,
      consents: { terms: true, personalData: true },
    },
  };
}
