/**
 * Taking a travel accident insurance application (旅平險投保) after the chat collected it:
 * an application record for issuance, an issuance ticket for the back office, and a
 * confirmation email through the outbox.
 *
 * Guarantees:
 * - The application is validated again here (the chat validated it too): a wrong ID, a birth
 *   date that does not match the quoted age, or missing consent is refused with
 *   ERR_TRAVEL_APPLICATION_INVALID, and nothing is written.
 * - The full personal data lives only in the application record (for issuance); the ticket
 *   and the email carry masked IDs and the application number.
 * - Payment is not processed: the confirmation says how to complete it.
 */
import type { Clock } from '../../app/clock';
import { KefuError } from '../../app/errors';
import { mask } from '../../app/mask';
import type { Json, Store } from '../../storage/port';
import type { Lang } from '../../knowledge/types';
import { taipeiToday, validateTravelApplication } from '../../knowledge/travel';
import type { TravelApplication } from '../../knowledge/travel/application';
import type { TravelQuote } from '../../knowledge/travel/types';
import type { TicketService } from '../tickets/ticket-service';

export const TRAVEL_APPLICATIONS_COLLECTION = 'travel-applications';
const APPLICATION_SEQUENCE = 'travel-application-number';

/** One email to queue; the outbox sends it once and retries on SMTP failure. */
export interface QueuedMail {
  to: string;
  subject: string;
  text: string;
  /** What kind of mail, for loop markers (`auto-generated`) and the outbox's records. */
  kind: 'confirmation' | 'acknowledgement' | 'agent-reply';
  ticketNumber?: string;
}

export interface MailQueue {
  enqueue(mail: QueuedMail): Promise<void>;
}

export interface TravelApplicationRecord {
  applicationNumber: string;
  ticketNumber: string;
  status: 'awaiting-payment';
  createdAt: number;
  lang: Lang;
  conversationId: string;
  application: TravelApplication;
  quote: TravelQuote;
  [key: string]: unknown;
}

export interface SubmitTravelApplication {
  application: TravelApplication;
  quote: TravelQuote;
  lang: Lang;
  conversationId: string;
}

export interface TravelApplications {
  /**
   * Records the application, opens the issuance ticket and queues the confirmation email.
   * @throws ERR_TRAVEL_APPLICATION_INVALID when the application does not pass validation.
   */
  submit(
    input: SubmitTravelApplication,
  ): Promise<{ applicationNumber: string; ticketNumber: string; paymentInstruction: string }>;
  get(applicationNumber: string): Promise<TravelApplicationRecord | undefined>;
}

export function formatApplicationNumber(seq: number, today: string): string {
  return `TA${today.replaceAll('-', '')}-${String(seq).padStart(5, '0')}`;
}

export function createTravelApplications(deps: {
  store: Pick<Store, 'records' | 'kv'>;
  tickets: TicketService;
  mail: MailQueue;
  clock: Clock;
  paymentInstruction: Record<Lang, string>;
  brandName: Record<Lang, string>;
}): TravelApplications {
  const { store, tickets, mail, clock } = deps;

  return {
    async submit({ application: submitted, quote, lang, conversationId }) {
      const today = taipeiToday(clock.now());
      const checked = validateTravelApplication(submitted, quote, today);
      if (!checked.ok) {
        throw new KefuError('ERR_TRAVEL_APPLICATION_INVALID', checked.problems.map((p) => p.message[lang]).join(' '), {
          fields: checked.problems.map((p) => p.field),
        });
      }
      const application = checked.application;
      const seq = await store.kv.nextSequence(APPLICATION_SEQUENCE);
      const applicationNumber = formatApplicationNumber(seq, today);
      const holder = application.policyholder;
      const ticket = await tickets.open({
        type: 'travel-application',
        channel: 'webchat',
        subject: `${lang === 'en' ? 'Travel insurance application' : '旅平險投保'} ${applicationNumber}`,
        customer: { name: holder.name, email: application.email, conversationId, lang },
        actor: { kind: 'bot' },
        data: {
          applicationNumber,
          destination: quote.request.destination ?? quote.request.region,
          departureDate: quote.request.departureDate,
          returnDate: quote.returnDate,
          travellers: application.travellers.map((t) => ({
            name: mask('name', t.name),
            nationalId: mask('nationalId', t.nationalId),
          })),
          totalTWD: quote.totalTWD,
          rateTableVersion: quote.rateTable.version,
        },
      });
      const record: TravelApplicationRecord = {
        applicationNumber,
        ticketNumber: ticket.number,
        status: 'awaiting-payment',
        createdAt: clock.now(),
        lang,
        conversationId,
        application,
        quote,
      };
      await store.records.create<Json>(TRAVEL_APPLICATIONS_COLLECTION, applicationNumber, record as unknown as Json, {
        ticket: ticket.number,
      });
      const paymentInstruction = deps.paymentInstruction[lang];
      await mail.enqueue({
        to: application.email,
        subject: confirmationSubject(lang, applicationNumber, ticket.number, deps.brandName[lang]),
        text: confirmationText(lang, record, paymentInstruction, deps.brandName[lang]),
        kind: 'confirmation',
        ticketNumber: ticket.number,
      });
      return { applicationNumber, ticketNumber: ticket.number, paymentInstruction };
    },

    async get(applicationNumber) {
      const rec = await store.records.get<Json>(TRAVEL_APPLICATIONS_COLLECTION, applicationNumber);
      return rec ? (rec.value as unknown as TravelApplicationRecord) : undefined;
    },
  };
}

function confirmationSubject(lang: Lang, applicationNumber: string, ticketNumber: string, brand: string): string {
  return lang === 'en'
    ? `[#${ticketNumber}] ${brand}: travel insurance application ${applicationNumber} received`
    : `[#${ticketNumber}] ${brand}旅平險投保申請已收到（${applicationNumber}）`;
}

const NT = (n: number): string => `NT$${n.toLocaleString('en-US')}`;

/** The confirmation body: what was applied for, masked IDs, the total, and how to pay. */
export function confirmationText(
  lang: Lang,
  record: TravelApplicationRecord,
  paymentInstruction: string,
  brand: string,
): string {
  const { quote, application } = record;
  const r = quote.request;
  const people = application.travellers.map((t, i) => {
    const line = quote.lines[i];
    const premium = line ? NT(line.premiumTWD) : '';
    return `  - ${mask('name', t.name)} (${mask('nationalId', t.nationalId)}) ${premium}`;
  });
  const beneficiary =
    application.beneficiary.kind === 'legal-heirs'
      ? lang === 'en'
        ? 'legal heirs (法定繼承人)'
        : '法定繼承人'
      : `${mask('name', application.beneficiary.name)} (${application.beneficiary.relation})`;
  if (lang === 'en') {
    return [
      `Thank you for applying for travel accident insurance with ${brand}.`,
      '',
      `Application number: ${record.applicationNumber}`,
      `Reference (ticket): ${record.ticketNumber}`,
      `Trip: ${r.destination ?? r.region}, ${r.departureDate} to ${quote.returnDate} (${r.days} days)`,
      `Sum insured: ${NT(r.sumInsuredTWD)} per person`,
      'Insured persons:',
      ...people,
      `Beneficiary: ${beneficiary}`,
      `Total premium: ${NT(quote.totalTWD)}${quote.rateTable.sample ? ' (sample rates)' : ''}`,
      '',
      `How to pay: ${paymentInstruction}`,
      'Cover must be in force before you leave Taiwan.',
      '',
      'This is an automatic message; please keep the reference number in the subject when you reply.',
    ].join('\n');
  }
  return [
    `感謝您向${brand}申請旅行平安保險。`,
    '',
    `投保申請編號：${record.applicationNumber}`,
    `服務單號：${record.ticketNumber}`,
    `行程：${r.destination ?? r.region}，${r.departureDate} 至 ${quote.returnDate}（共 ${r.days} 天）`,
    `保額：每人 ${NT(r.sumInsuredTWD)}`,
    '被保險人：',
    ...people,
    `身故受益人：${beneficiary}`,
    `保費合計：${NT(quote.totalTWD)}${quote.rateTable.sample ? '（範例費率）' : ''}`,
    '',
    `付款方式：${paymentInstruction}`,
    '保險須於出境前生效。',
    '',
    '此為系統自動發送的信件，回信時請保留主旨中的服務單號。',
  ].join('\n');
}
