/**
 * Builders for the bot's recurring messages: the welcome card with the main menu, menu
 * buttons, topic buttons, and a knowledge answer. Buttons are plain `imBack` actions whose text
 * the router recognises in both languages, so they work on every channel; topic buttons are
 * `messageBack` with the topic id in `value` (the text still works where value is dropped).
 */
import { ActionTypes, CardFactory, MessageFactory, type Activity, type CardAction } from 'botbuilder';
import type { Lang, TopicRef } from '../knowledge/types';
import type { KefuMetadata } from './kefu-metadata';
import { localeOf } from './language';
import { MENU_ORDER, strings, type MenuItem } from './strings';

/** `activity.value` of a topic button. */
export interface TopicButtonValue {
  kefuTopic: string;
}

/** `activity.value` of a "was this helpful?" button. */
export interface FeedbackButtonValue {
  kefuFeedback: 'helpful' | 'unhelpful';
  topic: string;
}

/** The "was this helpful?" pair under a knowledge answer. */
export function feedbackActions(lang: Lang, topicId: string): CardAction[] {
  const s = strings(lang);
  return (['helpful', 'unhelpful'] as const).map((kind) => {
    const title = kind === 'helpful' ? s.feedbackHelpful : s.feedbackUnhelpful;
    return {
      type: ActionTypes.MessageBack,
      title,
      text: title,
      displayText: title,
      value: { kefuFeedback: kind, topic: topicId } satisfies FeedbackButtonValue,
    };
  });
}

/** The feedback value of an activity, if it is a press of a feedback button. */
export function feedbackValue(value: unknown): FeedbackButtonValue | undefined {
  const v = value as Partial<FeedbackButtonValue> | undefined;
  if (!v || (v.kefuFeedback !== 'helpful' && v.kefuFeedback !== 'unhelpful')) return undefined;
  return { kefuFeedback: v.kefuFeedback, topic: typeof v.topic === 'string' ? v.topic : '' };
}

/** Suggested actions for main-menu items, in the given language. */
export function menuActions(lang: Lang, items: readonly MenuItem[] = MENU_ORDER): CardAction[] {
  const s = strings(lang);
  return items.map((item) => ({ type: ActionTypes.ImBack, title: s.menu[item], value: s.menu[item] }));
}

/** Suggested actions that open knowledge topics. */
export function topicActions(topics: TopicRef[]): CardAction[] {
  return topics.map((t) => ({
    type: ActionTypes.MessageBack,
    title: t.title,
    text: t.title,
    displayText: t.title,
    value: { kefuTopic: t.id } satisfies TopicButtonValue,
  }));
}

/** The welcome message: an Adaptive Card with the brand and the main menu as suggested actions. */
export function welcomeMessage(lang: Lang, brand: string): Partial<Activity> {
  const s = strings(lang);
  const card = CardFactory.adaptiveCard({
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.3',
    body: [
      { type: 'TextBlock', text: brand, weight: 'Bolder', size: 'Medium', color: 'Accent', wrap: true },
      { type: 'TextBlock', text: s.welcome(brand), wrap: true },
    ],
  });
  const message = MessageFactory.suggestedActions(menuActions(lang), undefined);
  message.attachments = [card];
  message.locale = localeOf(lang);
  message.channelData = { kefu: { intent: 'welcome', lang } satisfies KefuMetadata };
  return message;
}

/** A plain text message in a language. */
export function textMessage(lang: Lang, text: string, actions?: CardAction[]): Partial<Activity> {
  const message =
    actions && actions.length > 0 ? MessageFactory.suggestedActions(actions, text) : MessageFactory.text(text);
  message.locale = localeOf(lang);
  message.textFormat = 'markdown';
  return message;
}
