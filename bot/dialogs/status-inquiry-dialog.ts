/**
 * The 查詢進度 (progress of a claim, application or ticket) intent dialog. PLACEHOLDER until its own issue builds it: it answers honestly
 * that the function is coming and offers a human. Replace the body of `createStatusInquiryDialog`,
 * keep the dialog id `STATUS_INQUIRY_DIALOG` (it is the intent written in `channelData.kefu`).
 */
import type { Dialog } from 'botbuilder-dialogs';
import { ComingSoonDialog } from './coming-soon-dialog';
import type { BotServices } from './intent-dialog';

export const STATUS_INQUIRY_DIALOG = 'status-inquiry';

export function createStatusInquiryDialog(_services: BotServices): Dialog {
  return new ComingSoonDialog(STATUS_INQUIRY_DIALOG, 'statusInquiry');
}
