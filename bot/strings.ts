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

  // ── Human handoff (轉真人客服) and callback (回電) ──
  /** How an agent is named in the chat: 專員 王小明. */
  agentLabel(name: string): string;
  /** A wait estimate in words (seconds → minutes); undefined = unknown. */
  waitEstimate(seconds: number | undefined): string;
  handoffQueued(ticket: string, position: number, wait: string): string;
  handoffConnecting(ticket: string): string;
  handoffQueueUpdate(position: number, wait: string): string;
  /** An agent was found for a waiting customer and is being connected. */
  handoffAgentFound: string;
  handoffAgentJoined(agent: string): string;
  handoffMessageNoted(position: number): string;
  handoffPhoneNoted(phone: string): string;
  /** Button: stop waiting for an agent. */
  handoffCancelWaiting: string;
  handoffCancelled: string;
  handoffHandedBack(agent: string): string;
  handoffResolved(ticket: string): string;
  handoffAbandoned(callbackTicket: string | undefined): string;
  handoffEnded: string;
  callbackIntroClosed(nextOpening: string): string;
  callbackIntroNoAgent: string;
  callbackAskPhone: string;
  phoneProblem: Record<'empty' | 'format' | 'area-code' | 'foreign', string>;
  callbackAskWindow: string;
  callbackWindows: Record<'morning' | 'afternoon' | 'any', string>;
  callbackWindowInvalid: string;
  callbackConsent: string;
  consentYes: string;
  consentNo: string;
  callbackNoConsent: string;
  /** Button and word that stops the callback questions. */
  callbackCancel: string;
  callbackCancelled: string;
  callbackConfirmed(ticket: string, phone: string, window: string, promise: string): string;
  /** The promise when the desk is closed: 我們將於下一個上班日（11/30 週一）09:00 起回電. */
  callbackPromiseClosed(nextOpening: string): string;
  callbackPromiseOpen: string;
  callbackFailed: string;
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

  agentLabel: (name) => `專員 ${name}`,
  waitEstimate: (seconds) =>
    seconds === undefined ? '請稍候' : `預計等候約 ${Math.max(1, Math.ceil(seconds / 60))} 分鐘`,
  handoffQueued: (ticket, position, wait) =>
    `已為您轉接真人客服（問題單 ${ticket}）。目前您排在第 ${position} 位，${wait}。專員加入前，您輸入的訊息都會轉給專員；若不便等候，也可以留下手機或市話號碼，由專員回電。`,
  handoffConnecting: (ticket) => `已為您轉接真人客服（問題單 ${ticket}），正在為您聯繫專員，請稍候。`,
  handoffQueueUpdate: (position, wait) => `目前您排在第 ${position} 位，${wait}，謝謝您的耐心等候。`,
  handoffAgentFound: '已為您找到專員，正在連線中，請稍候。',
  handoffAgentJoined: (agent) => `${agent} 已加入對話，請直接輸入您的問題。`,
  handoffMessageNoted: (position) =>
    position > 0
      ? `已收到您的訊息，專員加入後會看到。目前您排在第 ${position} 位。`
      : '已收到您的訊息，專員加入後會看到。',
  handoffPhoneNoted: (phone) => `已記下您的電話 ${phone}。若您先離開，專員將回電給您；留在這裡則繼續為您轉接。`,
  handoffCancelWaiting: '取消等候',
  handoffCancelled: '已取消等候真人客服。接下來由智能客服繼續為您服務，有需要可再點選「轉真人客服」。',
  handoffHandedBack: (agent) => `${agent} 已將對話交回智能客服，您可以繼續提問。`,
  handoffResolved: (ticket) => `本次服務已完成（問題單 ${ticket}），謝謝您的來訊！如還有問題，可以繼續詢問智能客服。`,
  handoffAbandoned: (callbackTicket) =>
    callbackTicket
      ? `由於您已離開，我們改為回電服務（問題單 ${callbackTicket}），專員將依您留下的電話與您聯繫。`
      : '由於您已離開，本次轉接已結束。需要時歡迎再點選「轉真人客服」。',
  handoffEnded: '真人客服對話已結束，接下來由智能客服繼續為您服務。',
  callbackIntroClosed: (nextOpening) =>
    `目前不是真人客服的服務時間（${nextOpening}恢復服務）。我可以為您安排專員回電。`,
  callbackIntroNoAgent: '目前沒有專員可以在線上接聽，我可以為您安排專員回電。',
  callbackAskPhone: '請輸入方便聯絡的電話號碼（手機如 0912-345-678，市話請加區碼，如 02-2345-6789）：',
  phoneProblem: {
    empty: '沒有看到電話號碼喔。請輸入手機（09 開頭共 10 碼）或含區碼的市話號碼：',
    format:
      '這個號碼的格式不正確。手機是 09 開頭共 10 碼（如 0912-345-678），市話請加區碼（如 02-2345-6789）。請再輸入一次：',
    'area-code': '這個市話區碼不是台灣的區碼（如 02、03、04、037、049、05、06、07、08、089、082）。請再確認一次：',
    foreign: '抱歉，目前只能回電台灣的電話號碼（手機或市話）。請輸入台灣的號碼：',
  },
  callbackAskWindow: '請問您方便接聽的時段是？',
  callbackWindows: { morning: '上午 09–12', afternoon: '下午 13–17', any: '不限時段' },
  callbackWindowInvalid: '請從下方選擇一個時段：',
  callbackConsent:
    '【個人資料告知】您提供的電話號碼僅用於本次回電服務，我們依個人資料保護法妥善保管，不作其他用途。請問您同意我們以此號碼與您聯絡嗎？',
  consentYes: '同意',
  consentNo: '不同意',
  callbackNoConsent: '了解，沒有您的同意我們不會回電。您也可以在服務時間內再來線上轉接真人客服。',
  callbackCancel: '取消',
  callbackCancelled: '已取消回電申請。還有其他問題都可以再問我。',
  callbackConfirmed: (ticket, phone, window, promise) =>
    `已為您登記回電，參考編號 ${ticket}。電話：${phone}，時段：${window}。${promise}`,
  callbackPromiseClosed: (nextOpening) => `我們將於${nextOpening}回電。`,
  callbackPromiseOpen: '專員將盡快與您聯絡。',
  callbackFailed: '抱歉，回電申請沒有成功送出，請稍後再試，或於服務時間撥打客服專線。',
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

  agentLabel: (name) => `Agent ${name}`,
  waitEstimate: (seconds) =>
    seconds === undefined
      ? 'please hold on'
      : `the estimated wait is about ${Math.max(1, Math.ceil(seconds / 60))} minute${Math.ceil(seconds / 60) > 1 ? 's' : ''}`,
  handoffQueued: (ticket, position, wait) =>
    `I'm transferring you to an agent (ticket ${ticket}). You are number ${position} in the queue; ${wait}. Anything you type until the agent joins is passed on. If you can't wait, leave a mobile or landline number and an agent will call you back.`,
  handoffConnecting: (ticket) =>
    `I'm transferring you to an agent (ticket ${ticket}); connecting you now, please hold on.`,
  handoffQueueUpdate: (position, wait) =>
    `You are now number ${position} in the queue; ${wait}. Thank you for waiting.`,
  handoffAgentFound: 'An agent has been found for you; connecting now, please hold on.',
  handoffAgentJoined: (agent) => `${agent} has joined the conversation. Please go ahead with your question.`,
  handoffMessageNoted: (position) =>
    position > 0
      ? `Got your message; the agent will see it on joining. You are number ${position} in the queue.`
      : 'Got your message; the agent will see it on joining.',
  handoffPhoneNoted: (phone) =>
    `I've noted your number ${phone}. If you leave, an agent will call you back; if you stay, you keep your place in the queue.`,
  handoffCancelWaiting: 'Stop waiting',
  handoffCancelled:
    'You\'ve stopped waiting for an agent. The virtual assistant is here for you again; choose "Talk to an agent" any time.',
  handoffHandedBack: (agent) =>
    `${agent} has handed the conversation back to the virtual assistant; you can keep asking.`,
  handoffResolved: (ticket) =>
    `This conversation is complete (ticket ${ticket}). Thank you! The virtual assistant is here if you have more questions.`,
  handoffAbandoned: (callbackTicket) =>
    callbackTicket
      ? `As you left, we switched to a callback (ticket ${callbackTicket}); an agent will call the number you gave.`
      : 'As you left, this transfer has ended. Choose "Talk to an agent" again any time.',
  handoffEnded: 'The conversation with the agent has ended; the virtual assistant will help you from here.',
  callbackIntroClosed: (nextOpening) =>
    `Our agents are not available right now (back ${nextOpening}). I can arrange for an agent to call you back.`,
  callbackIntroNoAgent: 'No agent can take a live chat right now. I can arrange for an agent to call you back.',
  callbackAskPhone:
    'Please type a phone number we can reach you on (mobile such as 0912-345-678, or a landline with its area code such as 02-2345-6789):',
  phoneProblem: {
    empty:
      "I didn't see a phone number. Please type a mobile number (10 digits starting with 09) or a landline with its area code:",
    format:
      "That number doesn't look right. Mobiles have 10 digits starting with 09 (0912-345-678); landlines need the area code (02-2345-6789). Please try again:",
    'area-code':
      "That area code isn't a Taiwan one (such as 02, 03, 04, 037, 049, 05, 06, 07, 08, 089, 082). Please check the number:",
    foreign: 'Sorry, we can only call Taiwan numbers (mobile or landline). Please type a Taiwan number:',
  },
  callbackAskWindow: 'When is a good time to call you?',
  callbackWindows: { morning: 'Morning 09–12', afternoon: 'Afternoon 13–17', any: 'Any time' },
  callbackWindowInvalid: 'Please choose one of the times below:',
  callbackConsent:
    'Privacy notice: the number you give is used only to call you back about this request and is kept under the Personal Data Protection Act. Do you agree that we call you on this number?',
  consentYes: 'I agree',
  consentNo: "I don't agree",
  callbackNoConsent:
    "Understood; we won't call without your consent. You can chat with an agent online during service hours.",
  callbackCancel: 'Cancel',
  callbackCancelled: 'The callback request is cancelled. Ask me anything else at any time.',
  callbackConfirmed: (ticket, phone, window, promise) =>
    `Your callback is booked, reference ${ticket}. Phone: ${phone}; time: ${window}. ${promise}`,
  callbackPromiseClosed: (nextOpening) => `We will call you back ${nextOpening}.`,
  callbackPromiseOpen: 'An agent will call you as soon as possible.',
  callbackFailed:
    "Sorry, the callback request didn't go through. Please try again later, or call our service line during service hours.",
};

const STRINGS: Readonly<Record<Lang, BotStrings>> = { 'zh-TW': ZH_TW, en: EN };

/** The bot's texts in one language. */
export function strings(lang: Lang): BotStrings {
  return STRINGS[lang];
}

/** All languages the bot speaks (for tests and the menu matcher). */
export const LANGS: readonly Lang[] = ['zh-TW', 'en'];
