/**
 * Every sentence the bot says, in zh-TW (the default) and English, in one module.
 *
 * Dialogs never hold literal user-facing text: they ask `strings(lang)` for it, so a wording
 * change or a new language touches this file only, and a test can check that both languages
 * define every string. Texts are plain data (no botbuilder types).
 */
import type { Lang } from '../knowledge/types';

/** The main-menu entries offered in the welcome message (suggested actions). */
export type MenuItem = 'faq' | 'travelQuote' | 'addressChange' | 'statusInquiry' | 'complaint' | 'handoff';

/** Order of the buttons under the welcome message. */
export const MENU_ORDER: readonly MenuItem[] = [
  'faq',
  'travelQuote',
  'addressChange',
  'statusInquiry',
  'complaint',
  'handoff',
];

/** Functions that exist as dialogs but are not built yet (each says so honestly). */
export type PendingFeature = 'travelQuote' | 'addressChange' | 'statusInquiry' | 'complaint' | 'handoff';

export interface BotStrings {
  welcome(brand: string): string;
  menu: Record<MenuItem, string>;
  /** Switch the page language (the answer to a locale change). */
  languageSwitched: string;
  faqPrompt: string;
  clarifyPrompt: string;
  relatedPrompt: string;
  featureName: Record<PendingFeature, string>;
  comingSoon(feature: string): string;
  handoffComingSoon: string;
  offerHuman: string;
  /** The "was this helpful?" buttons under a knowledge answer. */
  feedbackHelpful: string;
  feedbackUnhelpful: string;
  feedbackThanks: string;
  /** After a "not helpful": ask to rephrase. */
  feedbackRephrase: string;
  /** After two unhelpful answers in a row: offer a person. */
  feedbackOfferHuman: string;
  smalltalkGreeting: string;
  smalltalkThanks: string;
  outOfScope: string;
  /** The knowledge side had nothing; offered with the menu. */
  notUnderstood: string;
  tooLong(max: number): string;
  rateLimited(windowS: number): string;
  uploadRefused: string;
  turnError(correlationId: string): string;
}

const ZH_TW: BotStrings = {
  welcome: (brand) =>
    `您好，歡迎來到${brand}線上客服！我是智能客服小幫手，可以回答保單、繳費、理賠等常見問題。請直接輸入您的問題，或點選下方選項：`,
  menu: {
    faq: '常見問題',
    travelQuote: '旅平險試算',
    addressChange: '地址變更',
    statusInquiry: '查詢進度',
    complaint: '我要申訴',
    handoff: '轉真人客服',
  },
  languageSwitched: '已切換為中文。',
  faqPrompt: '以下是大家最常問的問題，請點選您想了解的項目，或直接輸入問題：',
  clarifyPrompt: '想確認一下，您想問的是下列哪一項呢？',
  relatedPrompt: '您可能也想了解：',
  featureName: {
    travelQuote: '旅平險線上試算',
    addressChange: '線上地址變更',
    statusInquiry: '線上進度查詢',
    complaint: '線上申訴',
    handoff: '轉接真人客服',
  },
  comingSoon: (feature) => `抱歉，「${feature}」功能即將推出，目前還無法在這裡為您辦理。`,
  handoffComingSoon: '抱歉，線上轉接真人客服的功能即將推出。目前請撥打保單首頁所載的免費客服專線，由服務人員為您處理。',
  offerHuman: '需要的話，我可以為您轉接真人客服。',
  feedbackHelpful: '👍 有幫助',
  feedbackUnhelpful: '👎 沒幫助',
  feedbackThanks: '謝謝您的回饋！還有其他問題都可以再問我。',
  feedbackRephrase: '抱歉沒能幫上忙。可以換個說法描述您的問題，或點選下方選項。',
  feedbackOfferHuman: '很抱歉，我好像一直沒能回答到您的問題。要為您轉接真人客服嗎？',
  smalltalkGreeting: '您好！請問今天有什麼可以為您服務的嗎？',
  smalltalkThanks: '不客氣！還有其他問題都可以再問我喔。',
  outOfScope: '抱歉，這個問題超出我能回答的範圍。我可以協助保單、繳費、理賠、旅平險等相關問題，或為您轉接真人客服。',
  notUnderstood: '抱歉，我不太確定您的意思。可以換個說法，或點選下方選項。',
  tooLong: (max) => `您的訊息太長了（上限 ${max} 個字），請精簡後再傳送一次。`,
  rateLimited: (windowS) => `您傳送訊息的速度有點快，請稍候約 ${windowS} 秒再繼續，謝謝您的耐心。`,
  uploadRefused: '抱歉，線上客服目前無法接收檔案或圖片。如需提供文件，請改用電子郵件或至服務櫃台辦理。',
  turnError: (id) =>
    `非常抱歉，系統剛剛發生問題，沒能處理您的訊息。請再試一次；若問題持續，請告訴客服人員這個代碼：${id}`,
};

const EN: BotStrings = {
  welcome: (brand) =>
    `Hello, welcome to ${brand} online service! I am the virtual assistant and can answer common questions about policies, premiums and claims. Type your question, or choose an option below:`,
  menu: {
    faq: 'FAQ',
    travelQuote: 'Travel insurance quote',
    addressChange: 'Change of address',
    statusInquiry: 'Check progress',
    complaint: 'File a complaint',
    handoff: 'Talk to an agent',
  },
  languageSwitched: 'Switched to English.',
  faqPrompt: 'These are the questions people ask most. Pick one, or type your own question:',
  clarifyPrompt: 'Just to be sure, which of these do you mean?',
  relatedPrompt: 'You may also want to know:',
  featureName: {
    travelQuote: 'Online travel insurance quote',
    addressChange: 'Online change of address',
    statusInquiry: 'Online progress check',
    complaint: 'Online complaint',
    handoff: 'Transfer to an agent',
  },
  comingSoon: (feature) => `Sorry, "${feature}" is coming soon; I can't handle it here yet.`,
  handoffComingSoon:
    'Sorry, transferring you to an agent online is coming soon. For now, please call the toll-free service line printed on the first page of your policy.',
  offerHuman: 'If you like, I can transfer you to a human agent.',
  feedbackHelpful: '👍 Helpful',
  feedbackUnhelpful: '👎 Not helpful',
  feedbackThanks: 'Thank you for the feedback! Ask me anything else at any time.',
  feedbackRephrase: "Sorry I couldn't help. Could you describe your question another way, or choose an option below?",
  feedbackOfferHuman: "I'm sorry I haven't been able to answer your question. Shall I transfer you to a human agent?",
  smalltalkGreeting: 'Hello! How can I help you today?',
  smalltalkThanks: "You're welcome! Ask me anything else at any time.",
  outOfScope:
    "Sorry, that's outside what I can answer. I can help with policies, premiums, claims and travel insurance, or transfer you to an agent.",
  notUnderstood: "Sorry, I'm not sure what you mean. Could you rephrase it, or choose an option below?",
  tooLong: (max) => `Your message is too long (the limit is ${max} characters). Please shorten it and send it again.`,
  rateLimited: (windowS) =>
    `You're sending messages a little fast. Please wait about ${windowS} seconds before continuing. Thank you for your patience.`,
  uploadRefused:
    "Sorry, this chat can't receive files or pictures yet. To send documents, please use email or visit a service counter.",
  turnError: (id) =>
    `I'm very sorry, something went wrong and I couldn't handle your message. Please try again; if it keeps happening, give our staff this code: ${id}`,
};

const STRINGS: Readonly<Record<Lang, BotStrings>> = { 'zh-TW': ZH_TW, en: EN };

/** The bot's texts in one language. */
export function strings(lang: Lang): BotStrings {
  return STRINGS[lang];
}

/** All languages the bot speaks (for tests and the menu matcher). */
export const LANGS: readonly Lang[] = ['zh-TW', 'en'];
