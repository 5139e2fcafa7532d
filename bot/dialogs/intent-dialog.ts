/**
 * The contract between the root dialog and the intent dialogs (travel quote, address change,
 * status inquiry, complaint, human handoff): the options an intent dialog is started with and
 * the services every dialog factory receives. A teammate replacing a placeholder keeps the
 * dialog id (= the intent name, which is also written as `channelData.kefu.intent`) and the
 * factory signature, and adds what the dialog needs to `BotServices`.
 */
import type { Dialog } from 'botbuilder-dialogs';
import type { Clock } from '../../app/clock';
import type { Logger } from '../../app/logger';
import type { LiveChat } from '../../handoff/live-chat';
import type { KnowledgeService, Lang } from '../../knowledge/types';
import type { TravelDialogDeps } from './travel-quote-dialog';

/** Intents answered by a dialog of their own (the dialog id is the intent name). */
export type DialogIntent = 'travel-quote' | 'address-change' | 'status-inquiry' | 'complaint' | 'handoff';

export const DIALOG_INTENTS: readonly DialogIntent[] = [
  'travel-quote',
  'address-change',
  'status-inquiry',
  'complaint',
  'handoff',
];

/** What an intent dialog is started with. */
export interface IntentDialogOptions {
  lang: Lang;
  /** The user's message that led here (empty when a button was pressed). */
  text: string;
}

/** Ports every dialog may use; teammates add theirs here (ticket service, quote engine …). */
export interface BotServices {
  knowledge: KnowledgeService;
  log: Logger;
  clock: Clock;
  /** Insurer names for greetings. */
  brand: Record<Lang, string>;
  /** Travel quote and application: the insurer's rate table, the application port, payment text. */
  travel?: TravelDialogDeps;
  /** The human desk for the handoff dialog (live chat or callback); absent = the phone line is offered instead. */
  desk?: HandoffDesk;
}

/** What the handoff dialog uses of the live-chat use cases (handoff/live-chat.ts). */
export type HandoffDesk = Pick<LiveChat, 'availability' | 'startLive' | 'openCallback'>;

/** Builds one intent dialog; its id must equal the intent. */
export type IntentDialogFactory = (services: BotServices) => Dialog;
