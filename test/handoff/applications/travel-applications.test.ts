import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import pino from 'pino';
import { ManualClock } from '../../../app/clock';
import {
  createTravelApplications,
  type QueuedMail,
  type TravelApplications,
} from '../../../handoff/applications/travel-applications';
import { zonedInstant } from '../../../handoff/calendar/business-hours';
import { DEFAULT_SLA_MINUTES } from '../../../handoff/tickets/sla';
import { createTicketService, type TicketService } from '../../../handoff/tickets/ticket-service';
import { FAMILY_APPLICATION, FAMILY_TODAY, familyQuote } from '../../knowledge/travel/family-trip';
import type { Store } from '../../../storage/port';
import { openSqliteStore } from '../../../storage/sqlite/sqlite-store';

const TODAY = FAMILY_TODAY;
const FAMILY = { ...FAMILY_APPLICATION, beneficiary: { kind: 'legal-heirs' as const } };

describe('travel applications', () => {
  let dir: string;
  let store: Store;
  let tickets: TicketService;
  let outbox: QueuedMail[];
  let applications: TravelApplications;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-travel-app-'));
    store = await openSqliteStore({ file: path.join(dir, 'kefu.sqlite'), log: pino({ level: 'silent' }) });
    const clock = new ManualClock(zonedInstant(TODAY, 20 * 60, 'Asia/Taipei'));
    tickets = createTicketService({
      store,
      clock,
      sla: { dueAt: (_type, _priority, at) => at + DEFAULT_SLA_MINUTES['travel-application'] * 60_000 },
    });
    outbox = [];
    applications = createTravelApplications({
      store,
      tickets,
      clock,
      mail: {
        enqueue: async (mail) => {
          outbox.push(mail);
        },
      },
      paymentInstruction: { 'zh-TW': '請至 https://pay.example 付款', en: 'Pay at https://pay.example' },
      brandName: { 'zh-TW': '康福人壽', en: 'Kangfu Life' },
    });
  });

  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('records the application, opens an issuance ticket and queues a confirmation email', async () => {
    const r = await applications.submit({
      application: FAMILY,
      quote: familyQuote(),
      lang: 'zh-TW',
      conversationId: 'c-1',
    });
    expect(r.applicationNumber).to.match(/^TA20261127-00001$/);
    const ticket = await tickets.get(r.ticketNumber);
    expect(ticket.type).to.equal('travel-application');
    expect(ticket.queue).to.equal('travel');
    expect(ticket.data.applicationNumber).to.equal(r.applicationNumber);
    // The ticket carries masked IDs only; the full ones stay in the application record.
    expect(JSON.stringify(ticket)).not.to.contain('B223456782');
    expect(JSON.stringify(ticket)).to.contain('B22345****');
    const record = await applications.get(r.applicationNumber);
    expect(record?.application.travellers[0]?.nationalId).to.equal('B223456782');

    expect(outbox).to.have.length(1);
    const mail = outbox[0]!;
    expect(mail.to).to.equal('meiling.wang@example.com.tw');
    expect(mail.subject).to.contain(`[#${r.ticketNumber}]`);
    expect(mail.text).to.contain(r.applicationNumber);
    expect(mail.text).to.contain('請至 https://pay.example 付款');
    expect(mail.text).to.contain(`NT$${familyQuote().totalTWD}`);
    expect(mail.text).not.to.contain('A800000014');
  });

  it('writes in English for an English conversation', async () => {
    const r = await applications.submit({
      application: FAMILY,
      quote: familyQuote(),
      lang: 'en',
      conversationId: 'c-2',
    });
    expect(outbox[0]?.subject).to.contain('travel insurance application');
    expect(outbox[0]?.text).to.contain('How to pay: Pay at https://pay.example');
    expect(r.paymentInstruction).to.equal('Pay at https://pay.example');
  });

  it('refuses an application whose birth date does not match the quoted age, writing nothing', async () => {
    const bad = {
      ...FAMILY,
      travellers: [FAMILY.travellers[0]!, FAMILY.travellers[1]!, { ...FAMILY.travellers[2]!, birthDate: '2010-01-01' }],
    };
    try {
      await applications.submit({ application: bad, quote: familyQuote(), lang: 'zh-TW', conversationId: 'c-3' });
      expect.fail('expected a refusal');
    } catch (err) {
      expect(err).to.have.property('code', 'ERR_TRAVEL_APPLICATION_INVALID');
    }
    expect(await tickets.list()).to.have.length(0);
    expect(outbox).to.have.length(0);
  });
});
