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
import type { Lang } from '../knowledge/types';
import type { BotServices } from './dialogs/intent-dialog';
import { menuItemFromText, ROOT_DIALOG, RootDialog } from './dialogs/root-dialog';
import { langFromLocale, resolveLang } from './language';
import { welcomeMessage } from './messages';
import { reportKefu, setTurnLang } from './turn-state';

/** Name of the event the page sends when the user switches language. */
export const LOCALE_EVENT = 'kefu/locale';

/** What the bot remembers per conversation besides the dialog stack. */
export interface ConversationProfile {
  lang?: Lang;
  welcomed?: boolean;
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

    const dc = await this.dialogs.createContext(context);
    // A main-menu button always wins over whatever dialog is running.
    if (menuItemFromText(context.activity.text ?? '') && dc.activeDialog) await dc.cancelAllDialogs();
    const active = dc.child?.activeDialog?.id;
    if (active) reportKefu(context, { intent: active });
    const result = await dc.continueDialog();
    if (result.status === DialogTurnStatus.empty) await dc.beginDialog(ROOT_DIALOG);
  }
}
