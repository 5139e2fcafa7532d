/**
 * A one-turn dialog for a function that is not built yet: it says so honestly in the user's
 * language and offers a human (or, for the handoff itself, the phone line) and the FAQ. Each
 * placeholder intent dialog is an instance of this until its own issue replaces it.
 */
import { MessageFactory } from 'botbuilder';
import { Dialog, type DialogContext, type DialogTurnResult } from 'botbuilder-dialogs';
import { strings, type PendingFeature } from '../strings';
import { reportKefu } from '../turn-state';
import { menuActions } from '../messages';
import type { DialogIntent, IntentDialogOptions } from './intent-dialog';

export class ComingSoonDialog extends Dialog<IntentDialogOptions> {
  constructor(
    readonly intent: DialogIntent,
    private readonly feature: PendingFeature,
  ) {
    super(intent);
  }

  override async beginDialog(dc: DialogContext, options?: IntentDialogOptions): Promise<DialogTurnResult> {
    const lang = options?.lang ?? 'zh-TW';
    const s = strings(lang);
    reportKefu(dc.context, { intent: this.intent });
    const text =
      this.feature === 'handoff'
        ? s.handoffComingSoon
        : `${s.comingSoon(s.featureName[this.feature])}\n\n${s.offerHuman}`;
    const offer = this.feature === 'handoff' ? (['faq'] as const) : (['handoff', 'faq'] as const);
    await dc.context.sendActivity(MessageFactory.suggestedActions(menuActions(lang, offer), text));
    return dc.endDialog();
  }
}
