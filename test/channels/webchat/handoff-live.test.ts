/**
 * Live handoff end to end over Direct Line, through `startKefu` (SQLite in a throwaway folder,
 * port 0, desk open 24 h, a manual clock): the user asks for a person, an agent accepts and
 * replies, the user sees the reply under the agent's name while the bot says nothing, the agent
 * hands back and the bot answers again; the whole transcript is on the ticket.
 */
import { expect } from 'chai';
import type { RunningKefu } from '../../../app/start';
import { AGENT_PASSWORD, addAgent, ConsoleClient } from '../../console/support';
import { type Activity, isBot, repliesTo } from './harness';
import {
  addOnlineAgent,
  ChatUser,
  eventually,
  reportedTicket,
  startHandoffKefu,
  waitForHistory,
} from './handoff-support';

const handoffEvents = (all: Activity[], name: string) =>
  all.filter((a) => a.type === 'event' && (a as unknown as { name?: string }).name === name);

describe('live handoff over web chat (Direct Line, desk open 24 h)', () => {
  let kefu: RunningKefu;

  before(async () => {
    ({ kefu } = await startHandoffKefu({ DESK_MODE: '24h' }));
    await addOnlineAgent(kefu, 'wang', '王小明 Wang Hsiao-ming');
  });
  after(async () => {
    await kefu.stop();
  });

  it('hands the chat to an agent, keeps the bot silent, shows the agent by name, and takes it back', async () => {
    const user = await ChatUser.start(kefu.url);
    const question = await user.say('保單借款的利率是多少？');
    await user.waitFor((all) => repliesTo(all, question).length > 0);

    const ask = await user.say('轉真人客服');
    const afterAsk = await user.waitFor((all) => repliesTo(all, ask).some((a) => a.channelData?.kefu?.['ticket']));
    const ticket = reportedTicket(repliesTo(afterAsk, ask))!;
    expect(ticket.type).to.equal('chat-handoff');
    expect(ticket.number).to.match(/^K-\d{6}$/);
    // The Bot Framework handoff event for an external agent hub, with the transcript.
    const [initiate] = handoffEvents(afterAsk, 'handoff.initiate') as unknown as Array<{
      value: { ticket: string };
      attachments: Array<{ content: { activities: Array<{ text: string }> } }>;
    }>;
    expect(initiate?.value.ticket).to.equal(ticket.number);
    expect(initiate!.attachments[0]!.content.activities.map((a) => a.text)).to.include('保單借款的利率是多少？');

    // The free agent got the offer at once; accepting it (as the console does) joins the chat.
    const work = await eventually(async () => {
      const w = await kefu.handoff.assignment.status(ticket.number);
      return w?.state === 'offered' ? w : undefined;
    });
    expect(work.agentId).to.equal('wang');
    await kefu.handoff.assignment.accept(ticket.number, 'wang');
    const joined = await user.waitForText('專員 王小明 已加入對話');
    expect(joined.channelData?.kefu?.['intent']).to.equal('handoff');
    const statuses = handoffEvents(await user.all(), 'handoff.status') as unknown as Array<{
      value: { state: string };
    }>;
    expect(statuses.map((s) => s.value.state)).to.deep.equal(['accepted']);

    // The customer writes: it goes to the ticket, and the bot does not answer.
    const toAgent = await user.say('我想借十萬元，利息怎麼算？');
    await waitForHistory(kefu, ticket.number, (h) =>
      h.some(
        (e) => e.type === 'message' && e.actor.kind === 'customer' && e.data['text'] === '我想借十萬元，利息怎麼算？',
      ),
    );
    await kefu.webchat.channel.idle();
    expect(repliesTo(await user.all(), toAgent)).to.deep.equal([]);

    // The agent answers; the customer sees it under the agent's name.
    await kefu.liveChat.agentMessage(
      ticket.number,
      { id: 'wang', name: '王小明 Wang Hsiao-ming' },
      '您好，借款利息按日計算，年利率以公告為準。',
    );
    const reply = await user.waitForText('借款利息按日計算');
    expect(reply.from.name).to.equal('王小明');
    expect(reply.from.id).to.equal('agent:wang');

    // Hand back: the bot says so and answers the next question itself.
    await kefu.liveChat.handBack(ticket.number, { id: 'wang', name: '王小明 Wang Hsiao-ming' });
    await user.waitForText('專員 王小明 已將對話交回智能客服');
    const next = await user.say('寬限期是多久？');
    const answered = await user.waitFor((all) => repliesTo(all, next).length > 0);
    const botAnswer = repliesTo(answered, next).find(isBot)!;
    expect(botAnswer.channelData?.kefu?.['intent']).to.not.equal('handoff');
    const finalStatuses = handoffEvents(answered, 'handoff.status') as unknown as Array<{ value: { state: string } }>;
    expect(finalStatuses.map((s) => s.value.state)).to.deep.equal(['accepted', 'completed']);

    // Nothing from the bot between the agent joining and the hand back but the desk's own notices.
    const all = await user.all();
    const from = all.findIndex((a) => a.text?.includes('已加入對話'));
    const to = all.findIndex((a) => a.text?.includes('已將對話交回智能客服'));
    const between = all.slice(from + 1, to).filter((a) => a.type === 'message' && a.from.role === 'bot');
    expect(between.map((a) => a.from.id)).to.deep.equal(['agent:wang']);

    // The transcript: before the handoff, the customer's message to the agent, the agent's reply.
    const history = await kefu.tickets.history(ticket.number);
    const lines = history.filter((e) => e.type === 'message').map((e) => `${e.actor.kind}: ${e.data['text']}`);
    expect(lines).to.include('customer: 保單借款的利率是多少？');
    expect(lines.some((l) => l.startsWith('bot: '))).to.equal(true);
    expect(lines).to.include('customer: 轉真人客服');
    expect(lines).to.include('customer: 我想借十萬元，利息怎麼算？');
    expect(lines).to.include('agent: 您好，借款利息按日計算，年利率以公告為準。');
    const t = await kefu.tickets.get(ticket.number);
    expect(t.status).to.equal('resolved');
    expect((await kefu.handoff.assignment.status(ticket.number))?.closedReason).to.equal('handback');
  });

  it('works the same for an agent in the console: accept, reply, hand back through /api/v1', async () => {
    await addAgent(kefu, 'chen', { name: '陳美玲', live: 1 });
    const chen = new ConsoleClient(kefu.url);
    expect((await chen.login('chen', AGENT_PASSWORD)).status).to.equal(200);
    expect((await chen.put('/api/v1/presence', { presence: 'online' })).status).to.equal(200);
    // Take wang off, so the chat can only go to chen.
    await kefu.handoff.presence.set('wang', 'away');

    const user = await ChatUser.start(kefu.url);
    const ask = await user.say('轉真人客服');
    const all = await user.waitFor((a) => repliesTo(a, ask).some((x) => x.channelData?.kefu?.['ticket']));
    const { number } = reportedTicket(repliesTo(all, ask))!;
    await eventually(async () =>
      (await kefu.handoff.assignment.status(number))?.agentId === 'chen' ? true : undefined,
    );

    expect((await chen.post(`/api/v1/tickets/${number}/accept`)).status).to.equal(200);
    await user.waitForText('專員 陳美玲 已加入對話');
    const question = await user.say('請問保單借款要準備什麼？');
    const reply = await chen.post(`/api/v1/tickets/${number}/reply`, { text: '只要身分證件和保單號碼即可。' });
    expect(reply.status).to.equal(201);
    expect(reply.body.via).to.equal('webchat');
    const shown = await user.waitForText('只要身分證件和保單號碼即可。');
    expect(shown.from).to.deep.include({ id: 'agent:chen', name: '陳美玲' });
    expect(repliesTo(await user.all(), question)).to.deep.equal([]);

    expect((await chen.post(`/api/v1/tickets/${number}/handback`)).status).to.equal(200);
    await user.waitForText('專員 陳美玲 已將對話交回智能客服');
    const next = await user.say('寬限期是多久？');
    const after = await user.waitFor((a) => repliesTo(a, next).length > 0);
    // The customer is told once, whoever heard the desk's "released" notice.
    expect(after.filter((a) => a.text?.includes('已將對話交回智能客服'))).to.have.length(1);
    const history = await kefu.tickets.history(number);
    const lines = history.filter((e) => e.type === 'message').map((e) => `${e.actor.kind}: ${e.data['text']}`);
    expect(lines).to.include.members(['customer: 請問保單借款要準備什麼？', 'agent: 只要身分證件和保單號碼即可。']);
    await chen.put('/api/v1/presence', { presence: 'offline' });
    await kefu.handoff.presence.set('wang', 'online');
  });

  it('lets a waiting customer stop waiting; the bot answers again and the wait counts as abandoned', async () => {
    // Fill the agent's two live places so the next customer waits.
    const others = [await ChatUser.start(kefu.url), await ChatUser.start(kefu.url)];
    for (const u of others) {
      const id = await u.say('轉真人客服');
      await u.waitFor((all) => repliesTo(all, id).some((a) => a.channelData?.kefu?.['ticket']));
    }
    const user = await ChatUser.start(kefu.url);
    const ask = await user.say('我要找真人客服');
    const all = await user.waitFor((a) => repliesTo(a, ask).some((x) => x.channelData?.kefu?.['ticket']));
    const ticket = reportedTicket(repliesTo(all, ask))!;
    expect(ticket.position).to.equal(1);
    expect(ticket.estimatedWaitS).to.be.a('number');
    const queued = repliesTo(all, ask).find((a) => a.channelData?.kefu?.['ticket'])!;
    expect(queued.text).to.contain('目前您排在第 1 位');
    expect(queued.suggestedActions?.actions.map((a) => a.title)).to.include('取消等候');

    const stop = await user.say('取消等候');
    await user.waitForText('已取消等候真人客服');
    expect(repliesTo(await user.all(), stop)).to.deep.equal([]);
    const history = await kefu.tickets.history(ticket.number);
    expect(history.find((e) => e.type === 'abandoned')?.data['reason']).to.equal('cancelled');
    expect((await kefu.tickets.get(ticket.number)).status).to.equal('closed');

    const next = await user.say('寬限期是多久？');
    await user.waitFor((a) => repliesTo(a, next).length > 0);
  });
});
