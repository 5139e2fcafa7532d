/**
 * The ready replies for turns answered on the spot: small talk and the polite decline of
 * out-of-scope questions, which always says what the bot can do. Company values come from the
 * company profile so no insurer's name or number is hard-coded here.
 */
import type { Profile } from '../content/parse-topic';
import type { Lang } from '../types';

/** What kind of small talk the customer made (picks the reply). */
export type SmallTalkKind = 'greeting' | 'thanks' | 'goodbye' | 'bot-identity' | 'ack';

export function smallTalkKind(text: string): SmallTalkKind {
  const t = text.toLowerCase();
  if (/機器人|真人|ai|bot|robot|human|real|person/.test(t)) return 'bot-identity';
  if (/謝|感恩|感謝|thank|thanks|cheers/.test(t)) return 'thanks';
  if (/掰|拜拜|再見|bye|see you|晚安|that's all|不用了|沒事了/.test(t)) return 'goodbye';
  if (/你好|您好|哈囉|嗨|早|午安|hi|hello|hey|morning|afternoon|evening|安安|how are you/.test(t)) return 'greeting';
  return 'ack';
}

export function smallTalkReply(kind: SmallTalkKind, lang: Lang, profile: Profile): string {
  const company = lang === 'zh-TW' ? (profile.company_name_zh ?? '') : (profile.company_name_en ?? 'us');
  if (lang === 'zh-TW') {
    switch (kind) {
      case 'greeting':
        return `您好！我是${company}的線上客服小幫手，可以回答保單變更、繳費、理賠文件、保單借款、旅平險等問題。請直接輸入您想問的事。`;
      case 'thanks':
        return '不客氣！還有其他保單或理賠的問題，隨時問我喔。';
      case 'goodbye':
        return '謝謝您的詢問，祝您順心平安，再見！';
      case 'bot-identity':
        return `我是${company}的線上客服機器人，可以先幫您查保單與理賠的常見問題；需要真人服務時，輸入「轉真人」即可。`;
      default:
        return '好的！還有什麼想問的嗎？';
    }
  }
  switch (kind) {
    case 'greeting':
      return `Hello! I'm the online assistant of ${company}. I can help with policy changes, payments, claim documents, policy loans, travel insurance and more. What would you like to know?`;
    case 'thanks':
      return "You're welcome! Ask me any time if you have another question about your policy or a claim.";
    case 'goodbye':
      return 'Thank you for contacting us. Goodbye and take care!';
    case 'bot-identity':
      return `I'm the online assistant of ${company}, a bot. I can answer common questions about policies and claims; type "agent" any time to talk to a person.`;
    default:
      return 'All right! Anything else I can help with?';
  }
}

export function outOfScopeReply(lang: Lang, profile: Profile): string {
  if (lang === 'zh-TW') {
    return (
      `不好意思，這個問題不在我能回答的範圍（我只處理${profile.company_name_zh ?? '本公司'}保戶的服務，` +
      '不提供天氣、股票、車險或火險等產險、或其他公司商品的資訊）。\n\n' +
      '我可以幫您：保單變更（地址、受益人、要保人）、繳費與寬限期、保單借款與解約、理賠文件與進度、旅平險投保與試算、申訴管道。' +
      `也可以撥 ${profile.hotline ?? ''}（${profile.hotline_hours_zh ?? ''}）或輸入「轉真人」。`
    );
  }
  return (
    `Sorry, that is outside what I can help with: I answer policyholder questions about ${profile.company_name_en ?? 'our'} life insurance only ` +
    "(not weather, stocks, car or fire insurance, or other companies' products).\n\n" +
    'I can help with policy changes (address, beneficiary, policyholder), premiums and the grace period, policy loans and surrender, ' +
    `claim documents and status, travel insurance and quotes, and complaints. You can also call ${profile.hotline ?? ''} (${profile.hotline_hours_en ?? ''}) or type "agent".`
  );
}
