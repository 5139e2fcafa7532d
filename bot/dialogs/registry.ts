/**
 * Dialog registration: which dialog answers which intent. The root dialog adds every dialog
 * listed here and starts the one whose id equals the routed intent. Replacing a placeholder
 * means changing its module, not this table; adding an intent means one line here and one
 * in `DialogIntent`.
 */
import { createAddressChangeDialog } from './address-change-dialog';
import { createComplaintDialog } from './complaint-dialog';
import { createHandoffDialog } from './handoff-dialog';
import type { DialogIntent, IntentDialogFactory } from './intent-dialog';
import { createStatusInquiryDialog } from './status-inquiry-dialog';
import { createTravelQuoteDialog } from './travel-quote-dialog';

export const INTENT_DIALOGS: Readonly<Record<DialogIntent, IntentDialogFactory>> = {
  'travel-quote': createTravelQuoteDialog,
  'address-change': createAddressChangeDialog,
  'status-inquiry': createStatusInquiryDialog,
  complaint: createComplaintDialog,
  handoff: createHandoffDialog,
};
