/**
 * The travel-quote conversation (旅平險試算與投保) as a pure state machine: given the state and
 * what the user said, it returns the new state, the replies and the `channelData.kefu` report.
 *
 * Why pure: the dialog wrapper (travel-quote-dialog.ts) only turns replies into activities, so
 * every transcript — one-shot requests, slot by slot, corrections, a 9-year-old, an 81-year-old,
 * a 200-day trip, a past date, the application — is tested without botbuilder. No botbuilder
 * type appears here; prices come only from the quote engine (never an LLM).
 *
 * The flow:
 * 1. collect: read the first message, ask only for what is missing (one question at a time,
 *    with suggested answers), accept corrections at any point. A missing sum insured is not
 *    asked: the rate table's default is used and the reply says so and how to change it.
 * 2. quoted: the quote card is shown and reported in `kefu.quote`; the user may still correct
 *    anything (a new quote follows) or apply.
 * 3. apply: per traveller name, national ID/ARC (checksum), birth date (must give the quoted
 *    age); the policyholder (the adult writing, else asked); email; beneficiary (default 法定繼承人);
 *    explicit consent. Then the application port creates the record, the issuance ticket and the
 *    confirmation email, and the reply gives the application number and how to pay.
 * Personal data: IDs are echoed masked (app/mask.ts) and never logged here.
 */
import { mask } from '../../app/mask';
import {
  type ApplicantPerson,
  APPLICATION_PROMPTS,
  applyAnswer,
  applyCorrection,
  type Beneficiary,
  buildQuoteCard,
  DEFAULT_BENEFICIARY,
  formatTwd,
  isExplicitConsent,
  missingSlots,
  parseTravelRequest,
  QUOTE_CARD_ACTIONS,
  RELATION_LABELS,
  quoteTravel,
  type RateTable,
  type RuleFinding,
  type SlotName,
  type TravelApplication,
  type TravelQuote,
  type TravelSlots,
  toQuoteRequest,
  validateField,
  validateTravelApplication,
} from '../../knowledge/travel';
import type { Lang } from '../../knowledge/types';
import type { Json } from '../../storage/port';
import { strings } from '../strings';

/** Creates the application record, the issuance ticket and the confirmation email (a port). */
export interface TravelApplicationPort {
  submit(input: {
    application: TravelApplication;
    quote: TravelQuote;
    lang: Lang;
    conversationId: string;
  }): Promise<{ applicationNumber: string; ticketNumber?: string; paymentInstruction?: string }>;
}

export interface TravelFlowContext {
  lang: Lang;
  /** Today in Asia/Taipei (YYYY-MM-DD). */
  today: string;
  rates: RateTable;
  applications?: TravelApplicationPort;
  conversationId?: string;
  /** How payment is completed, when the port does not say (a link or an instruction). */
  paymentInstruction?: Partial<Record<Lang, string>>;
}

type AppStep =
  | { field: 'name' | 'nationalId' | 'birthDate'; who: number | 'policyholder' }
  | { field: 'email' | 'beneficiary' | 'beneficiaryName' | 'consent' };

interface ApplicationDraft {
  step: AppStep;
  travellers: Partial<ApplicantPerson>[];
  policyholder?: Partial<ApplicantPerson> & { travellerIndex?: number };
  email?: string;
  beneficiary?: Beneficiary;
}

export interface TravelFlowState {
  phase: 'collect' | 'quoted' | 'apply' | 'done';
  slots: TravelSlots;
  asking?: SlotName;
  quote?: TravelQuote;
  app?: ApplicationDraft;
}

export interface FlowReply {
  text: string;
  /** Suggested actions (imBack texts). */
  actions?: string[];
  /** An Adaptive Card to attach. */
  card?: Record<string, unknown>;
}

export interface FlowOutput {
  state: TravelFlowState;
  replies: FlowReply[];
  kefu: { intent: 'travel-quote'; quote?: Json; ticket?: Json };
  /** The dialog ends after these replies. */
  end: boolean;
}

type Bi = Record<Lang, string>;
const T = {
  ask: {
    region: { 'zh-TW': '請問要去哪裡呢？', en: 'Where are you going?' },
    departureDate: {
      'zh-TW': '請問哪一天出發？（例如 12/24、下週五）',
      en: 'When do you leave? (e.g. Dec 24, next Friday)',
    },
    days: {
      'zh-TW': '這趟一共幾天？（出發與回程當天都算，例如 5天4夜 = 5 天）',
      en: 'How many days in total? (departure and return days both count)',
    },
    travellers: { 'zh-TW': '請問有哪幾位要投保？', en: 'Who is travelling and needs cover?' },
    ages: {
      'zh-TW': '請告訴我每位旅客的年齡（例如：我40、老婆38、女兒9歲）。',
      en: 'How old is each traveller? (e.g. me 40, my wife 38, daughter 9)',
    },
    sumInsuredTWD: { 'zh-TW': '保額想要多少？', en: 'What sum insured would you like?' },
  } satisfies Record<SlotName, Bi>,
  actions: {
    region: {
      'zh-TW': ['日本', '韓國', '東南亞', '歐洲', '美國', '國內'],
      en: ['Japan', 'Korea', 'Thailand', 'Europe', 'USA', 'Taiwan'],
    },
    departureDate: { 'zh-TW': ['明天', '這週六', '下週五'], en: ['tomorrow', 'this Saturday', 'next Friday'] },
    days: { 'zh-TW': ['3天', '5天', '7天', '10天'], en: ['3 days', '5 days', '7 days', '10 days'] },
    travellers: { 'zh-TW': ['只有我', '我跟配偶', '全家'], en: ['Just me', 'Me and my spouse', 'My family'] },
    ages: { 'zh-TW': [], en: [] },
    sumInsuredTWD: { 'zh-TW': ['300萬', '500萬', '1000萬'], en: ['NT$3M', 'NT$5M', 'NT$10M'] },
  } satisfies Record<SlotName, Record<Lang, string[]>>,
  unresolved: (phrase: string): Bi => ({
    'zh-TW': `「${phrase}」是哪一天呢？請給我確切的出發日期（例如 12/15）。`,
    en: `Which day is “${phrase}”? Please give the exact departure date (e.g. Dec 15).`,
  }),
  unknownPlace: (p: string): Bi => ({
    'zh-TW': `我不確定「${p}」屬於哪個地區，請告訴我國家或城市（例如 日本、法國）。`,
    en: `I am not sure which region “${p}” is in; please name the country or city.`,
  }),
  defaultSum: (sum: number): Bi => ({
    'zh-TW': `保額先以 ${formatTwd(sum, 'zh-TW')}試算，想改的話直接說「保額改300萬」。`,
    en: `I used a sum insured of ${formatTwd(sum, 'en')}; say “sum insured 3 million” to change it.`,
  }),
  quoteIntro: (q: TravelQuote): Bi => ({
    'zh-TW': `試算好了：${q.request.days} 天、${q.lines.length} 位，總保費 ${formatTwd(q.totalTWD, 'zh-TW')}。要投保請按「我要投保」，也可以直接告訴我要修改什麼。`,
    en: `Here is your quote: ${q.request.days} days, ${q.lines.length} traveller(s), total premium ${formatTwd(q.totalTWD, 'en')}. Press “Apply now”, or tell me what to change.`,
  }),
  cannotQuote: { 'zh-TW': '這樣的條件無法在線上投保：', en: 'This cannot be insured online as it stands:' },
  quoteActions: { 'zh-TW': ['我要投保', '修改條件'], en: ['Apply now', 'Change details'] },
  whatToChange: {
    'zh-TW': '請告訴我要修改什麼，例如「改成7天」、「再加我媽 65歲」、「保額改300萬」、「不要海外突發疾病」。',
    en: 'Tell me what to change, e.g. “make it 7 days”, “add my mom, 65”, “sum insured 3 million”.',
  },
  cancelled: {
    'zh-TW': '好的，已取消旅平險試算。還有其他需要幫忙的嗎？',
    en: 'OK, I have cancelled the travel quote. Anything else I can help with?',
  },
  applyUnavailable: {
    'zh-TW': '線上投保暫時無法受理，我可以為您轉接真人客服完成投保。',
    en: 'Online applications are not available right now; an agent can complete the application with you.',
  },
  applyStart: (n: number): Bi => ({
    'zh-TW': `好的，開始填寫投保資料（共 ${n} 位被保險人）。資料僅用於本次投保。`,
    en: `Let’s fill in the application (${n} insured). Your data is used for this application only.`,
  }),
  travellerPrompt: (i: number, label: string): Bi => ({
    'zh-TW': `第 ${i + 1} 位（${label}）：`,
    en: `Traveller ${i + 1} (${label}): `,
  }),
  policyholderIs: (name: string): Bi => ({
    'zh-TW': `要保人為 ${mask('name', name)}。`,
    en: `The policyholder is ${mask('name', name)}.`,
  }),
  policyholderAsk: {
    'zh-TW': '要保人需為成年人，請提供要保人（付款人）的資料。',
    en: 'The policyholder must be an adult; please give the policyholder’s (payer’s) details.',
  },
  idOk: (id: string): Bi => ({
    'zh-TW': `已收到證號 ${mask('nationalId', id)}。`,
    en: `ID ${mask('nationalId', id)} received.`,
  }),
  beneficiaryActions: { 'zh-TW': ['維持法定繼承人', '指定受益人'], en: ['Keep legal heirs', 'Name a beneficiary'] },
  beneficiaryNameAsk: {
    'zh-TW': '請輸入受益人姓名與關係，例如「王小明 兒子」。',
    en: 'Please give the beneficiary’s name and relation, e.g. “Wang Xiaoming son”.',
  },
  consentActions: { 'zh-TW': ['我同意'], en: ['I agree'] },
  consentText: {
    'zh-TW': '保險條款與個人資料告知事項：本公司依個人資料保護法蒐集您的資料，僅用於核保、保全、理賠與客戶服務。',
    en: 'Policy terms and personal-data notice: we collect your data under the Personal Data Protection Act, for underwriting, policy service, claims and customer service only.',
  },
  submitted: (no: string, email: string, pay: string): Bi => ({
    'zh-TW': `投保申請已送出，申請編號 ${no}。確認信已寄到 ${mask('email', email)}。${pay}`,
    en: `Your application has been sent; application number ${no}. A confirmation has been emailed to ${mask('email', email)}. ${pay}`,
  }),
  defaultPayment: {
    'zh-TW': '保單須於完成付款後才生效，付款方式請依確認信指示以要保人本人信用卡完成。',
    en: 'Cover starts only once payment is completed; please pay with the policyholder’s own credit card as the confirmation email explains.',
  },
  submitFailed: {
    'zh-TW': '抱歉，投保申請暫時無法送出，您的資料沒有遺失。請稍後再試，或轉接真人客服協助。',
    en: 'Sorry, the application could not be sent just now. Please try again later, or talk to an agent.',
  },
};

const CANCEL = /^(?:取消|算了|不用了|不要了|結束|cancel|quit|stop|never ?mind)$/i;
const APPLY = /^(?:我要投保|投保|apply(?: now)?|buy)$/i;
const CHANGE = /^(?:修改條件|修改|change(?: details)?)$/i;
const KEEP = /^(?:維持法定繼承人|維持|法定繼承人|keep(?: legal heirs)?|legal heirs|好|是|yes|ok)$/i;
const NAME_BENEFICIARY = /^(?:指定受益人|name a beneficiary)$/i;

function out(state: TravelFlowState, replies: FlowReply[], extra: Partial<FlowOutput> = {}): FlowOutput {
  return { state, replies, kefu: { intent: 'travel-quote', ...(extra.kefu ?? {}) }, end: extra.end ?? false };
}

/** Starts the flow from the message that led here (may be empty: the menu button). */
export async function startTravelFlow(text: string, ctx: TravelFlowContext): Promise<FlowOutput> {
  const menuTexts = [strings('zh-TW').menu.travelQuote, strings('en').menu.travelQuote];
  const t = menuTexts.includes(text.trim()) ? '' : text;
  const parsed = parseTravelRequest(t, { today: ctx.today, lang: ctx.lang });
  const state: TravelFlowState = { phase: 'collect', slots: parsed.slots };
  return step(state, ctx, parsed.unknown);
}

/** Continues the flow with the user's next message or card button value. */
export async function continueTravelFlow(
  state: TravelFlowState,
  input: { text: string; value?: unknown },
  ctx: TravelFlowContext,
): Promise<FlowOutput> {
  const text = (input.text ?? '').trim();
  const action = (input.value as { action?: string } | undefined)?.action;
  if (CANCEL.test(text)) return out({ ...state, phase: 'done' }, [{ text: T.cancelled[ctx.lang] }], { end: true });
  if (state.phase === 'apply' && state.app) return continueApplication(state, state.app, text, ctx);
  if (state.phase === 'quoted' && (action === QUOTE_CARD_ACTIONS.apply || APPLY.test(text)))
    return startApplication(state, ctx);
  if (state.phase === 'quoted' && (action === QUOTE_CARD_ACTIONS.change || CHANGE.test(text))) {
    return out(state, [{ text: T.whatToChange[ctx.lang] }]);
  }
  const parsed = state.asking
    ? applyAnswer(state.slots, state.asking, text, { today: ctx.today, lang: ctx.lang })
    : applyCorrection(state.slots, text, { today: ctx.today, lang: ctx.lang });
  // Answers like 「只有我」 / "just me" to "who is travelling?".
  if (
    state.asking === 'travellers' &&
    !parsed.changed.includes('travellers') &&
    /只有我|就我|一個人|just me|only me|myself/i.test(text)
  ) {
    parsed.slots.travellers = [{ relation: 'self', age: null }];
  }
  return step({ ...state, phase: 'collect', slots: parsed.slots }, ctx, parsed.unknown);
}

async function step(state: TravelFlowState, ctx: TravelFlowContext, unknown?: string[]): Promise<FlowOutput> {
  const { lang } = ctx;
  const slots = state.slots;
  const missing = missingSlots(slots).filter((s) => s !== 'sumInsuredTWD');
  if (missing.length > 0) {
    const next = missing[0]!;
    let text = T.ask[next][lang];
    if (next === 'region' && unknown && unknown.length > 0) text = T.unknownPlace(unknown[0]!)[lang];
    if (next === 'departureDate' && slots.unresolvedDate) text = T.unresolved(slots.unresolvedDate)[lang];
    const actions = T.actions[next][lang];
    return out({ ...state, asking: next }, [{ text, ...(actions.length > 0 ? { actions } : {}) }]);
  }
  const built = toQuoteRequest(slots, { today: ctx.today, defaultSumInsuredTWD: ctx.rates.defaultSumInsuredTWD });
  if (!built.ok) return out({ ...state, asking: built.missing[0] }, [{ text: T.ask[built.missing[0]!][lang] }]);
  const result = quoteTravel(built.request, ctx.rates);
  if (!result.ok) {
    const next: TravelFlowState = { ...state, phase: 'collect', slots: { ...slots } };
    delete next.asking;
    const actions = fixActions(result.blocking, ctx);
    // A past departure: ask for a new one and read the answer as a date.
    if (result.blocking.some((f) => f.code === 'TRAVEL_DEPARTURE_PAST')) next.asking = 'departureDate';
    const text = [T.cannotQuote[lang], ...result.blocking.map((f) => `- ${f.message[lang]}`)].join('\n');
    return out(next, [{ text, ...(actions.length > 0 ? { actions } : {}) }]);
  }
  const quote = result.quote;
  const replies: FlowReply[] = [];
  let intro = T.quoteIntro(quote)[lang];
  if (built.defaultsUsed.includes('sumInsuredTWD')) intro += `\n${T.defaultSum(quote.request.sumInsuredTWD)[lang]}`;
  replies.push({ text: intro, card: buildQuoteCard(quote, lang), actions: T.quoteActions[lang] });
  const next: TravelFlowState = {
    phase: 'quoted',
    slots: { ...slots, sumInsuredTWD: quote.request.sumInsuredTWD },
    quote,
  };
  return out(next, replies, { kefu: { intent: 'travel-quote', quote: quoteReport(quote) } });
}

/** The `channelData.kefu.quote` value: the normalised request and the premium breakdown. */
export function quoteReport(q: TravelQuote): Json {
  return JSON.parse(
    JSON.stringify({
      request: q.request,
      returnDate: q.returnDate,
      band: q.band,
      lines: q.lines,
      totalTWD: q.totalTWD,
      currency: q.currency,
      notices: q.notices.map((n) => ({ code: n.code, traveller: n.traveller ?? null })),
      validUntil: q.validUntil,
      rateTable: q.rateTable,
    }),
  ) as Json;
}

/** Suggested fixes for blocking findings, as texts the parser understands. */
function fixActions(blocking: RuleFinding[], ctx: TravelFlowContext): string[] {
  const zh = ctx.lang === 'zh-TW';
  const actions: string[] = [];
  for (const f of blocking) {
    const d = f.data ?? {};
    if (f.code === 'TRAVEL_DAYS_OVER_MAX' && typeof d.maxDays === 'number')
      actions.push(zh ? `改成${d.maxDays}天` : `${d.maxDays} days`);
    if (f.code === 'TRAVEL_SUM_OVER_AGE_CAP' && typeof d.maxSumTWD === 'number') {
      actions.push(zh ? `保額改${d.maxSumTWD / 10_000}萬` : `sum insured NT$${d.maxSumTWD / 1_000_000}M`);
    }
    if (f.code === 'TRAVEL_ADDON_NOT_AVAILABLE' && d.addOn === 'overseasIllness')
      actions.push(zh ? '不要海外突發疾病' : 'no overseas illness');
    if (f.code === 'TRAVEL_ADDON_NOT_AVAILABLE' && d.addOn === 'accidentMedical')
      actions.push(zh ? '不要傷害醫療' : 'no accident medical');
    if (f.code === 'TRAVEL_DEPARTURE_PAST') actions.push(...T.actions.departureDate[ctx.lang]);
    if (
      f.code === 'TRAVEL_AGE_OVER_MAX' ||
      f.code === 'TRAVEL_TOO_MANY_TRAVELLERS' ||
      f.code === 'TRAVEL_ALREADY_ABROAD'
    ) {
      actions.push(strings(ctx.lang).menu.handoff);
    }
  }
  return [...new Set(actions)];
}

// ---------------------------------------------------------------------------------------------
// Application

function label(state: TravelFlowState, i: number, lang: Lang): string {
  const line = state.quote!.lines[i]!;
  // Inside a sentence the English label is lower case ("you", "child").
  const rel = lang === 'en' ? RELATION_LABELS[line.relation].en.toLowerCase() : RELATION_LABELS[line.relation][lang];
  return lang === 'zh-TW' ? `${rel}，${line.age}歲` : `${rel}, ${line.age}`;
}

function prompt(state: TravelFlowState, app: ApplicationDraft, lang: Lang): FlowReply {
  const s = app.step;
  if (s.field === 'name' || s.field === 'nationalId' || s.field === 'birthDate') {
    const ask = APPLICATION_PROMPTS[s.field][lang];
    const who =
      s.who === 'policyholder'
        ? lang === 'zh-TW'
          ? '要保人：'
          : 'Policyholder: '
        : T.travellerPrompt(s.who, label(state, s.who, lang))[lang];
    return { text: who + ask };
  }
  if (s.field === 'email') return { text: APPLICATION_PROMPTS.email[lang] };
  if (s.field === 'beneficiary')
    return { text: APPLICATION_PROMPTS.beneficiary[lang], actions: T.beneficiaryActions[lang] };
  if (s.field === 'beneficiaryName') return { text: T.beneficiaryNameAsk[lang] };
  return { text: `${T.consentText[lang]}\n\n${APPLICATION_PROMPTS.consent[lang]}`, actions: T.consentActions[lang] };
}

async function startApplication(state: TravelFlowState, ctx: TravelFlowContext): Promise<FlowOutput> {
  if (!ctx.applications) {
    return out(state, [{ text: T.applyUnavailable[ctx.lang], actions: [strings(ctx.lang).menu.handoff] }]);
  }
  const quote = state.quote!;
  const app: ApplicationDraft = { step: { field: 'name', who: 0 }, travellers: quote.lines.map(() => ({})) };
  const next: TravelFlowState = { ...state, phase: 'apply', app };
  return out(next, [{ text: T.applyStart(quote.lines.length)[ctx.lang] }, prompt(next, app, ctx.lang)]);
}

/** The step after the current one. */
function advance(state: TravelFlowState, app: ApplicationDraft): AppStep | 'policyholder-from-traveller' {
  const s = app.step;
  const n = state.quote!.lines.length;
  if (s.field === 'name' || s.field === 'nationalId')
    return { field: s.field === 'name' ? 'nationalId' : 'birthDate', who: s.who } as AppStep;
  if (s.field === 'birthDate') {
    if (s.who !== 'policyholder' && s.who + 1 < n) return { field: 'name', who: s.who + 1 };
    if (s.who !== 'policyholder') return 'policyholder-from-traveller';
    return { field: 'email' };
  }
  if (s.field === 'email') return { field: 'beneficiary' };
  if (s.field === 'beneficiary' || s.field === 'beneficiaryName') return { field: 'consent' };
  return { field: 'consent' };
}

async function continueApplication(
  state: TravelFlowState,
  draft: ApplicationDraft,
  text: string,
  ctx: TravelFlowContext,
): Promise<FlowOutput> {
  const { lang } = ctx;
  const app: ApplicationDraft = structuredClone(draft);
  const quote = state.quote!;
  const s = app.step;
  const replies: FlowReply[] = [];
  const fail = (message: Record<Lang, string>): FlowOutput =>
    out({ ...state, app }, [{ text: message[lang] }, prompt(state, app, lang)]);

  if (s.field === 'name' || s.field === 'nationalId' || s.field === 'birthDate') {
    if (s.who === 'policyholder' && !app.policyholder) app.policyholder = {};
    const person = s.who === 'policyholder' ? app.policyholder! : app.travellers[s.who]!;
    const opts =
      s.field === 'birthDate' && s.who !== 'policyholder'
        ? { expectedAge: quote.lines[s.who]!.age, departureDate: quote.request.departureDate, today: ctx.today }
        : { today: ctx.today };
    const r = validateField(s.field, text, opts);
    if (!r.ok) return fail(r.problem.message);
    if (s.field === 'nationalId') {
      const dup = app.travellers.some((t, i) => i !== s.who && t.nationalId === r.value);
      if (dup && s.who !== 'policyholder') {
        return fail({
          'zh-TW': '這個證號已經用在另一位旅客，請再確認。',
          en: 'This ID is already used for another traveller; please check.',
        });
      }
      replies.push({ text: T.idOk(r.value)[lang] });
    }
    person[s.field] = r.value;
  } else if (s.field === 'email') {
    const r = validateField('email', text);
    if (!r.ok) return fail(r.problem.message);
    app.email = r.value;
  } else if (s.field === 'beneficiary') {
    if (NAME_BENEFICIARY.test(text)) {
      app.step = { field: 'beneficiaryName' };
      return out({ ...state, app }, [prompt(state, app, lang)]);
    }
    if (!KEEP.test(text)) {
      const named = beneficiaryFrom(text);
      if (!named) return fail(T.beneficiaryNameAsk);
      app.beneficiary = named;
    } else app.beneficiary = DEFAULT_BENEFICIARY;
  } else if (s.field === 'beneficiaryName') {
    const named = beneficiaryFrom(text);
    if (!named) return fail(T.beneficiaryNameAsk);
    app.beneficiary = named;
  } else {
    if (!isExplicitConsent(text)) {
      return fail({
        'zh-TW': '需要您明確回覆「我同意」才能送出投保申請。',
        en: 'We need an explicit “I agree” before the application can be sent.',
      });
    }
    return submit(state, app, ctx);
  }

  const next = advance(state, app);
  if (next === 'policyholder-from-traveller') {
    // The policyholder is the adult writing (本人) when travelling, else the first adult traveller.
    const adults = quote.lines.filter((l) => l.age >= ctx.rates.limits.policyholderMinAge);
    const chosen = adults.find((l) => l.relation === 'self') ?? adults[0];
    if (chosen) {
      const t = app.travellers[chosen.traveller]!;
      app.policyholder = { ...(t as ApplicantPerson), travellerIndex: chosen.traveller };
      replies.push({ text: T.policyholderIs(t.name!)[lang] });
      app.step = { field: 'email' };
    } else {
      replies.push({ text: T.policyholderAsk[lang] });
      app.step = { field: 'name', who: 'policyholder' };
    }
  } else app.step = next;
  const st: TravelFlowState = { ...state, app };
  return out(st, [...replies, prompt(st, app, lang)]);
}

function beneficiaryFrom(text: string): Beneficiary | undefined {
  const parts = text
    .normalize('NFKC')
    .trim()
    .split(/[\s,，、]+/);
  if (parts.length < 2) return undefined;
  const relation = parts.pop()!;
  return { kind: 'named', name: parts.join(' '), relation };
}

async function submit(state: TravelFlowState, app: ApplicationDraft, ctx: TravelFlowContext): Promise<FlowOutput> {
  const { lang } = ctx;
  const quote = state.quote!;
  const checked = validateTravelApplication(
    {
      travellers: app.travellers as ApplicantPerson[],
      policyholder: app.policyholder as ApplicantPerson,
      email: app.email ?? '',
      beneficiary: app.beneficiary ?? DEFAULT_BENEFICIARY,
      consents: { terms: true, personalData: true },
    },
    quote,
    ctx.today,
  );
  if (!checked.ok) {
    // Start again at the first field found wrong (e.g. the policyholder is a minor).
    const first = checked.problems[0]!;
    const m = /^(travellers)\.(\d+)\.(name|nationalId|birthDate)$|^policyholder\.(name|nationalId|birthDate)$/.exec(
      first.field,
    );
    if (m?.[1]) app.step = { field: m[3] as 'name', who: Number(m[2]) };
    else if (m?.[4]) app.step = { field: m[4] as 'name', who: 'policyholder' };
    else if (first.field === 'email') app.step = { field: 'email' };
    const st = { ...state, app };
    return out(st, [{ text: first.message[lang] }, prompt(st, app, lang)]);
  }
  try {
    const res = await ctx.applications!.submit({
      application: checked.application,
      quote,
      lang,
      conversationId: ctx.conversationId ?? '',
    });
    const pay = res.paymentInstruction ?? ctx.paymentInstruction?.[lang] ?? T.defaultPayment[lang];
    const ticket: Json = {
      applicationNumber: res.applicationNumber,
      ...(res.ticketNumber ? { number: res.ticketNumber } : {}),
    };
    return out(
      { ...state, phase: 'done', app },
      [{ text: T.submitted(res.applicationNumber, checked.application.email, pay)[lang] }],
      {
        end: true,
        kefu: { intent: 'travel-quote', quote: quoteReport(quote), ticket },
      },
    );
  } catch {
    return out({ ...state, app }, [
      { text: T.submitFailed[lang], actions: [...T.consentActions[lang], strings(lang).menu.handoff] },
    ]);
  }
}
