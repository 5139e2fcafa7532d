/**
 * Rules that recognise turns which are not knowledge questions: a human wanted, a complaint,
 * a trip price, an address change to do now, a status inquiry, small talk, and plainly
 * out-of-scope subjects. They run before retrieval, on normalised text, and are deliberately
 * few and readable: each rule names the customer wording it stands for.
 *
 * Policy decisions documented here (the bot relies on them):
 * - A how-to question wins over an action: 「怎麼申訴」 is the complaint-filing topic, 「我要申訴」
 *   the complaint intent; 「地址要怎麼改」 is the address-change topic, 「我要改地址」 (a request
 *   to act, no question words) is route `address-change` so the bot can start the change flow.
 * - Anger (很爛, 太誇張, 騙我, terrible …) is a complaint whatever else is said.
 * - A ticket number (K-000123) or "my claim/case + progress" is a status inquiry; "how do I
 *   check claim progress" stays the claim-progress-inquiry topic.
 * - Asking whether the bot is a person (你是真人嗎) is small talk, not a handoff.
 * Pure functions; no state.
 */
import type { RoutingIntent } from '../types';

export type RuleIntent = Exclude<RoutingIntent, 'clarify'>;

export interface RuleMatch {
  intent: RuleIntent;
  /** Which rule fired (for kb:explain). */
  rule: string;
}

// ── Shared pieces ───────────────────────────────────────────────────────────────────────────
/** Question or how-to wording: the customer asks about a procedure rather than asking us to act. */
const HOW_TO_ZH = /怎麼|怎樣|如何|要怎|哪裡|哪些|什麼|多久|幾|流程|方式|管道|專線|電話|嗎|\?|可不可以|能不能|是否/;
const HOW_TO_EN = /\b(how|what|which|where|when|can i|could i|is there|do i|does|should)\b|\?/;

// ── Ticket / status ─────────────────────────────────────────────────────────────────────────
const TICKET = /\bk-?\d{6}\b/i;
const STATUS_ZH_MINE = /(我的|我上|我剛|我之前|我前|我們的|我家).{0,12}(進度|到哪|處理到|好了沒|審核結果|結果出來)/;
const STATUS_ZH_BARE = /^(查詢?|查一下)?(案件|理賠|申請)?(進度)(查詢)?$/;
const STATUS_ZH_WHERE = /(理賠|案件|申請|件).{0,6}(到哪了|處理到哪|進度如何|進度怎樣|還沒好|怎麼還沒)/;
const STATUS_EN =
  /\b(status|progress|update|where is|any news)\b.{0,30}\b(my|our)\b.{0,12}\b(claim|case|application|request|ticket)|\b(my|our)\b.{0,12}\b(claim|case|application|request|ticket)\b.{0,20}\b(status|progress|update)\b|\bcheck (on )?my (case|claim|ticket)/;
const HOW_TO_CHECK_ZH = /怎麼查|如何查|要怎麼查|哪裡查|在哪查|可以在|怎麼看|哪裡看/;
const HOW_TO_CHECK_EN = /\b(how (do|can) i|how to|where (can|do) i|(can|could) i (see|check|view|track|follow))\b/;

// ── Handoff ─────────────────────────────────────────────────────────────────────────────────
const HANDOFF_ZH =
  /真人|人工|專員|客服人員|服務人員|找人|轉接|接線生|打給我|打電話給我|打來給我|call我|回電|回撥|聯絡我|跟人講|有人可以|找客服|真的人/;
const HANDOFF_EN =
  /\b(human|real person|live (agent|person|chat)|representative|operator|call me( back)?|callback|call-back|someone (to )?call)\b|\b(talk|speak|chat) (to|with) (a |an |the |some)?(one|body|person|agent|staff|human|real|someone|somebody)/;
const BOT_IDENTITY_ZH = /你是(不是)?(真人|機器人|ai|人工智慧|人類|真的人)|是(真人|機器人)(還是|嗎)|機器人嗎/;
const BOT_IDENTITY_EN = /\bare you (a |an )?(bot|robot|human|real|ai|person|machine)\b/;

// ── Complaint ───────────────────────────────────────────────────────────────────────────────
const ANGER_ZH =
  /很爛|好爛|超爛|爛透|爛公司|太爛|垃圾|太誇張|誇張|騙我|騙人|被騙|騙子|氣死|火大|不爽|生氣|離譜|扯|廢物|什麼爛|態度(很)?差|(超|太|有夠|非常|真的|好|很)差(勁|了|耶|欸)?$|(超|太|有夠|非常)差(勁)?|差勁|無言|受夠|到底在幹嘛|到底在做什麼|在搞什麼|搞什麼鬼|有沒有在做事|什麼態度/;
const ANGER_EN =
  /\b(terrible|awful|ridiculous|outrageous|unacceptable|disgusting|useless|worst|angry|furious|fed up|scammed me|lied to me|cheated|rip-?off)\b/;
const COMPLAINT_WORD_ZH = /投訴|客訴|申訴|抱怨|檢舉/;
const COMPLAINT_WORD_EN = /\bcomplain(t|ts|ing)?\b|\breport (my|your|the) agent\b/;
const COMPLAINT_ACT_ZH = /(我要|我想|要|想|幫我)(去)?(投訴|客訴|申訴|抱怨|檢舉)/;
const COMPLAINT_ACT_EN =
  /\bi (want|would like|need|wish|'d like) to (file |make |lodge |raise |submit )?(a |an |formal )*complain|\bi('m| am) complaining\b|\bthis is a complaint\b/;

// ── Travel quote ────────────────────────────────────────────────────────────────────────────
const TRAVEL_ZH = /旅平險|旅行平安|出國保險|出國險|旅遊保險/;
const TRAVEL_EN = /\btravel (insurance|accident|cover|policy)|\btrip insurance\b/;
const PRICE_ZH = /多少錢|費用|價格|價錢|報價|試算|算一下|算算|保費是|保費要|保費多少|要多少錢|怎麼算價|貴不貴|便宜/;
/** With a trip described (destination + days), a bare 多少 asks for the price too. */
const PRICE_WITH_TRIP_ZH = /多少/;
const PRICE_EN = /\b(how much|price|prices|pricing|cost|costs|quote|quotation|premium for|rate for)\b/;
const DESTINATION_ZH =
  /日本|韓國|大陸|中國|香港|澳門|泰國|越南|新加坡|馬來西亞|菲律賓|印尼|峇里島|印度|馬爾地夫|美國|加拿大|歐洲|英國|法國|德國|義大利|西班牙|瑞士|澳洲|紐西蘭|關島|帛琉|杜拜|埃及|土耳其|北海道|沖繩|東京|大阪|首爾|曼谷|巴黎|倫敦|紐約|金門|馬祖|澎湖|綠島|蘭嶼|國外|出國|環遊/;
const DESTINATION_EN =
  /\b(japan|korea|china|hong kong|macau|thailand|vietnam|singapore|malaysia|philippines|indonesia|bali|india|maldives|usa|us|america|canada|europe|uk|france|germany|italy|spain|australia|new zealand|dubai|egypt|turkey|tokyo|osaka|seoul|bangkok|paris|london)\b/;
const TRIP_LENGTH =
  /\d+\s*(天|日|晚|夜|days?|nights?|weeks?)|[一二兩三四五六七八九十]+\s*(天|日|晚|夜)|\d{1,2}\/\d{1,2}|下(週|周|禮拜|個月)|這(週|周)|明天|後天|next (week|month)/;
/** What the cover includes or how claims work: asked about cover, not about a price. */
const COVER_QUESTION_ZH = /保障|保什麼|包含|包括|有保|有賠|賠什麼|理賠|給付|範圍|項目|內容|不保|除外|條款|有沒有含/;
const COVER_QUESTION_EN = /\b(cover|covers|covered|coverage|include|includes|included|claim|exclusions?)\b/;
const TRIP_TRAVELLERS = /\d+\s*(人|位|個人|people|persons|adults)|兩個大人|老婆|老公|家人|全家|跟.{0,4}去|我們/;

// ── Address change as an action ─────────────────────────────────────────────────────────────
const ADDRESS_ACT_ZH =
  /^(你好|您好|請)?(幫我|我要|我想|想要|麻煩|請幫我)(要)?(改|變更|更改|更新|修改|換)(一下)?(我的)?(通訊)?(地址|住址|電話|手機|email|聯絡資料)(一下)?$/;
const ADDRESS_ACT_EN =
  /^(please )?(i (want|need|would like|'d like) to |help me |can you )?(change|update) my (mailing |postal |home )?(address|phone( number)?|email|contact details)( please)?$/;

// ── Small talk ──────────────────────────────────────────────────────────────────────────────
const SMALLTALK_ZH =
  /^(你好|您好|哈囉|嗨|hi|hello|hey|早安|午安|晚安|早|安安|謝謝|謝啦|感謝|多謝|感恩|謝謝你|謝謝您|掰掰|拜拜|再見|bye|好的|好|ok|嗯|了解|知道了|收到|沒問題|沒事了|不用了|3q|謝囉|感謝您|辛苦了)+(你的幫忙|您的幫忙|幫忙|你|您|喔|哦|啦|囉|呀|啊)*$/;
const SMALLTALK_EN =
  /^(hi|hello|hey|hiya|good (morning|afternoon|evening)|morning|thanks|thank you|thank you so much|thanks a lot|many thanks|cheers|bye|goodbye|see you|ok|okay|great|cool|got it|nice|no thanks|that's all|how are you|thx|ty|tks|thank u|thanks u|tysm)( there| so much| very much| a lot| again| for (your|the) help| everyone)*$/;

// ── Out of scope ────────────────────────────────────────────────────────────────────────────
/** Insurance words: a question holding one is about our business even if other words are unknown. */
export const DOMAIN_ANCHOR_ZH =
  /保單|保費|保險|理賠|要保人|被保險人|受益人|壽險|旅平險|投保|保額|解約|借款|復效|停效|契約|業務員|核保|申訴|詐騙|墊繳|寬限|住院|手術|身故|繳費/;
export const DOMAIN_ANCHOR_EN =
  /\b(polic(y|ies)|premiums?|claims?|insurance|insured|beneficiar(y|ies)|policyholders?|underwriting|surrender|reinstat\w*|payout|agent|cancel\w*|complain\w*|otp|password|scam\w*|fraud|loan|whole life|cover(age)?|hospital\w*|surgery|dividends?)\b/;

/** Other products and other companies: out of scope even when insurance words appear. */
const HARD_OUT_OF_SCOPE_ZH = [
  /車險|汽車險|機車險|強制險|第三責任險|第三人責任險|(汽車|機車)(的)?保險|火險|住宅火災|地震險|產險|寵物險|手機險/,
  /國泰|南山|富邦|新光|台灣人壽|台壽|中國人壽|中壽|三商美邦|全球人壽|凱基|遠雄|安聯|保誠|宏泰|元大人壽|第一金人壽|友邦|法國巴黎|安達|台新人壽|保德信|合作金庫人壽|國寶|朝陽/,
];
const HARD_OUT_OF_SCOPE_EN = [
  /\b(car|auto|motor|vehicle|motorcycle|scooter|fire|home|house|property|pet|phone|renters?) insurance\b|\bcar (accident )?(claim|cover)\b/,
  /\b(cathay|fubon|nan shan|shin kong|taiwan life|china life|kgi|allianz|prudential|aia|metlife|manulife|chubb)\b/,
];

/** Subjects that are not ours: out of scope only when no insurance word appears. */
const OUT_OF_SCOPE_ZH = [
  /天氣|下雨|下雪|氣溫|溫度|會不會冷|會不會熱|颱風假|放假嗎|放颱風/,
  /股票|股價|台積電|收盤|大盤|加權指數|基金淨值|比特幣|虛擬貨幣|匯率|美金多少|外匯|利率多少.*(定存|房貸)/,
  /紅利點數|點數|里程|房貸|車貸|信貸|信用貸款|辦護照|換護照|iphone|電腦|高鐵|台鐵|訂票|機票|信用卡推薦|哪張信用卡|辦信用卡|餐廳|好吃|美食|食譜|煮飯|笑話|唱歌|電影|遊戲|星座|運勢|樂透|彩券|比賽|球賽|天文|翻譯|寫程式|作業/,
];
const OUT_OF_SCOPE_EN = [
  /\b(weather|rain|raining|snow|temperature|forecast)\b/,
  /\b(stock|stocks|share price|bitcoin|crypto|exchange rate|forex|nasdaq|dow jones|tsmc)\b/,
  /\b(restaurant|recipe|cook|cooking|joke|movie|song|game|lottery|horoscope|football|basketball|baseball|who won|translate|homework|pizza)\b/,
  /\b(flight tickets?|plane tickets?|air ?tickets?|airfares?|cheap flights?|best credit cards?|credit card (offers?|deals?|recommendations?))\b/,
];

/** Leading greetings and fillers stripped before retrieval (「你好，我想問…」). */
const LEADING_FILLER_ZH =
  /^(你好|您好|哈囉|嗨|hi|hello|請問一下|請問|不好意思|想請問|我想問|問一下|想問一下|想問)+[，,。!！\s]*/;
const LEADING_FILLER_EN = /^(hi|hello|hey|good (morning|afternoon|evening))[,!.\s]+/;

/** Removes leading greetings so that 「你好 保單可以借錢嗎」 is answered as a question. */
export function stripLeadingFiller(text: string, isZh: boolean): string {
  return text.replace(isZh ? LEADING_FILLER_ZH : LEADING_FILLER_EN, '').trim();
}

/**
 * Applies the routing rules to normalised text (`basicNormalize`: NFKC, lower case).
 * @returns the matched routing intent, or undefined when the turn is a knowledge question.
 */
export function matchRoutingRule(text: string, isZh: boolean): RuleMatch | undefined {
  const t = text.trim();
  const compact = t.replace(/[\s，,。.!！~～?？、]+/g, '');
  const howTo = isZh ? HOW_TO_ZH.test(t) : HOW_TO_EN.test(t);

  if (TICKET.test(t)) return { intent: 'status-inquiry', rule: 'ticket number' };

  if (isZh ? BOT_IDENTITY_ZH.test(compact) : BOT_IDENTITY_EN.test(t)) {
    return { intent: 'smalltalk', rule: 'asks whether the bot is a person' };
  }
  if (isZh ? HANDOFF_ZH.test(t) : HANDOFF_EN.test(t)) return { intent: 'handoff', rule: 'asks for a person' };

  if (isZh ? ANGER_ZH.test(t) : ANGER_EN.test(t)) return { intent: 'complaint', rule: 'anger' };
  if (isZh ? COMPLAINT_ACT_ZH.test(t) && !HOW_TO_ZH.test(t) : COMPLAINT_ACT_EN.test(t)) {
    return { intent: 'complaint', rule: 'wants to complain' };
  }
  if ((isZh ? COMPLAINT_WORD_ZH.test(compact) : COMPLAINT_WORD_EN.test(t)) && !howTo && compact.length <= 8) {
    return { intent: 'complaint', rule: 'complaint word alone' };
  }

  if (isStatusInquiry(t, compact, isZh)) return { intent: 'status-inquiry', rule: 'progress of my case' };

  if (isTravelQuote(t, isZh)) return { intent: 'travel-quote', rule: 'price of a trip' };

  if (isZh ? ADDRESS_ACT_ZH.test(compact) : ADDRESS_ACT_EN.test(t.replace(/[.!]+$/, ''))) {
    return { intent: 'address-change', rule: 'asks to change contact details now' };
  }

  if (isZh ? SMALLTALK_ZH.test(compact) : SMALLTALK_EN.test(t.replace(/[.!,~]+/g, '').trim())) {
    return { intent: 'smalltalk', rule: 'greeting or thanks' };
  }

  for (const re of isZh ? HARD_OUT_OF_SCOPE_ZH : HARD_OUT_OF_SCOPE_EN) {
    if (re.test(t)) return { intent: 'out-of-scope', rule: `other product or company ${re.source.slice(0, 24)}…` };
  }
  if (!hasDomainAnchor(t, isZh)) {
    for (const re of isZh ? OUT_OF_SCOPE_ZH : OUT_OF_SCOPE_EN) {
      if (re.test(t)) return { intent: 'out-of-scope', rule: `out-of-scope subject ${re.source.slice(0, 24)}…` };
    }
  }
  return undefined;
}

/** True when the text holds an insurance word (保單, 理賠, policy, claim …). */
export function hasDomainAnchor(text: string, isZh: boolean): boolean {
  return isZh ? DOMAIN_ANCHOR_ZH.test(text) || DOMAIN_ANCHOR_EN.test(text) : DOMAIN_ANCHOR_EN.test(text);
}

function isStatusInquiry(t: string, compact: string, isZh: boolean): boolean {
  if (isZh) {
    if (HOW_TO_CHECK_ZH.test(t)) return false;
    return STATUS_ZH_BARE.test(compact) || STATUS_ZH_MINE.test(compact) || STATUS_ZH_WHERE.test(compact);
  }
  if (HOW_TO_CHECK_EN.test(t)) return false;
  return STATUS_EN.test(t);
}

function isTravelQuote(t: string, isZh: boolean): boolean {
  if (isZh) {
    const travel = TRAVEL_ZH.test(t);
    const price = PRICE_ZH.test(t);
    const trip = DESTINATION_ZH.test(t) && (TRIP_LENGTH.test(t) || TRIP_TRAVELLERS.test(t));
    if (travel && price) return true;
    // 「我下週去日本5天，旅平險保障什麼」 asks what the cover includes: a knowledge question.
    if (!price && COVER_QUESTION_ZH.test(t)) return false;
    if (trip && (price || PRICE_WITH_TRIP_ZH.test(t) || /保費|保額|保\d|投保|想保|要保|買/.test(t))) return true;
    return travel && trip;
  }
  const travel = TRAVEL_EN.test(t) || /\binsurance\b/.test(t);
  const price = PRICE_EN.test(t);
  const trip = DESTINATION_EN.test(t) || TRIP_LENGTH.test(t);
  if (price && COVER_QUESTION_EN.test(t) && !/\b(how much|price|quote|quotation|cost)\b.{0,40}\b(for|to)\b/.test(t)) {
    return false;
  }
  return TRAVEL_EN.test(t) ? price : travel && price && trip;
}
