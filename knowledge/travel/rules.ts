/**
 * The underwriting rules of online travel accident insurance (旅平險), each with a stable code
 * and an explanation in zh-TW and English that the bot can show as is.
 *
 * Why separate from pricing: the rules decide whether a trip can be quoted at all (and what the
 * user must be told), the engine only prices what passed. Limits come from the rate table, so the
 * insurer changes them in data (shared/domain topics 27–29 and Appendix A):
 * - trip length: 1 … maxDays (180 overseas, 30 domestic in the sample);
 * - departure not in the past, not more than maxAdvanceDays ahead, and the cover bought before
 *   leaving Taiwan (a user already abroad cannot buy; departing today gets a reminder);
 * - insured ages within the product's range, and lower maximum sums at high ages;
 * - under 15: the death benefit is limited to the funeral-expense cap (保險法107/135), shown as a
 *   notice, not a refusal;
 * - the policyholder (要保人) is an adult;
 * - the sum and add-on amounts are ones the product offers; an add-on only where it is sold, and
 *   not above its share of the sum.
 *
 * Guarantees: pure and deterministic; `checkTravelRules` expects a normalised request
 * (see `normalizeQuoteRequest` in quote.ts) and never throws.
 */
import { diffDays } from './dates';
import type { RateTable } from './rates';
import { addOnOffered } from './rates';
import type { AddOnKind, Bilingual, RuleFinding, TravelQuoteRequest, TravelRuleCode } from './types';

/** NT$ amount as people write it: 500萬 in zh-TW, NT$5,000,000 in English. */
export function formatTwd(amount: number, lang: 'zh-TW' | 'en'): string {
  if (lang === 'zh-TW') {
    if (amount >= 10_000 && amount % 10_000 === 0) return `${amount / 10_000}萬元`;
    return `${amount.toLocaleString('en-US')}元`;
  }
  return `NT$${amount.toLocaleString('en-US')}`;
}

const ADDON_NAMES: Record<AddOnKind, Bilingual> = {
  accidentMedical: { 'zh-TW': '傷害醫療', en: 'accident medical' },
  overseasIllness: { 'zh-TW': '海外突發疾病', en: 'overseas sudden illness' },
};

export function addOnName(kind: AddOnKind): Bilingual {
  return ADDON_NAMES[kind];
}

function finding(
  code: TravelRuleCode,
  severity: 'block' | 'notice',
  message: Bilingual,
  data?: RuleFinding['data'],
  traveller?: number,
): RuleFinding {
  const f: RuleFinding = { code, severity, message };
  if (data) f.data = data;
  if (traveller !== undefined) f.traveller = traveller;
  return f;
}

/**
 * The policyholder's age when known: as given, else the writer's own age when they travel
 * ("self"). When the writer insures others only (「幫我女兒保」), it is unknown here and the
 * application checks the policyholder's birth date instead.
 */
export function policyholderAgeOf(request: TravelQuoteRequest): number | undefined {
  if (request.policyholderAge !== undefined) return request.policyholderAge;
  return request.travellers.find((t) => t.relation === 'self')?.age;
}

/** All rule findings for a normalised request, blocking ones and notices, in a stable order. */
export function checkTravelRules(request: TravelQuoteRequest, rates: RateTable): RuleFinding[] {
  const out: RuleFinding[] = [];
  const L = rates.limits;
  const domestic = request.region === 'domestic';
  const maxDays = domestic ? L.maxDays.domestic : L.maxDays.overseas;

  // Trip length.
  if (request.days < 1) {
    out.push(
      finding('TRAVEL_DAYS_INVALID', 'block', {
        'zh-TW': '旅遊天數至少要 1 天，請確認出發與回程日期。',
        en: 'A trip lasts at least 1 day; please check the departure and return dates.',
      }),
    );
  } else if (request.days > maxDays) {
    out.push(
      finding(
        'TRAVEL_DAYS_OVER_MAX',
        'block',
        domestic
          ? {
              'zh-TW': `國內旅遊每次最長可投保 ${maxDays} 天，這趟是 ${request.days} 天，無法在線上投保。`,
              en: `Domestic trips can be insured for up to ${maxDays} days; this trip is ${request.days} days, so it cannot be insured online.`,
            }
          : {
              'zh-TW': `旅平險每次出國最長可投保 ${maxDays} 天，這趟是 ${request.days} 天。遊學、打工度假等長期停留需要其他保險商品，可以請專人為您說明。`,
              en: `Travel accident insurance covers at most ${maxDays} days per overseas trip; this trip is ${request.days} days. Long stays such as study or working holidays need another product — an agent can help.`,
            },
        { days: request.days, maxDays },
      ),
    );
  }

  // Departure date and buying before leaving Taiwan.
  const ahead = diffDays(request.today, request.departureDate);
  if (request.alreadyAbroad) {
    out.push(
      finding('TRAVEL_ALREADY_ABROAD', 'block', {
        'zh-TW': '旅平險必須在離開臺灣前投保，人在國外時無法線上投保。',
        en: 'Travel accident insurance must be bought before leaving Taiwan; it cannot be bought online once you are abroad.',
      }),
    );
  }
  if (ahead < 0) {
    out.push(
      finding(
        'TRAVEL_DEPARTURE_PAST',
        'block',
        {
          'zh-TW': `出發日 ${request.departureDate} 已經過了，保險只能從未來的時間開始生效，請告訴我新的出發日。`,
          en: `The departure date ${request.departureDate} has passed; cover can only start in the future. Please give a new departure date.`,
        },
        { departureDate: request.departureDate, today: request.today },
      ),
    );
  } else if (ahead === 0) {
    out.push(
      finding('TRAVEL_DEPARTURE_TODAY', 'notice', {
        'zh-TW': '今天出發：請務必在出境前完成投保，保險自保單確認成立後才生效。',
        en: 'Departing today: complete the purchase before you pass exit control; cover starts only once the policy is confirmed.',
      }),
    );
  } else if (ahead > L.maxAdvanceDays) {
    out.push(
      finding(
        'TRAVEL_DEPARTURE_TOO_FAR',
        'block',
        {
          'zh-TW': `線上最早可在出發前 ${L.maxAdvanceDays} 天投保，請在 ${request.departureDate} 前 ${L.maxAdvanceDays} 天內再來投保。`,
          en: `Cover can be bought online at most ${L.maxAdvanceDays} days before departure; please come back within ${L.maxAdvanceDays} days of ${request.departureDate}.`,
        },
        { maxAdvanceDays: L.maxAdvanceDays },
      ),
    );
  }

  // Travellers.
  if (request.travellers.length === 0) {
    out.push(
      finding('TRAVEL_NO_TRAVELLERS', 'block', {
        'zh-TW': '請告訴我有幾位要投保，以及每位的年齡。',
        en: 'Please tell me how many people to insure and their ages.',
      }),
    );
  } else if (request.travellers.length > L.maxTravellers) {
    out.push(
      finding(
        'TRAVEL_TOO_MANY_TRAVELLERS',
        'block',
        {
          'zh-TW': `線上一次最多為 ${L.maxTravellers} 位投保；團體旅遊請洽專人辦理。`,
          en: `Up to ${L.maxTravellers} people can be insured online at once; for a group, please talk to an agent.`,
        },
        { maxTravellers: L.maxTravellers, travellers: request.travellers.length },
      ),
    );
  }

  const sumOffered = rates.base.amountsTWD.includes(request.sumInsuredTWD);
  if (!sumOffered) {
    const amounts = rates.base.amountsTWD;
    out.push(
      finding(
        'TRAVEL_SUM_NOT_OFFERED',
        'block',
        {
          'zh-TW': `保額可選 ${formatTwd(amounts[0]!, 'zh-TW')}到 ${formatTwd(amounts.at(-1)!, 'zh-TW')}（${amounts.map((a) => a / 10_000).join('、')} 萬），${formatTwd(request.sumInsuredTWD, 'zh-TW')}不在選項中。`,
          en: `The sum insured can be ${amounts.map((a) => formatTwd(a, 'en')).join(', ')}; ${formatTwd(request.sumInsuredTWD, 'en')} is not one of them.`,
        },
        { sumInsuredTWD: request.sumInsuredTWD },
      ),
    );
  }

  request.travellers.forEach((t, i) => {
    if (t.age < L.insuredAge.min) {
      out.push(
        finding(
          'TRAVEL_AGE_BELOW_MIN',
          'block',
          {
            'zh-TW': `被保險人需年滿 ${L.insuredAge.min} 歲才能線上投保。`,
            en: `Insured people must be at least ${L.insuredAge.min} to be insured online.`,
          },
          { age: t.age, minAge: L.insuredAge.min },
          i,
        ),
      );
    } else if (t.age > L.insuredAge.max) {
      out.push(
        finding(
          'TRAVEL_AGE_OVER_MAX',
          'block',
          {
            'zh-TW': `這項商品的被保險人年齡上限是 ${L.insuredAge.max} 歲，${t.age} 歲的旅客無法線上投保。可以請專人協助，看看是否有其他商品或管道。`,
            en: `This product insures people up to age ${L.insuredAge.max}; a ${t.age}-year-old traveller cannot be insured online. An agent can check whether another product or channel fits.`,
          },
          { age: t.age, maxAge: L.insuredAge.max },
          i,
        ),
      );
    } else {
      const cap = L.ageSumCaps.find((c) => t.age >= c.minAge && t.age <= c.maxAge);
      if (cap && request.sumInsuredTWD > cap.maxSumTWD) {
        out.push(
          finding(
            'TRAVEL_SUM_OVER_AGE_CAP',
            'block',
            {
              'zh-TW': `${cap.minAge}–${cap.maxAge} 歲的被保險人，保額最高 ${formatTwd(cap.maxSumTWD, 'zh-TW')}（目前是 ${formatTwd(request.sumInsuredTWD, 'zh-TW')}）。要改成 ${formatTwd(cap.maxSumTWD, 'zh-TW')}嗎？`,
              en: `For insured people aged ${cap.minAge}–${cap.maxAge} the sum insured is at most ${formatTwd(cap.maxSumTWD, 'en')} (asked: ${formatTwd(request.sumInsuredTWD, 'en')}). Shall I use ${formatTwd(cap.maxSumTWD, 'en')}?`,
            },
            { age: t.age, maxSumTWD: cap.maxSumTWD },
            i,
          ),
        );
      }
      if (t.age < 15) {
        const capTwd = L.under15.deathCapTWD;
        out.push(
          finding(
            'TRAVEL_UNDER15_DEATH_CAP',
            'notice',
            {
              'zh-TW': `依保險法第107條，未滿15歲的被保險人身故時只給付喪葬費用保險金，上限 ${formatTwd(capTwd, 'zh-TW')}（所有保險公司合計）；失能與醫療保障不受影響。這位旅客的保費已按此計算。`,
              en: `Under Article 107 of the Insurance Act, for an insured person under 15 the death benefit is limited to a funeral-expense benefit of at most ${formatTwd(capTwd, 'en')} (across all insurers); disability and medical cover are unaffected. This traveller's premium reflects the cap.`,
            },
            { age: t.age, deathCapTWD: capTwd },
            i,
          ),
        );
      }
    }
  });

  // Policyholder (要保人).
  const phAge = policyholderAgeOf(request);
  if (phAge !== undefined && phAge < L.policyholderMinAge) {
    out.push(
      finding(
        'TRAVEL_POLICYHOLDER_MINOR',
        'block',
        {
          'zh-TW': `要保人需年滿 ${L.policyholderMinAge} 歲。未成年人出遊，請由父母或法定代理人擔任要保人投保。`,
          en: `The policyholder must be at least ${L.policyholderMinAge}. For a minor's trip, a parent or legal guardian buys the cover as policyholder.`,
        },
        { policyholderAge: phAge, minAge: L.policyholderMinAge },
      ),
    );
  }

  // Add-ons.
  for (const [kind, amount] of Object.entries(request.addOns) as [AddOnKind, number | null][]) {
    const spec = rates.addOns[kind];
    const name = ADDON_NAMES[kind];
    if (!addOnOffered(rates, kind, request.region)) {
      out.push(
        finding(
          'TRAVEL_ADDON_NOT_AVAILABLE',
          'block',
          {
            'zh-TW': `${name['zh-TW']}不適用於這個旅遊地區，要拿掉這項附加保障嗎？`,
            en: `${cap(name.en)} cover is not sold for this destination; shall I remove it?`,
          },
          { addOn: kind },
        ),
      );
      continue;
    }
    if (amount === null || !spec.amountsTWD.includes(amount)) {
      out.push(
        finding(
          'TRAVEL_ADDON_AMOUNT_NOT_OFFERED',
          'block',
          {
            'zh-TW': `${name['zh-TW']}保額可選 ${spec.amountsTWD.map((a) => formatTwd(a, 'zh-TW')).join('、')}。`,
            en: `${cap(name.en)} cover can be ${spec.amountsTWD.map((a) => formatTwd(a, 'en')).join(', ')}.`,
          },
          { addOn: kind, amountTWD: amount },
        ),
      );
      continue;
    }
    if (spec.maxRatioOfSum !== undefined && amount > spec.maxRatioOfSum * request.sumInsuredTWD) {
      const max = Math.floor(spec.maxRatioOfSum * request.sumInsuredTWD);
      out.push(
        finding(
          'TRAVEL_ADDON_OVER_RATIO',
          'block',
          {
            'zh-TW': `${name['zh-TW']}保額不可超過主約保額的 ${Math.round(spec.maxRatioOfSum * 100)}%（最高 ${formatTwd(max, 'zh-TW')}）。`,
            en: `${cap(name.en)} cover may not exceed ${Math.round(spec.maxRatioOfSum * 100)}% of the sum insured (at most ${formatTwd(max, 'en')}).`,
          },
          { addOn: kind, amountTWD: amount, maxTWD: max },
        ),
      );
    }
  }
  return out;
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
