import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import pino from 'pino';
import { ManualClock } from '../../../app/clock';
import { buildCalendar, parseDeskFile } from '../../../handoff/calendar/parse-calendar';
import { zonedInstant } from '../../../handoff/calendar/business-hours';
import { createSlaPolicy, DEFAULT_SLA_MINUTES, parseSlaMinutes } from '../../../handoff/tickets/sla';
import { canTransition, findTicketNumber, TICKET_STATUSES } from '../../../handoff/tickets/ticket';
import {
  createTicketService,
  SLA_TIMER_KIND,
  slaTimerId,
  type TicketService,
} from '../../../handoff/tickets/ticket-service';
import type { Store } from '../../../storage/port';
import { openSqliteStore } from '../../../storage/sqlite/sqlite-store';

const CAL_DIR = path.resolve(__dirname, '../../../handoff/calendar');

function calendar() {
  const desk = parseDeskFile(fs.readFileSync(path.join(CAL_DIR, 'desk-hours.yaml'), 'utf8'));
  return buildCalendar(
    desk,
    desk.holidayFiles.map((name) => ({ name, text: fs.readFileSync(path.join(CAL_DIR, name), 'utf8') })),
  );
}

const CUSTOMER = { name: '王小明', email: 'ming@example.tw', lang: 'zh-TW' as const };
const BOT = { kind: 'bot' as const };
const AGENT = { kind: 'agent' as const, id: 'agent-01', name: '林專員' };

describe('tickets', () => {
  let dir: string;
  let store: Store;
  let clock: ManualClock;
  let tickets: TicketService;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-tickets-'));
    store = await openSqliteStore({ file: path.join(dir, 'kefu.sqlite'), log: pino({ level: 'silent' }) });
    // Friday 2026-11-27 10:00 in Taipei: the desk is open.
    clock = new ManualClock(zonedInstant('2026-11-27', 10 * 60, 'Asia/Taipei'));
    tickets = createTicketService({ store, clock, sla: createSlaPolicy(calendar(), DEFAULT_SLA_MINUTES) });
  });

  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('numbers tickets K-000001, K-000002 … and finds them case-insensitively', async () => {
    const a = await tickets.open({
      type: 'email',
      channel: 'email',
      subject: '保單借款',
      customer: CUSTOMER,
      actor: BOT,
    });
    const b = await tickets.open({
      type: 'inquiry',
      channel: 'webchat',
      subject: '問題',
      customer: CUSTOMER,
      actor: BOT,
    });
    expect([a.number, b.number]).to.deep.equal(['K-000001', 'K-000002']);
    expect((await tickets.get('k-000002')).subject).to.equal('問題');
    expect(findTicketNumber('Re: [#K-000123] 地址變更')).to.equal('K-000123');
  });

  it('records who did what and when in an append-only history', async () => {
    const t = await tickets.open({
      type: 'complaint',
      channel: 'webchat',
      subject: '業務員未說明清楚',
      customer: CUSTOMER,
      actor: BOT,
      firstMessage: { text: '業務員當初沒有講清楚' },
    });
    expect(t.priority).to.equal('high');
    expect(t.queue).to.equal('complaints');
    await tickets.setAssignee(t.number, 'agent-01', { kind: 'system' });
    clock.advance(60_000);
    await tickets.changeStatus(t.number, 'in-progress', AGENT);
    await tickets.addMessage(t.number, AGENT, { text: '您好，我們已聯絡業務員的主管', channel: 'webchat' });
    await tickets.addNote(t.number, AGENT, '已通知業務主管');
    const history = await tickets.history(t.number);
    expect(history.map((e) => e.type)).to.deep.equal(['created', 'message', 'assigned', 'status', 'message', 'note']);
    expect(history[3]).to.include({ type: 'status' });
    expect(history[3]?.data).to.deep.equal({ from: 'assigned', to: 'in-progress' });
    expect(history[4]?.actor).to.deep.equal(AGENT);
    const now = await tickets.get(t.number);
    expect(now.firstResponseAt).to.equal(clock.now());
    expect(now.status).to.equal('in-progress');
  });

  it('enforces the lifecycle: a new ticket cannot wait for the customer', async () => {
    const t = await tickets.open({ type: 'inquiry', channel: 'api', subject: 'x', customer: CUSTOMER, actor: BOT });
    try {
      await tickets.changeStatus(t.number, 'waiting-customer', AGENT);
      expect.fail('the transition should have been refused');
    } catch (err) {
      expect(err).to.have.property('code', 'ERR_TICKET_TRANSITION');
    }
    expect((await tickets.get(t.number)).status).to.equal('new');
    expect(canTransition('closed', 'queued')).to.equal(true);
    expect(canTransition('closed', 'in-progress')).to.equal(false);
    for (const s of TICKET_STATUSES) expect(canTransition(s, s)).to.equal(false);
  });

  it('reopens a resolved ticket into the queue without its old assignee', async () => {
    const t = await tickets.open({ type: 'email', channel: 'email', subject: 'x', customer: CUSTOMER, actor: BOT });
    await tickets.setAssignee(t.number, 'agent-01', { kind: 'system' });
    await tickets.changeStatus(t.number, 'resolved', AGENT);
    const reopened = await tickets.changeStatus(t.number, 'queued', { kind: 'customer' }, 'customer replied');
    expect(reopened.status).to.equal('queued');
    expect(reopened.assigneeId).to.equal(undefined);
    expect(reopened.resolvedAt).to.equal(undefined);
  });

  it('moves a ticket back in progress when the customer answers', async () => {
    const t = await tickets.open({ type: 'email', channel: 'email', subject: 'x', customer: CUSTOMER, actor: BOT });
    await tickets.setAssignee(t.number, 'agent-01', { kind: 'system' });
    await tickets.changeStatus(t.number, 'in-progress', AGENT);
    await tickets.changeStatus(t.number, 'waiting-customer', AGENT);
    const after = await tickets.addMessage(t.number, { kind: 'customer' }, { text: '補上文件', channel: 'email' });
    expect(after.status).to.equal('in-progress');
  });

  it('schedules a durable SLA timer on creation and cancels it on resolution', async () => {
    const t = await tickets.open({ type: 'email', channel: 'email', subject: 'x', customer: CUSTOMER, actor: BOT });
    const timer = await store.timers.get(slaTimerId(t.number));
    expect(timer?.kind).to.equal(SLA_TIMER_KIND);
    expect(timer?.dueAt).to.equal(t.slaDueAt);
    await tickets.changeStatus(t.number, 'resolved', AGENT);
    expect(await store.timers.get(slaTimerId(t.number))).to.equal(undefined);
  });

  it('counts email SLA in desk hours: a Friday-evening email is due Monday', async () => {
    clock.set(zonedInstant('2026-11-27', 22 * 60, 'Asia/Taipei'));
    const t = await tickets.open({ type: 'email', channel: 'email', subject: 'x', customer: CUSTOMER, actor: BOT });
    // 480 desk minutes from Monday 09:00 = Monday 17:00.
    expect(t.slaDueAt).to.equal(zonedInstant('2026-11-30', 17 * 60, 'Asia/Taipei'));
    const chat = await tickets.open({
      type: 'chat-handoff',
      channel: 'webchat',
      subject: 'x',
      customer: CUSTOMER,
      actor: BOT,
    });
    expect(chat.slaDueAt).to.equal(clock.now() + 5 * 60_000);
  });

  it('keeps both updates when two writers change one ticket at once', async () => {
    const t = await tickets.open({ type: 'email', channel: 'email', subject: 'x', customer: CUSTOMER, actor: BOT });
    await Promise.all([
      tickets.mergeData(t.number, { phone: '0912345678' }, AGENT),
      tickets.mergeData(t.number, { window: '14:00-16:00' }, AGENT),
      tickets.setPriority(t.number, 'urgent', AGENT),
    ]);
    const after = await tickets.get(t.number);
    expect(after.data).to.deep.equal({ phone: '0912345678', window: '14:00-16:00' });
    expect(after.priority).to.equal('urgent');
  });

  it('lists tickets by status, assignee and customer', async () => {
    const a = await tickets.open({ type: 'email', channel: 'email', subject: 'a', customer: CUSTOMER, actor: BOT });
    await tickets.open({
      type: 'email',
      channel: 'email',
      subject: 'b',
      customer: { ...CUSTOMER, email: 'x@y.tw' },
      actor: BOT,
    });
    await tickets.setAssignee(a.number, 'agent-07', { kind: 'system' });
    expect((await tickets.list({ assigneeId: 'agent-07' })).map((t) => t.number)).to.deep.equal([a.number]);
    expect((await tickets.list({ customerEmail: 'MING@example.tw' })).map((t) => t.number)).to.deep.equal([a.number]);
    expect((await tickets.list({ status: 'new' })).length).to.equal(1);
  });

  it('refuses an unknown ticket with ERR_TICKET_NOT_FOUND', async () => {
    try {
      await tickets.get('K-999999');
      expect.fail('expected an error');
    } catch (err) {
      expect(err).to.have.property('code', 'ERR_TICKET_NOT_FOUND');
    }
  });

  it('parses SLA overrides and names a bad entry', () => {
    expect(parseSlaMinutes('email=60, callback=30').email).to.equal(60);
    expect(() => parseSlaMinutes('fax=10')).to.throw(/fax=10/);
  });
});
