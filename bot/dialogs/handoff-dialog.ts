/**
 * The 轉真人客服 (human handoff) intent dialog: the user asked for a person, the bot could not
 * help (the root dialog's offers lead here), or a complaint needs a person.
 *
 * - Desk open and an agent able to take the chat online, on web chat → live handoff: a
 *   `chat-handoff` ticket is opened and queued (handoff/live-chat.ts), the user is told the
 *   ticket number, their place in the queue and the estimated wait, a Bot Framework
 *   `handoff.initiate` event carries the transcript so an external agent hub could take over,
 *   and the dialog ends: from here the live-chat session owns the conversation (the web chat
 *   channel's interceptor keeps the bot silent until the agent hands back or resolves).
 * - Otherwise → callback (回電): phone number (Taiwan mobile or landline, validated with a
 *   clear message on a wrong one), a preferred time window, consent under the personal data
 *   notice, then a `callback` ticket with its reference number and the promise from the desk
 *   calendar ("我們將於下一個上班日（11/30 週一）09:00 起回電").
 * Every message reports `channelData.kefu` `{ intent: 'handoff', ticket? }`.
 *
 * Without a desk (BotServices.desk unset: a bot built for tests or a channel-only deployment)
 * it says honestly that the online transfer is not available and names the phone line.
 */
import { type Activity, ActionTypes, type CardAction, EventFactory, MessageFactory } from 'botbuilder';
import { Dialog, type DialogContext, type DialogTurnResult } from 'botbuilder-dialogs';
import { CALLBACK_WINDOWS, type CallbackWindow, parseTaiwanPhone } from '../../handoff/callback';
import { mask } from '../../app/mask';
import type { Lang } from '../../knowledge/types';
import { localeOf } from '../language';
import { menuActions } from '../messages';
import { LANGS, strings } from '../strings';
import { reportKefu, turnLang } from '../turn-state';
import { ComingSoonDialog } from './coming-soon-dialog';
import type { BotServices, HandoffDesk, IntentDialogOptions } from './intent-dialog';

export const HANDOFF_DIALOG = 'handoff';
/** Channel on which live chat can be delivered (the self-hosted Direct Line). */
const LIVE_CHANNEL_ID = 'webchat';
/** Wrong phone numbers in a row after which the dialog stops asking. */
const MAX_PHONE_TRIES = 4;

type Step = 'phone' | 'window' | 'consent';

interface CallbackState {
  lang: Lang;
  step: Step;
  subject: string;
  phone?: string;
  window?: CallbackWindow;
  tries: number;
}

function action(title: string): CardAction {
  return { type: ActionTypes.ImBack, title, value: title };
}

function message(lang: Lang, text: string, actions: CardAction[] = []): Partial<Activity> {
  const m = actions.length > 0 ? MessageFactory.suggestedActions(actions, text) : MessageFactory.text(text);
  m.locale = localeOf(lang);
  m.textFormat = 'markdown';
  return m;
}

/** Whether the text is the stop word or button of either language. */
function isCancel(text: string): boolean {
  const t = text.trim().toLowerCase();
  return LANGS.some((l) => strings(l).callbackCancel.toLowerCase() === t) || t === 'cancel' || t === '取消';
}

function windowFrom(text: string): CallbackWindow | undefined {
  const t = text.trim().toLowerCase();
  for (const w of CALLBACK_WINDOWS) {
    if (LANGS.some((l) => strings(l).callbackWindows[w].toLowerCase() === t)) return w;
  }
  if (/上午|早上|morning|\bam\b/.test(t)) return 'morning';
  if (/下午|afternoon|\bpm\b/.test(t)) return 'afternoon';
  if (/不限|都可以|隨時|any/.test(t)) return 'any';
  return undefined;
}

function consentFrom(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (LANGS.some((l) => strings(l).consentNo.toLowerCase() === t) || /^(不同意|不要|no|don't|do not)/.test(t)) {
    return false;
  }
  if (LANGS.some((l) => strings(l).consentYes.toLowerCase() === t) || /^(同意|好|可以|yes|ok|i agree|agree)/.test(t)) {
    return true;
  }
  return undefined;
}

export class HandoffDialog extends Dialog<IntentDialogOptions> {
  constructor(
    private readonly services: BotServices,
    private readonly desk: HandoffDesk,
  ) {
    super(HANDOFF_DIALOG);
  }

  override async beginDialog(dc: DialogContext, options?: IntentDialogOptions): Promise<DialogTurnResult> {
    const context = dc.context;
    const lang = options?.lang ?? turnLang(context);
    const s = strings(lang);
    reportKefu(context, { intent: HANDOFF_DIALOG });
    const typed = (options?.text ?? '').trim();
    const isButton = LANGS.some((l) => strings(l).menu.handoff === typed);
    const subject = typed && !isButton ? typed.slice(0, 200) : '';
    const conversationId = context.activity.conversation?.id ?? '';

    const availability = await this.desk.availability(lang);
    if (availability.live && context.activity.channelId === LIVE_CHANNEL_ID && conversationId) {
      const started = await this.desk.startLive({
        conversationId,
        ...(context.activity.from?.id ? { userId: context.activity.from.id } : {}),
        lang,
        subject,
        reason: isButton || !typed ? 'asked-for-agent' : 'handoff-intent',
      });
      const { ticket, queue } = started;
      reportKefu(context, {
        intent: HANDOFF_DIALOG,
        ticket: {
          number: ticket.number,
          type: ticket.type,
          ...(queue.state === 'queued' ? { position: queue.position } : {}),
          ...(queue.estimatedWaitS !== undefined ? { estimatedWaitS: queue.estimatedWaitS } : {}),
        },
      });
      if (!started.resumed) {
        // For an external agent hub: the Bot Framework handoff event with the transcript.
        const initiate = EventFactory.createHandoffInitiation(
          context,
          {
            ticket: ticket.number,
            queue: ticket.queue,
            skill: `queue:${ticket.queue}`,
            lang,
            position: queue.position,
            ...(queue.estimatedWaitS !== undefined ? { estimatedWaitS: queue.estimatedWaitS } : {}),
            summary: subject || s.menu.handoff,
          },
          {
            activities: started.transcript.map((line) => ({
              type: 'message',
              text: line.text,
              timestamp: new Date(line.at),
              from: { id: line.role, name: line.name ?? line.role, role: line.role === 'customer' ? 'user' : 'bot' },
            })) as unknown as Activity[],
          },
        );
        initiate.from = { ...context.activity.recipient, role: 'bot' };
        await context.sendActivity(initiate);
      }
      const text =
        queue.state === 'queued'
          ? s.handoffQueued(ticket.number, queue.position, s.waitEstimate(queue.estimatedWaitS))
          : s.handoffConnecting(ticket.number);
      await context.sendActivity(message(lang, text, queue.state === 'queued' ? [action(s.handoffCancelWaiting)] : []));
      return dc.endDialog();
    }

    // Callback: the desk is closed, nobody able to take the chat is online, or not web chat.
    const intro = availability.deskOpen ? s.callbackIntroNoAgent : s.callbackIntroClosed(availability.nextOpening.text);
    const state: CallbackState = { lang, step: 'phone', subject, tries: 0 };
    dc.activeDialog!.state = state as unknown as Record<string, unknown>;
    await context.sendActivity(message(lang, `${intro}\n\n${s.callbackAskPhone}`, [action(s.callbackCancel)]));
    return Dialog.EndOfTurn;
  }

  override async continueDialog(dc: DialogContext): Promise<DialogTurnResult> {
    const context = dc.context;
    const state = dc.activeDialog!.state as unknown as CallbackState;
    const lang = state.lang;
    const s = strings(lang);
    reportKefu(context, { intent: HANDOFF_DIALOG });
    const text = (context.activity.text ?? '').trim();
    if (isCancel(text)) {
      await context.sendActivity(message(lang, s.callbackCancelled, menuActions(lang)));
      return dc.endDialog();
    }

    switch (state.step) {
      case 'phone': {
        const phone = parseTaiwanPhone(text);
        if (!phone.ok) {
          state.tries += 1;
          if (state.tries >= MAX_PHONE_TRIES) {
            await context.sendActivity(message(lang, s.callbackCancelled, menuActions(lang)));
            return dc.endDialog();
          }
          await context.sendActivity(message(lang, s.phoneProblem[phone.problem], [action(s.callbackCancel)]));
          return Dialog.EndOfTurn;
        }
        state.phone = phone.national;
        state.step = 'window';
        await context.sendActivity(
          message(lang, s.callbackAskWindow, [
            ...CALLBACK_WINDOWS.map((w) => action(s.callbackWindows[w])),
            action(s.callbackCancel),
          ]),
        );
        return Dialog.EndOfTurn;
      }
      case 'window': {
        const window = windowFrom(text);
        if (!window) {
          await context.sendActivity(
            message(
              lang,
              s.callbackWindowInvalid,
              CALLBACK_WINDOWS.map((w) => action(s.callbackWindows[w])),
            ),
          );
          return Dialog.EndOfTurn;
        }
        state.window = window;
        state.step = 'consent';
        await context.sendActivity(message(lang, s.callbackConsent, [action(s.consentYes), action(s.consentNo)]));
        return Dialog.EndOfTurn;
      }
      case 'consent': {
        const consent = consentFrom(text);
        if (consent === undefined) {
          await context.sendActivity(message(lang, s.callbackConsent, [action(s.consentYes), action(s.consentNo)]));
          return Dialog.EndOfTurn;
        }
        if (!consent) {
          await context.sendActivity(message(lang, s.callbackNoConsent, menuActions(lang, ['faq'])));
          return dc.endDialog();
        }
        return this.book(dc, state);
      }
    }
  }

  private async book(dc: DialogContext, state: CallbackState): Promise<DialogTurnResult> {
    const context = dc.context;
    const lang = state.lang;
    const s = strings(lang);
    const conversationId = context.activity.conversation?.id;
    try {
      const { ticket, promise } = await this.desk.openCallback({
        ...(conversationId ? { conversationId } : {}),
        ...(context.activity.from?.id ? { userId: context.activity.from.id } : {}),
        lang,
        phone: state.phone!,
        window: state.window ?? 'any',
        consentAt: this.services.clock.now(),
        subject: state.subject,
        channel: context.activity.channelId === LIVE_CHANNEL_ID ? 'webchat' : 'bot-framework',
      });
      const deskOpenNow = promise.at <= this.services.clock.now();
      reportKefu(context, { intent: HANDOFF_DIALOG, ticket: { number: ticket.number, type: ticket.type } });
      const phone = parseTaiwanPhone(state.phone!);
      const shown = phone.ok ? mask('phone', phone.national) : mask('phone', state.phone!);
      await context.sendActivity(
        message(
          lang,
          s.callbackConfirmed(
            ticket.number,
            shown,
            s.callbackWindows[state.window ?? 'any'],
            deskOpenNow ? s.callbackPromiseOpen : s.callbackPromiseClosed(promise.text),
          ),
          menuActions(lang, ['faq']),
        ),
      );
    } catch (err) {
      this.services.log.error({ err }, 'callback request could not be booked');
      await context.sendActivity(message(lang, s.callbackFailed));
    }
    return dc.endDialog();
  }
}

/** The factory the registry calls. Without a desk the dialog names the phone line instead. */
export function createHandoffDialog(services: BotServices): Dialog {
  return services.desk ? new HandoffDialog(services, services.desk) : new ComingSoonDialog(HANDOFF_DIALOG, 'handoff');
}
