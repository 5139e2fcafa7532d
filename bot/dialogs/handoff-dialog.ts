/**
 * The 轉真人客服 (human handoff) intent dialog. PLACEHOLDER until its own issue builds it: it answers honestly
 * that the function is coming and offers a human. Replace the body of `createHandoffDialog`,
 * keep the dialog id `HANDOFF_DIALOG` (it is the intent written in `channelData.kefu`).
 */
import type { Dialog } from 'botbuilder-dialogs';
import { ComingSoonDialog } from './coming-soon-dialog';
import type { BotServices } from './intent-dialog';

export const HANDOFF_DIALOG = 'handoff';

export function createHandoffDialog(_services: BotServices): Dialog {
  return new ComingSoonDialog(HANDOFF_DIALOG, 'handoff');
}
