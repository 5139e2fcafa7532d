/**
 * The live-chat use cases on a real SQLite store and desk, with a chat port that records what
 * the customer would see: two instances racing on the same desk notice tell the customer once,
 * a missed notice is caught up, the conversation before the handoff lands on the ticket, and
 * callbacks are refused for bad numbers and handed to the next shift when it comes online.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ManualClock } from '../../app/clock';
import { isKefuError } from '../../app/errors';
import {
  type ChatPort,
  createLiveChat,
  type LiveChat,
  type LiveChatNotice,
  type TranscriptLine,
} from '../../handoff/live-chat';
import type { Store } from '../../storage/port';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store';
import { createDesk, type Desk, FRIDAY_10AM, silent } from './assignment/desk-harness';

class RecordingChat implements ChatPort {
  readonly seen: Array<{ conversationId: string; notice: LiveChatNotice }> = [];
  history_: TranscriptLine[] = [];
  async notify(conversationId: string, notice: LiveChatNotice) {
    this.seen.push({ conversationId, notice });
    return { id: `${conversationId}|${this.seen.length}` };
  }
  async history() {
    return this.history_;
  }
  async lastSeen() {
    return undefined;
  }
  types(conversationId: string): string[] {
    return this.seen.filter((s) => s.conversationId === conversationId).map((s) => s.notice.type);
  }
}

describe('live chat use cases', () => {
  let dir: string;
  let store: Store;
  let clock: ManualClock;
  let desk: Desk;
  let chat: RecordingChat;

  function liveChat(): LiveChat {
    return createLiveChat({
      store,
      clock,
      log: silent,
      tickets: desk.tickets,
      handoff: desk.handoff,
      chat,
      options: { abandonAfterMs: 0, pageGoneAfterMs: 0 },
    });
  }

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-live-chat-'));
    store = await openSqliteStore({ file: path.join(dir, 'kefu.db'), log: silent });
    clock = new ManualClock(FRIDAY_10AM);
    desk = createDesk(store, clock, {}, 'scheduled');
    chat = new RecordingChat();
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('tells the customer once that the agent joined when two instances get the same notice', async () => {
    await desk.addAgents(1, { live: 1 });
    const [a, b] = [liveChat(), liveChat()];
    const { ticket } = await a.startLive({ conversationId: 'conv-1', lang: 'zh-TW', subject: '保單借款' });
    await desk.handoff.assignment.accept(ticket.number, 'a01');
    const notice = { type: 'accepted' as const, ticket: ticket.number, agentId: 'a01', pool: 'live' as const };
    await Promise.all([a.onNotice(notice), b.onNotice(notice), a.onNotice(notice)]);
    expect(chat.types('conv-1').filter((t) => t === 'agent-joined')).to.have.length(1);
    expect((await a.activeSession('conv-1'))?.state).to.equal('connected');
  });

  it('catches up a missed "accepted" notice when the customer writes', async () => {
    await desk.addAgents(1, { live: 1, skills: ['lang:en', 'queue:general'] });
    const live = liveChat();
    const { ticket } = await live.startLive({ conversationId: 'conv-2', lang: 'en', subject: 'policy loan' });
    await desk.handoff.assignment.accept(ticket.number, 'a01'); // nobody hears the bus here
    expect(await live.customerMessage('conv-2', 'hello?')).to.equal(true);
    expect(chat.types('conv-2')).to.deep.equal(['agent-joined']);
    const joined = chat.seen.find((s) => s.notice.type === 'agent-joined')!.notice as { agent: { name?: string } };
    expect(joined.agent.name).to.equal('a01');
  });

  it('puts the conversation before the handoff on the ticket, and lets the bot answer again once the work is closed', async () => {
    await desk.addAgents(1, { live: 1 });
    chat.history_ = [
      { at: FRIDAY_10AM - 60_000, role: 'customer', text: '繳費期限過了怎麼辦？' },
      { at: FRIDAY_10AM - 59_000, role: 'bot', text: '保單有 30 天寬限期……' },
    ];
    const live = liveChat();
    const { ticket, transcript } = await live.startLive({ conversationId: 'conv-3', lang: 'zh-TW', subject: '' });
    expect(transcript).to.have.length(2);
    const messages = (await desk.tickets.history(ticket.number)).filter((e) => e.type === 'message');
    expect(messages.map((m) => [m.actor.kind, m.data['text'], m.data['beforeHandoff']])).to.deep.equal([
      ['customer', '繳費期限過了怎麼辦？', true],
      ['bot', '保單有 30 天寬限期……', true],
    ]);
    // The desk released the work elsewhere (a lead closed it): the next message goes to the bot.
    await desk.handoff.assignment.release(ticket.number, 'cancelled');
    expect(await live.customerMessage('conv-3', '還在嗎？')).to.equal(false);
    expect(chat.types('conv-3')).to.include('ended');
  });

  it('refuses a callback to a number that is not a Taiwan number', async () => {
    const live = liveChat();
    try {
      await live.openCallback({ lang: 'zh-TW', phone: '02-1234', window: 'any', consentAt: clock.now(), subject: '' });
      expect.fail('should have refused');
    } catch (err) {
      expect(isKefuError(err, 'ERR_BAD_REQUEST')).to.equal(true);
    }
  });

  it('queues callbacks booked after hours and shares them among the next shift as it comes online', async () => {
    clock.set(FRIDAY_10AM + 10 * 3_600_000); // Friday 20:00 in Taipei
    // One open callback each at a time, so the second agent to log in gets the second callback.
    await desk.addAgents(2, { online: false, callback: 1 });
    const live = liveChat();
    const booked = [];
    for (const phone of ['0912-345-678', '02-2345-6789']) {
      booked.push(
        await live.openCallback({ lang: 'zh-TW', phone, window: 'morning', consentAt: clock.now(), subject: '回電' }),
      );
    }
    expect(booked[0]!.promise.text).to.equal('下一個上班日（11/30 週一）09:00 起');
    for (const b of booked) expect((await desk.handoff.assignment.status(b.ticket.number))?.state).to.equal('queued');

    clock.set(FRIDAY_10AM + 3 * 86_400_000 - 3_600_000); // Monday 09:00
    await desk.handoff.presence.set('a01', 'online');
    await desk.handoff.presence.set('a02', 'online');
    const holders = [];
    for (const b of booked) holders.push((await desk.handoff.assignment.status(b.ticket.number))?.agentId);
    expect(holders.sort()).to.deep.equal(['a01', 'a02']);
  });
});
