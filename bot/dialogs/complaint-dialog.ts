/**
 * The 申訴 (complaint, with the legal reply deadline) intent dialog. PLACEHOLDER until its own issue builds it: it answers honestly
 * that the function is coming and offers a human. Replace the body of `createComplaintDialog`,
 * keep the dialog id `COMPLAINT_DIALOG` (it is the intent written in `channelData.kefu`).
 */
import type { Dialog } from 'botbuilder-dialogs';
import { ComingSoonDialog } from './coming-soon-dialog';
import type { BotServices } from './intent-dialog';

export const COMPLAINT_DIALOG = 'complaint';

export function createComplaintDialog(_services: BotServices): Dialog {
  return new ComingSoonDialog(COMPLAINT_DIALOG, 'complaint');
}
