/**
 * The 旅平險試算 (travel accident insurance quote and application) intent dialog.
 *
 * A thin botbuilder wrapper around the pure flow in travel-quote-flow.ts: it keeps the flow's
 * state in the dialog's own state (so a conversation survives a restart, like every dialog),
 * turns the flow's replies into activities (text, suggested actions, the quote Adaptive Card),
 * and reports `channelData.kefu` (intent `travel-quote`, `quote` when a quote was given,
 * `ticket` when an application was sent) before sending. Dialog id = intent `travel-quote`.
 *
 * Today is the Asia/Taipei date of the injected clock; the rate table is loaded once when the
 * dialog is built (the sample file unless the composition root passes the insurer's table).
 */
import { ActionTypes, CardFactory, MessageFactory, type Activity } from 'botbuilder';
import { Dialog, type DialogContext, type DialogTurnResult } from 'botbuilder-dialogs';
import { loadRateTableFile, type RateTable, taipeiToday } from '../../knowledge/travel';
import type { Lang } from '../../knowledge/types';
import { localeOf } from '../language';
import { reportKefu, turnLang } from '../turn-state';
import type { BotServices, IntentDialogOptions } from './intent-dialog';
import {
  continueTravelFlow,
  type FlowOutput,
  startTravelFlow,
  type TravelApplicationPort,
  type TravelFlowContext,
  type TravelFlowState,
} from './travel-quote-flow';

export const TRAVEL_QUOTE_DIALOG = 'travel-quote';

/** What the travel dialog needs beyond BotServices; all optional (defaults: sample rates, no online application). */
export interface TravelDialogDeps {
  rates?: RateTable;
  applications?: TravelApplicationPort;
  paymentInstruction?: Partial<Record<Lang, string>>;
}

interface StoredState {
  lang: Lang;
  flow: TravelFlowState;
}

export class TravelQuoteDialog extends Dialog<IntentDialogOptions> {
  private readonly rates: RateTable;

  constructor(
    private readonly services: BotServices,
    private readonly deps: TravelDialogDeps = {},
  ) {
    super(TRAVEL_QUOTE_DIALOG);
    this.rates = deps.rates ?? loadRateTableFile();
  }

  override async beginDialog(dc: DialogContext, options?: IntentDialogOptions): Promise<DialogTurnResult> {
    const lang = options?.lang ?? turnLang(dc.context);
    const result = await startTravelFlow(options?.text ?? dc.context.activity.text ?? '', this.flowContext(dc, lang));
    return this.render(dc, lang, result);
  }

  override async continueDialog(dc: DialogContext): Promise<DialogTurnResult> {
    const stored = dc.activeDialog!.state as StoredState;
    const lang = turnLang(dc.context) ?? stored.lang;
    const a = dc.context.activity;
    const result = await continueTravelFlow(
      stored.flow,
      { text: a.text ?? '', value: a.value },
      this.flowContext(dc, lang),
    );
    return this.render(dc, lang, result);
  }

  private flowContext(dc: DialogContext, lang: Lang): TravelFlowContext {
    const ctx: TravelFlowContext = {
      lang,
      today: taipeiToday(this.services.clock.now()),
      rates: this.rates,
      conversationId: dc.context.activity.conversation?.id ?? '',
    };
    if (this.deps.applications) ctx.applications = this.deps.applications;
    if (this.deps.paymentInstruction) ctx.paymentInstruction = this.deps.paymentInstruction;
    return ctx;
  }

  private async render(dc: DialogContext, lang: Lang, result: FlowOutput): Promise<DialogTurnResult> {
    reportKefu(dc.context, result.kefu);
    for (const reply of result.replies) await dc.context.sendActivity(toActivity(lang, reply));
    if (result.end) return dc.endDialog();
    const state: StoredState = { lang, flow: result.state };
    dc.activeDialog!.state = state as unknown as Record<string, unknown>;
    return Dialog.EndOfTurn;
  }
}

function toActivity(lang: Lang, reply: FlowOutput['replies'][number]): Partial<Activity> {
  const actions = (reply.actions ?? []).map((t) => ({ type: ActionTypes.ImBack, title: t, value: t }));
  const message =
    actions.length > 0 ? MessageFactory.suggestedActions(actions, reply.text) : MessageFactory.text(reply.text);
  if (reply.card) message.attachments = [CardFactory.adaptiveCard(reply.card)];
  message.locale = localeOf(lang);
  message.textFormat = 'markdown';
  return message;
}

/** The factory the registry calls; the composition root may pass the insurer's rates and the application port. */
export function createTravelQuoteDialog(services: BotServices, deps: TravelDialogDeps = services.travel ?? {}): Dialog {
  return new TravelQuoteDialog(services, deps);
}
