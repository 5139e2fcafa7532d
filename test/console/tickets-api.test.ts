/**
 * The console's ticket API against a real Kefu (SQLite, real HTTP, real web chat channel):
 * masking in lists, audited unmasking, the queue with waiting times, and a chat ticket's
 * whole life — offered, accepted, answered into the customer's web chat, resolved.
 */
import { expect } from 'chai';
import { AGENT_PASSWORD, ADMIN_PASSWORD, addAgent, ConsoleClient, startTestKefu, type TestKefu } from './support';

const NATIONAL_ID = 'A123456789';
const PHONE = '0912345678';
const EMAIL = 'wang.xiaoming@example.com.tw';

describe('console tickets API', () => {
  let t: TestKefu;
  let base: string;
  let mei: ConsoleClient;
  let hao: ConsoleClient;
  let lead: ConsoleClient;
  let admin: ConsoleClient;

  /** Opens a web chat conversation as the page does; returns its id and token. */
  async function openChat(): Promise<{ conversationId: string; token: string }> {
    const tok = await fetch(`${base}/api/v1/webchat/token`, { method: 'POST' });
    const { token } = (await tok.json()) as { token: string };
    const conv = await fetch(`${base}/v3/directline/conversations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const body = (await conv.json()) as { conversationId: string; token: string };
    return { conversationId: body.conversationId, token: body.token ?? token };
  }

  async function chatActivities(chat: { conversationId: string; token: string }) {
    const r = await fetch(`${base}/v3/directline/conversations/${chat.conversationId}/activities`, {
      headers: { authorization: `Bearer ${chat.token}` },
    });
    return ((await r.json()) as { activities: Array<{ text?: string; from: { id: string; name?: string } }> })
      .activities;
  }

  before(async () => {
    t = await startTestKefu();
    base = t.kefu.url;
    await addAgent(t.kefu, 'mei', { name: '陳美玲', live: 1 });
    await addAgent(t.kefu, 'hao', { name: '張志豪', live: 1 });
    await addAgent(t.kefu, 'lin', { role: 'lead', name: '林組長', live: 0, callback: 0 });
    mei = new ConsoleClient(base);
    hao = new ConsoleClient(base);
    lead = new ConsoleClient(base);
    admin = new ConsoleClient(base);
    expect((await mei.login('mei', AGENT_PASSWORD)).status).to.equal(200);
    expect((await hao.login('hao', AGENT_PASSWORD)).status).to.equal(200);
    expect((await lead.login('lin', AGENT_PASSWORD)).status).to.equal(200);
    expect((await admin.login('admin', ADMIN_PASSWORD)).status).to.equal(200);
  });
  after(async () => {
    await t.close();
  });

  it('masks national IDs, phones, emails and names in the list and the ticket view', async () => {
    const opened = await t.kefu.tickets.open({
      type: 'callback',
      channel: 'webchat',
      subject: `回電：身分證 ${NATIONAL_ID} 保單查詢`,
      customer: { name: '王小明', phone: PHONE, email: EMAIL, lang: 'zh-TW' },
      status: 'new',
      actor: { kind: 'bot' },
      data: { callback: { phone: PHONE, window: '14:00-16:00' } },
      firstMessage: { text: `我的身分證是 ${NATIONAL_ID}，電話 ${PHONE}` },
    });
    const list = await mei.get('/api/v1/tickets?status=open');
    expect(list.status).to.equal(200);
    const row = list.body.tickets.find((x: { number: string }) => x.number === opened.number);
    expect(row.subject).to.equal('回電：身分證 A12345**** 保單查詢');
    expect(row.customer).to.include({ name: '王*明', phone: '0912****78', email: 'w***@example.com.tw' });
    const view = await mei.get(`/api/v1/tickets/${opened.number}`);
    expect(view.status).to.equal(200);
    for (const body of [list.body, view.body]) {
      const text = JSON.stringify(body);
      expect(text).to.not.include(NATIONAL_ID);
      expect(text).to.not.include(PHONE);
      expect(text).to.not.include(EMAIL);
      expect(text).to.not.include('王小明');
    }
    expect(view.body.ticket.data.callback.phone).to.equal('0912****78');
    const message = view.body.history.find((e: { type: string }) => e.type === 'message');
    expect(message.text).to.equal('我的身分證是 A12345****，電話 0912****78');
  });

  it('unmasks only for a lead, and writes who, what and when to the audit stream first', async () => {
    const [ticket] = await t.kefu.tickets.list({ type: 'callback' });
    const number = ticket!.number;
    const refused = await mei.post(`/api/v1/tickets/${number}/unmask`, { reason: '客戶來電核對身分' });
    expect(refused.status).to.equal(403);
    expect(refused.body.code).to.equal('ERR_FORBIDDEN');
    const noReason = await lead.post(`/api/v1/tickets/${number}/unmask`, {});
    expect(noReason.status).to.equal(400);
    expect(noReason.body.code).to.equal('ERR_BAD_REQUEST');
    const before = await t.kefu.store.streams.lastSeq('audit');
    t.clock.advance(5_000);
    const shown = await lead.post(`/api/v1/tickets/${number}/unmask`, { reason: '客戶來電核對身分' });
    expect(shown.status).to.equal(200);
    expect(shown.body.ticket.customer).to.include({ name: '王小明', phone: PHONE, email: EMAIL });
    expect(JSON.stringify(shown.body.history)).to.include(NATIONAL_ID);
    const entries = await t.kefu.store.streams.range<Record<string, any>>('audit', before);
    expect(entries).to.have.length(1);
    const entry = entries[0]!.value;
    expect(entry.action).to.equal('unmask');
    expect(entry.actor).to.include({ userId: 'lin', role: 'lead', via: 'session' });
    expect(entry.target).to.deep.equal({ ticket: number });
    expect(entry.at).to.equal(t.clock.now());
    expect(entry.detail.reason).to.equal('客戶來電核對身分');
    expect(entry.detail.fields).to.include.members(['name', 'email', 'phone', 'history']);
    // The admin reads the same entry through the API.
    const audit = await admin.get(`/api/v1/audit?after=${before}`);
    expect(audit.body.entries[0]).to.include({ action: 'unmask', seq: before + 1 });
  });

  it('shows waiting tickets in the queue with their waiting time', async () => {
    const open = await mei.post('/api/v1/tickets', {
      type: 'complaint',
      subject: '理賠太慢申訴',
      customer: { name: '李大華', phone: '0223456789' },
      text: '客戶來電抱怨理賠進度',
    });
    expect(open.status).to.equal(201);
    t.clock.advance(90_000);
    const q = await mei.get('/api/v1/queue');
    expect(q.status).to.equal(200);
    const callback = q.body.pools.find((p: { pool: string }) => p.pool === 'callback');
    const item = callback.items.find((i: { number: string }) => i.number === open.body.number);
    expect(item.waitingS).to.equal(90);
    expect(item.ticket.customer.phone).to.equal('0223****89');
  });

  it('takes a chat ticket through offer, accept, reply into the web chat, and resolve', async () => {
    const chat = await openChat();
    expect((await mei.put('/api/v1/presence', { presence: 'online' })).status).to.equal(200);
    const ticket = await t.kefu.tickets.open({
      type: 'chat-handoff',
      channel: 'webchat',
      subject: '想詢問保單借款',
      customer: { name: '黃小姐', conversationId: chat.conversationId, lang: 'zh-TW' },
      status: 'queued',
      actor: { kind: 'bot' },
      firstMessage: { text: '我要找真人客服' },
    });
    await t.kefu.handoff.assignment.enqueue(ticket.number);

    const mine = await mei.get('/api/v1/tickets?mine=1&status=open');
    expect(mine.body.tickets.map((x: { number: string }) => x.number)).to.include(ticket.number);
    const offered = await mei.get(`/api/v1/tickets/${ticket.number}`);
    expect(offered.body.work).to.include({ state: 'offered', agentId: 'mei' });

    // Someone else cannot answer it.
    const intruder = await hao.post(`/api/v1/tickets/${ticket.number}/reply`, { text: '我來回答' });
    expect(intruder.status).to.equal(403);

    const accepted = await mei.post(`/api/v1/tickets/${ticket.number}/accept`);
    expect(accepted.status).to.equal(200);
    expect(accepted.body.ticket.status).to.equal('in-progress');
    expect(accepted.body.work.state).to.equal('accepted');

    const reply = await mei.post(`/api/v1/tickets/${ticket.number}/reply`, {
      text: '您好，我是陳美玲，很高興為您服務。',
    });
    expect(reply.status).to.equal(201);
    expect(reply.body.via).to.equal('webchat');
    const seen = await chatActivities(chat);
    const fromAgent = seen.find((a) => a.text === '您好，我是陳美玲，很高興為您服務。');
    expect(fromAgent, 'the customer sees the agent reply').to.not.equal(undefined);
    expect(fromAgent!.from).to.deep.include({ id: 'agent:mei', name: '陳美玲' });
    const transcript = reply.body.history.filter((e: { type: string }) => e.type === 'message');
    expect(transcript.map((e: { text: string }) => e.text)).to.deep.equal([
      '我要找真人客服',
      '您好，我是陳美玲，很高興為您服務。',
    ]);

    const note = await mei.post(`/api/v1/tickets/${ticket.number}/notes`, { text: '客戶要保單借款利率' });
    expect(note.status).to.equal(201);
    const resolved = await mei.post(`/api/v1/tickets/${ticket.number}/resolve`);
    expect(resolved.status).to.equal(200);
    expect(resolved.body.ticket.status).to.equal('resolved');
    expect(resolved.body.work.state).to.equal('closed');
    const load = (await mei.get('/api/v1/me/agent')).body.agent.load;
    expect(load.live).to.equal(0);
  });

  it('passes a declined chat to the next agent and hands a chat back to the bot', async () => {
    await mei.put('/api/v1/presence', { presence: 'online' });
    await hao.put('/api/v1/presence', { presence: 'online' });
    const chat = await openChat();
    const ticket = await t.kefu.tickets.open({
      type: 'chat-handoff',
      channel: 'webchat',
      subject: 'Travel insurance question',
      customer: { name: 'Mary', conversationId: chat.conversationId, lang: 'en' },
      status: 'queued',
      actor: { kind: 'bot' },
    });
    await t.kefu.handoff.assignment.enqueue(ticket.number);
    const first = (await lead.get(`/api/v1/tickets/${ticket.number}`)).body.work.agentId as string;
    const firstClient = first === 'mei' ? mei : hao;
    const secondClient = first === 'mei' ? hao : mei;
    const declined = await firstClient.post(`/api/v1/tickets/${ticket.number}/decline`);
    expect(declined.status).to.equal(200);
    expect(declined.body.work.agentId).to.not.equal(first);
    // Accepting an offer that is not yours is a conflict, not a takeover.
    const stolen = await firstClient.post(`/api/v1/tickets/${ticket.number}/accept`);
    expect(stolen.status).to.equal(409);
    expect(stolen.body.code).to.equal('ERR_ASSIGNMENT_CONFLICT');
    expect((await secondClient.post(`/api/v1/tickets/${ticket.number}/accept`)).status).to.equal(200);
    const back = await secondClient.post(`/api/v1/tickets/${ticket.number}/handback`);
    expect(back.status).to.equal(200);
    expect(back.body.ticket.status).to.equal('resolved');
    expect(back.body.work.state).to.equal('closed');
    const seen = await chatActivities(chat);
    expect(seen.some((a) => /handed the conversation back/.test(a.text ?? ''))).to.equal(true);
  });

  it('lets a lead assign a queued ticket to an agent and see the measures', async () => {
    await hao.put('/api/v1/presence', { presence: 'offline' });
    await mei.put('/api/v1/presence', { presence: 'offline' });
    const open = await lead.post('/api/v1/tickets', {
      type: 'inquiry',
      subject: '地址變更問題',
      customer: { name: '周先生' },
    });
    const assigned = await lead.post(`/api/v1/tickets/${open.body.number}/assign`, { agentId: 'hao' });
    expect(assigned.status).to.equal(200);
    expect(assigned.body.ticket.assigneeId).to.equal('hao');
    expect(assigned.body.work).to.include({ state: 'accepted', agentId: 'hao' });
    const m = await lead.get('/api/v1/metrics');
    expect(m.status).to.equal(200);
    expect(m.body.desk.tickets).to.be.at.least(4);
    expect(m.body.desk.waited).to.be.at.least(1);
    expect(m.body).to.have.nested.property('queue.live');
    expect(m.body.byAgent).to.have.property('mei');
    expect(m.body.presence).to.deep.equal({ online: 0, away: 0, offline: 3 });
  });

  it('answers bad input and unknown tickets with KefuError codes', async () => {
    const bad = await mei.post('/api/v1/tickets', { type: 'nonsense', subject: '', customer: {} });
    expect(bad.status).to.equal(400);
    expect(bad.body.code).to.equal('ERR_BAD_REQUEST');
    expect(bad.body.message).to.include('type');
    const missing = await mei.get('/api/v1/tickets/K-999999');
    expect(missing.status).to.equal(404);
    expect(missing.body.code).to.equal('ERR_TICKET_NOT_FOUND');
    expect((await mei.get('/api/v1/tickets/not-a-number')).status).to.equal(400);
    const [resolved] = await t.kefu.tickets.list({ status: 'resolved' });
    const lifecycle = await lead.post(`/api/v1/tickets/${resolved!.number}/status`, { status: 'in-progress' });
    expect(lifecycle.status).to.equal(409);
    expect(lifecycle.body.code).to.equal('ERR_TICKET_TRANSITION');
  });
});
