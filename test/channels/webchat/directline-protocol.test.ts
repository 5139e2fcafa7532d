/**
 * The self-hosted Direct Line 3.0 endpoint, driven by botframework-directlinejs (the client
 * inside Web Chat) against a real Kefu on the embedded SQLite store.
 */
import { expect } from 'chai';
import { ConnectionStatus, type DirectLine, type Message } from 'botframework-directlinejs';
import type { RunningKefu } from '../../../app/start';
import { directLineClient } from './directline-node';
import { type Activity, dl, getToken, startTestKefu } from './harness';

/** Collects activities from a client's activity$ until `predicate` holds. */
function collect(client: DirectLine): {
  all: Activity[];
  until(pred: (all: Activity[]) => boolean, ms?: number): Promise<Activity[]>;
} {
  const all: Activity[] = [];
  const waiters: Array<() => void> = [];
  client.activity$.subscribe({
    next: (a) => {
      all.push(a as unknown as Activity);
      for (const w of waiters) w();
    },
    // end() completes the client with "conversation ended"; that is how a test closes it.
    error: () => undefined,
  });
  return {
    all,
    until(pred, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (pred(all)) {
            clearTimeout(timer);
            resolve(all);
          }
        };
        const timer = setTimeout(
          () => reject(new Error(`timed out; got ${JSON.stringify(all.map((a) => [a.from.role, a.text ?? a.type]))}`)),
          ms,
        );
        waiters.push(check);
        check();
      });
    },
  };
}

function post(client: DirectLine, userId: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    client
      .postActivity({ type: 'message', from: { id: userId }, text, locale: 'zh-TW' } as Message)
      .subscribe({ next: (id: string) => resolve(id), error: reject });
  });
}

const botMessages = (all: Activity[]) => all.filter((a) => a.from.role === 'bot' && a.type === 'message');

describe('self-hosted Direct Line with botframework-directlinejs', () => {
  let kefu: RunningKefu;
  const clients: DirectLine[] = [];

  before(async () => {
    kefu = await startTestKefu();
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.end();
  });
  after(async () => {
    await kefu.stop();
  });

  for (const webSocket of [true, false]) {
    it(`starts a conversation, gets the welcome and answers a question (${webSocket ? 'WebSocket stream' : 'polling'})`, async () => {
      const t = await getToken(kefu.url);
      const client = directLineClient(kefu.url, { token: t.token, webSocket, pollingInterval: 200 });
      clients.push(client);
      const seen = collect(client);

      const welcome = (await seen.until((all) => botMessages(all).length >= 1))[0]!;
      expect(welcome.channelData?.kefu?.['intent']).to.equal('welcome');
      expect(welcome.suggestedActions?.actions.map((a) => a.title)).to.deep.equal([
        '常見問題',
        '旅平險試算',
        '地址變更',
        '查詢進度',
        '我要申訴',
        '轉真人客服',
      ]);

      const id = await post(client, t.userId, '保費忘了繳，寬限期多久？');
      const all = await seen.until((a) => a.some((x) => x.replyToId === id && x.type === 'message'));
      const echo = all.find((a) => a.id === id)!;
      expect(echo.from).to.include({ id: t.userId, role: 'user' });
      const reply = all.find((a) => a.replyToId === id && a.type === 'message')!;
      expect(reply.text).to.contain('30 天寬限期');
      if (webSocket) {
        // The typing indicator is pushed over the stream (never stored) before the answer.
        const typing = all.findIndex((a) => a.type === 'typing' && a.from.role === 'bot');
        expect(typing).to.be.within(0, all.indexOf(reply));
      }
      expect(reply.channelData?.kefu).to.include({ intent: 'grace-period', topic: 'grace-period' });
      expect(reply.channelData?.kefu?.['confidence']).to.be.a('number');
      expect(client.connectionStatus$.getValue()).to.equal(ConnectionStatus.Online);
      // The stream really is a WebSocket when asked for, and absent when polling.
      expect(kefu.webchat.streams.openSockets > 0).to.equal(webSocket);
    });
  }

  it('refreshes the token and resumes the conversation with a watermark, seeing only newer activities', async () => {
    const t = await getToken(kefu.url);
    const first = directLineClient(kefu.url, { token: t.token, webSocket: true });
    clients.push(first);
    const seen = collect(first);
    await seen.until((all) => botMessages(all).length >= 1);
    const id = await post(first, t.userId, '保單借款');
    await seen.until((all) => all.some((a) => a.replyToId === id && a.type === 'message'));
    first.end();

    const refreshed = await dl(kefu.url, t.token, 'POST', '/tokens/refresh');
    expect(refreshed.status).to.equal(200);
    expect(refreshed.json.conversationId).to.equal(t.conversationId);
    expect(refreshed.json.token).to.be.a('string').and.not.equal(t.token);
    expect(refreshed.json.expires_in).to.be.greaterThan(0);

    const history = await dl(kefu.url, refreshed.json.token, 'GET', `/conversations/${t.conversationId}/activities`);
    const watermark = history.json.watermark as string;
    expect(Number(watermark)).to.be.greaterThanOrEqual(3);

    const resumed = directLineClient(kefu.url, {
      token: refreshed.json.token,
      conversationId: t.conversationId,
      watermark,
      webSocket: true,
    });
    clients.push(resumed);
    const later = collect(resumed);
    const id2 = await post(resumed, t.userId, '我要申訴');
    const all = await later.until((a) => a.some((x) => x.replyToId === id2 && x.type === 'message'));
    // Nothing from before the watermark is replayed.
    expect(all.map((a) => a.id)).to.not.include(id);
    const reply = all.find((a) => a.replyToId === id2 && a.type === 'message')!;
    expect(reply.channelData?.kefu?.['intent']).to.equal('complaint');
  });

  it('pushes a proactive message (an agent reply) to an open WebSocket stream', async () => {
    const t = await getToken(kefu.url);
    const client = directLineClient(kefu.url, { token: t.token, webSocket: true });
    clients.push(client);
    const seen = collect(client);
    await seen.until((all) => botMessages(all).length >= 1);
    const delivered = await kefu.webchat.deliverToConversation(t.conversationId, {
      text: '您好，我是客服專員王小姐，很高興為您服務。',
      from: { id: 'agent:7', name: '王小姐' },
      channelData: { kefu: { intent: 'handoff' } },
    });
    const all = await seen.until((a) => a.some((x) => x.id === delivered.id));
    const msg = all.find((a) => a.id === delivered.id)!;
    expect(msg.from).to.include({ id: 'agent:7', name: '王小姐', role: 'bot' });
    expect(msg.channelData?.kefu?.['intent']).to.equal('handoff');

    // A proactive bot turn (bot logic, same adapter) reaches the same open stream.
    await kefu.webchat.continueConversation(t.conversationId, async (context) => {
      await context.sendActivity({
        type: 'message',
        text: '您的問題單 K-000123 已由專員受理。',
        channelData: { kefu: { intent: 'handoff', ticket: { id: 'K-000123' } } },
      });
    });
    const withUpdate = await seen.until((a) => a.some((x) => x.text?.includes('K-000123') ?? false));
    const update = withUpdate.find((x) => x.text?.includes('K-000123'))!;
    expect(update.from.role).to.equal('bot');
    expect(update.channelData?.kefu?.['ticket']).to.deep.equal({ id: 'K-000123' });
  });
});
