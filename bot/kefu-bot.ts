/**
 * The Kefu bot: one ActivityHandler behind every channel (self-hosted Direct Line and
 * POST /api/messages). It keeps per-conversation language and dialog state in the storage
 * port (so a conversation continues after a restart and on another instance), welcomes a
 * new conversation once with the main menu, shows typing while it works, and runs the root
 * dialog. A main-menu button pressed in the middle of a dialog starts that item afresh.
 *
 * Locale event: the page sends `{ type: 'event', name: 'kefu/locale', value: 'en' | 'zh-TW' }`
 * when the user switches language; the bot answers with the welcome in that language.
 */
import {
  ActivityHandler,
  ActivityTypes,
  type ConversationState,
  type StatePropertyAccessor,
  type TurnContext,
  type UserState,
} from 'botbuilder';
import { type DialogState, DialogSet, DialogTurnStatus } from 'botbuilder-dialogs';
import { type FeedbackEvent, type FeedbackState, nextFeedbackState } from '../knowledge/policy/feedback';
import type { Lang } from '../knowledge/types';
import type { BotServices } from './dialogs/intent-dialog';
import { menuItemFromText, ROOT_DIALOG, RootDialog } from './dialogs/root-dialog';
import { langFromLocale, resolveLang } from './language';
import { feedbackValue, menuActions, textMessage, welcomeMessage } from './messages';
import { strings } from './strings';
import { reportedKefu, reportKefu, setTurnLang } from './turn-state';

/** Name of the event the page sends when the user switches language. */
export const LOCALE_EVENT = 'kefu/locale';

/** What the bot remembers per conversation besides the dialog stack. */
export interface ConversationProfile {
  lang?: Lang;
  welcomed?: boolean;
  /** Unhelpful answers in a row (two → offer a person). */
  feedback?: FeedbackState;
}

export class KefuBot extends ActivityHandler {
  private readonly dialogState: StatePropertyAccessor<DialogState>;
  private readonly profile: StatePropertyAccessor<ConversationProfile>;
  private readonly dialogs: DialogSet;

  constructor(
    private readonly services: BotServices,
    private readonly conversationState: ConversationState,
    private readonly userState: UserState,
  ) {
    super();
    this.dialogState = conversationState.createProperty<DialogState>('dialogState');
    this.profile = conversationState.createProperty<ConversationProfile>('kefuProfile');
    this.dialogs = new DialogSet(this.dialogState);
    this.dialogs.add(new RootDialog(services));

    this.onMembersAdded(async (context, next) => {
      const others = (context.activity.membersAdded ?? []).filter((m) => m.id !== context.activity.recipient?.id);
      if (others.length > 0) await this.welcome(context, false);
      await next();
    });

    this.onMessage(async (context, next) => {
      await context.sendActivity({ type: ActivityTypes.Typing });
      await this.runDialogs(context);
      await next();
    });

    this.onEvent(async (context, next) => {
      if (context.activity.name === LOCALE_EVENT) {
        const lang = langFromLocale(String(context.activity.value ?? '')) ?? langFromLocale(context.activity.locale);
        if (lang) {
          const profile = await this.profile.get(context, {});
          profile.lang = lang;
          await this.welcome(context, true, lang);
        }
      }
      await next();
    });
  }

  /** Saves state after every turn, also when a handler threw (the error handler clears it). */
  override async run(context: TurnContext): Promise<void> {
    await super.run(context);
    await this.conversationState.saveChanges(context, false);
    await this.userState.saveChanges(context, false);
  }

  private async welcome(context: TurnContext, force: boolean, lang?: Lang): Promise<void> {
    const profile = await this.profile.get(context, {});
    if (profile.welcomed && !force) return;
    profile.welcomed = true;
    const chosen = lang ?? profile.lang ?? resolveLang({ locale: context.activity.locale });
    profile.lang = chosen;
    setTurnLang(context, chosen);
    reportKefu(context, { intent: 'welcome' });
    await context.sendActivity(welcomeMessage(chosen, this.services.brand[chosen]));
  }

  private async runDialogs(context: TurnContext): Promise<void> {
    const profile = await this.profile.get(context, {});
    const lang = resolveLang({ text: context.activity.text, locale: context.activity.locale, previous: profile.lang });
    profile.lang = lang;
    setTurnLang(context, lang);

    const rating = feedbackValue(context.activity.value);
    if (rating) {
      await this.onFeedback(context, profile, lang, rating.kefuFeedback, rating.topic);
      return;
    }

    const dc = await this.dialogs.createContext(context);
    // A main-menu button always wins over whatever dialog is running.
    if (menuItemFromText(context.activity.text ?? '') && dc.activeDialog) await dc.cancelAllDialogs();
    const active = dc.child?.activeDialog?.id;
    if (active) reportKefu(context, { intent: active });
    const result = await dc.continueDialog();
    if (result.status === DialogTurnStatus.empty) await dc.beginDialog(ROOT_DIALOG);

    // "We could not help" counts like a "not helpful" press; a handoff resets the count.
    const intent = reportedKefu(context).intent;
    const event: FeedbackEvent | undefined =
      intent === 'out-of-scope' ? 'out-of-scope' : intent === 'handoff' ? 'handoff' : undefined;
    if (event) {
      const next = nextFeedbackState(profile.feedback, event);
      profile.feedback = next.state;
      if (next.offerHuman) await this.offerHuman(context, lang);
    }
  }

  /** A "was this helpful?" press: thank, ask to rephrase, or after two misses offer a person. */
  private async onFeedback(
    context: TurnContext,
    profile: ConversationProfile,
    lang: Lang,
    rating: 'helpful' | 'unhelpful',
    topic: string,
  ): Promise<void> {
    const next = nextFeedbackState(profile.feedback, rating);
    profile.feedback = next.state;
    const s = strings(lang);
    if (rating === 'helpful') {
      reportKefu(context, { intent: 'smalltalk', ...(topic ? { topic } : {}) });
      await context.sendActivity(textMessage(lang, s.feedbackThanks));
      return;
    }
    if (next.offerHuman) {
      await this.offerHuman(context, lang);
      return;
    }
    reportKefu(context, { intent: 'clarify', ...(topic ? { topic } : {}) });
    await context.sendActivity(textMessage(lang, s.feedbackRephrase, menuActions(lang, ['faq', 'handoff'])));
  }

  private async offerHuman(context: TurnContext, lang: Lang): Promise<void> {
    reportKefu(context, { intent: 'clarify' });
    await context.sendActivity(
      textMessage(lang, strings(lang).feedbackOfferHuman, menuActions(lang, ['handoff', 'faq'])),
    );
  }
}
