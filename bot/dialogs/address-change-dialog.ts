/**
 * The 地址變更 (change of contact address) intent dialog. PLACEHOLDER until its own issue builds it: it answers honestly
 * that the function is coming and offers a human. Replace the body of `createAddressChangeDialog`,
 * keep the dialog id `ADDRESS_CHANGE_DIALOG` (it is the intent written in `channelData.kefu`).
 */
import type { Dialog } from 'botbuilder-dialogs';
import { ComingSoonDialog } from './coming-soon-dialog';
import type { BotServices } from './intent-dialog';

export const ADDRESS_CHANGE_DIALOG = 'address-change';

export function createAddressChangeDialog(_services: BotServices): Dialog {
  return new ComingSoonDialog(ADDRESS_CHANGE_DIALOG, 'addressChange');
}
