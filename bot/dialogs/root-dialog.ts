/**
 * The root dialog: routes each user message to an intent and answers or starts the intent's
 * dialog. Order of decisions:
 *   1. a topic button (`value.kefuTopic`) → that topic's answer;
 *   2. a main-menu button or its exact text, in either language → the menu item's intent;
 *   3. otherwise the knowledge service decides: answer a topic, ask which topic (clarify),
 *      or route to an intent (dialog intents start their dialog; small talk and out of scope
 *      are answered here).
 * Every path reports `channelData.kefu` through `reportKefu` before it sends.
 */
import { ComponentDialog, type DialogContext, type DialogTurnResult, DialogTurnStatus } from 'botbuilder-dialogs';
import type { KnowledgeDecision, Lang, TopicRef } from '../../knowledge/types';
import { feedbackActions, menuActions, textMessage, topicActions, type TopicButtonValue } from '../messages';
import { LANGS, MENU_ORDER, strings, type MenuItem } from '../strings';
import { reportKefu, setTurnLang, turnLang } from '../turn-state';
import { type BotServices, DIALOG_INTENTS, type DialogIntent, type IntentDialogOptions } from './intent-dialog';
import { INTENT_DIALOGS } from './registry';

export const ROOT_DIALOG = 'kefu-root';

/** Topics offered by the 常見問題 (FAQ) button, when the knowledge service knows them. */
export const FAQ_TOPIC_IDS = [
  'contact-channels-hours',
  'grace-period',
  'policy-loan',
  'claim-time-limits',
  'free-look-cancellation',
  'premium-tax-deduction',
];
const FAQ_MAX_BUTTONS = 5;

const MENU_INTENT: Record<Exclude<MenuItem, 'faq'>, DialogIntent> = {
  travelQuote: 'travel-quote',
  addressChange: 'address-change',
  statusInquiry: 'status-inquiry',
  complaint: 'complaint',
  handoff: 'handoff',
};

/** The main-menu item whose button text (in either language) the message is, if any. */
export function menuItemFromText(text: string): MenuItem | undefined {
  const t = text.trim().toLowerCase();
  if (!t) return undefined;
  for (const lang of LANGS) {
    const menu = strings(lang).menu;
    const hit = MENU_ORDER.find((item) => menu[item].toLowerCase() === t);
    if (hit) return hit;
  }
  return undefined;
}

function topicButtonValue(value: unknown): string | undefined {
  const v = value as Partial<TopicButtonValue> | undefined;
  return v && typeof v.kefuTopic === 'string' ? v.kefuTopic : undefined;
}

const THANKS = /謝|感謝|thank/i;

export class RootDialog extends ComponentDialog {
  constructor(private readonly services: BotServices) {
    super(ROOT_DIALOG);
    for (const intent of DIALOG_INTENTS) {
      const dialog = INTENT_DIALOGS[intent](services);
      if (dialog.id !== intent) throw new Error(`dialog for intent ${intent} has id ${dialog.id}`);
      this.addDialog(dialog);
    }
  }

  protected override async onBeginDialog(inner: DialogContext): Promise<DialogTurnResult> {
    const context = inner.context;
    const lang = turnLang(context);
    const text = (context.activity.text ?? '').trim();

    const topicId = topicButtonValue(context.activity.value);
    const fromButton = topicId ? this.services.knowledge.topicAnswer(topicId, lang) : undefined;
    if (fromButton) return this.answer(inner, fromButton);

    const item = menuItemFromText(text);
    if (item === 'faq') return this.offerFaq(inner, lang);
    if (item) return this.startIntent(inner, MENU_INTENT[item], lang, text);

    if (!text) {
      reportKefu(context, { intent: 'clarify' });
      await context.sendActivity(textMessage(lang, strings(lang).notUnderstood, menuActions(lang)));
      return done();
    }
    const decision = await this.services.knowledge.decide({ text, lang });
    setTurnLang(context, decision.lang);
    return this.answer(inner, decision);
  }

  private async answer(inner: DialogContext, decision: KnowledgeDecision): Promise<DialogTurnResult> {
    const context = inner.context;
    const lang = decision.lang;
    const s = strings(lang);
    switch (decision.kind) {
      case 'answer':
        reportKefu(context, {
          intent: decision.topic.id,
          topic: decision.topic.id,
          confidence: decision.topic.confidence,
        });
        // Title, answer, then "was this helpful?" before the related topics.
        await context.sendActivity(
          textMessage(lang, `**${decision.topic.title}**\n\n${decision.answer}`, [
            ...feedbackActions(lang, decision.topic.id),
            ...topicActions(decision.related.slice(0, 2)),
          ]),
        );
        return done();
      case 'clarify':
        return this.offerTopics(inner, lang, s.clarifyPrompt, decision.candidates);
      case 'route':
        switch (decision.intent) {
          case 'smalltalk':
            reportKefu(context, { intent: 'smalltalk' });
            await context.sendActivity(
              textMessage(
                lang,
                decision.reply ?? (THANKS.test(context.activity.text ?? '') ? s.smalltalkThanks : s.smalltalkGreeting),
                menuActions(lang),
              ),
            );
            return done();
          case 'out-of-scope':
            reportKefu(context, { intent: 'out-of-scope' });
            await context.sendActivity(
              textMessage(lang, decision.reply ?? s.outOfScope, menuActions(lang, ['faq', 'handoff'])),
            );
            return done();
          default:
            return this.startIntent(inner, decision.intent, lang, context.activity.text ?? '');
        }
    }
  }

  private async offerFaq(inner: DialogContext, lang: Lang): Promise<DialogTurnResult> {
    const topics = FAQ_TOPIC_IDS.map((id) => this.services.knowledge.topicAnswer(id, lang))
      .flatMap((d) => (d?.kind === 'answer' ? [d.topic] : []))
      .slice(0, FAQ_MAX_BUTTONS);
    return this.offerTopics(inner, lang, strings(lang).faqPrompt, topics);
  }

  private async offerTopics(
    inner: DialogContext,
    lang: Lang,
    prompt: string,
    topics: TopicRef[],
  ): Promise<DialogTurnResult> {
    reportKefu(inner.context, { intent: 'clarify' });
    const actions = topics.length > 0 ? topicActions(topics) : menuActions(lang);
    await inner.context.sendActivity(textMessage(lang, prompt, actions));
    return done();
  }

  private async startIntent(
    inner: DialogContext,
    intent: DialogIntent,
    lang: Lang,
    text: string,
  ): Promise<DialogTurnResult> {
    reportKefu(inner.context, { intent });
    const options: IntentDialogOptions = { lang, text };
    return inner.beginDialog(intent, options);
  }
}

function done(): DialogTurnResult {
  return { status: DialogTurnStatus.complete };
}
