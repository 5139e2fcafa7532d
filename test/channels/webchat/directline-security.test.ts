/**
 * Security and limits of the self-hosted Direct Line endpoint, through real HTTP and
 * WebSocket requests against a real Kefu (SQLite store). Time is a ManualClock: tokens expire
 * because the test moves the clock, not because it sleeps.
 */
import { expect } from 'chai';
import { WebSocket } from 'ws';
import { ManualClock } from '../../../app/clock';
import type { RunningKefu } from '../../../app/start';
import { dl, getToken, isBot, repliesTo, startConversation, startTestKefu, waitForActivities } from './harness';

describe('self-hosted Direct Line security and limits', () => {
  let kefu: RunningKefu;
  const clock = new ManualClock(Date.now());
  const TTL_S = 120;

  before(async () => {
    kefu = await startTestKefu(
      {
        DIRECTLINE_TOKEN_TTL_S: String(TTL_S),
        CHAT_RATE_LIMIT: '3',
        CHAT_RATE_WINDOW_S: '60',
        CHAT_MAX_MESSAGE_CHARS: '50',
      },
      { clock },
    );
  });
  after(async () => {
    await kefu.stop();
  });

  it('answers 403 when a token is used on another conversation, for reading, posting and resuming', async () => {
    const alice = await startConversation(kefu.url);
    const bob = await startConversation(kefu.url);
    const read = await dl(kefu.url, bob.token, 'GET', `/conversations/${alice.conversationId}/activities`);
    expect(read.status).to.equal(403);
    expect(read.json.code).to.equal('ERR_FORBIDDEN');
    const write = await dl(kefu.url, bob.token, 'POST', `/conversations/${alice.conversationId}/activities`, {
      type: 'message',
      text: '偷看',
    });
    expect(write.status).to.equal(403);
    const resume = await dl(kefu.url, bob.token, 'GET', `/conversations/${alice.conversationId}`);
    expect(resume.status).to.equal(403);
    const aliceLog = await dl(kefu.url, alice.token, 'GET', `/conversations/${alice.conversationId}/activities`);
    expect(aliceLog.json.activities.map((a: { text?: string }) => a.text)).to.not.include('偷看');
  });

  it('limits how many chat tokens one address may get per minute', async () => {
    clock.advance(60_000 - (clock.now() % 60_000) + 1); // a fresh minute
    let refused: { status: number; json: { code?: string } } | undefined;
    let granted = 0;
    for (let i = 0; i < 40 && !refused; i++) {
      const res = await fetch(`${kefu.url}/api/v1/webchat/token`, { method: 'POST' });
      if (res.status === 200) granted++;
      else refused = { status: res.status, json: (await res.json()) as { code?: string } };
    }
    expect(granted).to.equal(30);
    expect(refused?.status).to.equal(429);
    expect(refused?.json.code).to.equal('ERR_RATE_LIMITED');
    clock.advance(60_000);
    expect((await fetch(`${kefu.url}/api/v1/webchat/token`, { method: 'POST' })).status).to.equal(200);
  });

  it('answers 401 without a token and 403 with a made-up one', async () => {
    const res = await fetch(`${kefu.url}/v3/directline/conversations`, { method: 'POST' });
    expect(res.status).to.equal(401);
    const fake = await dl(kefu.url, 'not-a-real-token', 'POST', '/conversations', {});
    expect(fake.status).to.equal(403);
  });

  it('keeps a refreshed token working after the original one expired, and refuses both once expired', async () => {
    const c = await startConversation(kefu.url);
    clock.advance((TTL_S - 10) * 1000);
    const refreshed = await dl(kefu.url, c.token, 'POST', '/tokens/refresh');
    expect(refreshed.status).to.equal(200);
    const newToken = refreshed.json.token as string;
    clock.advance(20 * 1000); // the original is now past its TTL; the refreshed one is not
    const old = await dl(kefu.url, c.token, 'GET', `/conversations/${c.conversationId}/activities`);
    expect(old.status).to.equal(403);
    const oldRefresh = await dl(kefu.url, c.token, 'POST', '/tokens/refresh');
    expect(oldRefresh.status).to.equal(403);
    const fresh = await dl(kefu.url, newToken, 'POST', `/conversations/${c.conversationId}/activities`, {
      type: 'message',
      text: '保單借款',
    });
    expect(fresh.status).to.equal(200);
    await waitForActivities(kefu.url, newToken, c.conversationId, (a) => repliesTo(a, fresh.json.id).length > 0);
    clock.advance(TTL_S * 1000);
    const expired = await dl(kefu.url, newToken, 'GET', `/conversations/${c.conversationId}/activities`);
    expect(expired.status).to.equal(403);
  });

  it("ignores a changed from.id: the message is recorded and answered as the token's user", async () => {
    const c = await startConversation(kefu.url);
    const posted = await dl(kefu.url, c.token, 'POST', `/conversations/${c.conversationId}/activities`, {
      type: 'message',
      text: '你好',
      from: { id: 'dl_someone-else', role: 'bot', name: '客服' },
      channelData: { clientActivityID: 'client-1', kefu: { intent: 'forged' } },
    });
    expect(posted.status).to.equal(200);
    const acts = await waitForActivities(
      kefu.url,
      c.token,
      c.conversationId,
      (a) => repliesTo(a, posted.json.id).length > 0,
    );
    const echo = acts.find((a) => a.id === posted.json.id)!;
    expect(echo.from.id).to.equal(c.userId);
    expect(echo.from.role).to.equal('user');
    expect(echo.channelData?.clientActivityID).to.equal('client-1');
    expect(echo.channelData?.kefu).to.equal(undefined);
  });

  it('answers politely inside the chat when a user sends too many messages, and 429 when they keep flooding', async () => {
    const c = await startConversation(kefu.url);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await dl(kefu.url, c.token, 'POST', `/conversations/${c.conversationId}/activities`, {
        type: 'message',
        text: `第${i + 1}則`,
      });
      expect(r.status).to.equal(200);
      ids.push(r.json.id);
    }
    const acts = await waitForActivities(kefu.url, c.token, c.conversationId, (a) => repliesTo(a, ids[3]!).length > 0);
    const notice = repliesTo(acts, ids[3]!)[0]!;
    expect(notice.text).to.contain('請稍候約 60 秒');
    expect(notice.channelData?.kefu?.['intent']).to.equal('rate-limited');
    // The first three reached the bot; the fourth did not.
    for (const id of ids.slice(0, 3))
      expect(repliesTo(acts, id).some((a) => a.channelData?.kefu?.['intent'] !== 'rate-limited')).to.equal(true);
    let flooded = 0;
    for (let i = 0; i < 4; i++) {
      const r = await dl(kefu.url, c.token, 'POST', `/conversations/${c.conversationId}/activities`, {
        type: 'message',
        text: 'x',
      });
      if (r.status === 429) {
        flooded++;
        expect(r.json.code).to.equal('ERR_RATE_LIMITED');
      }
    }
    expect(flooded).to.be.greaterThan(0);
    const metrics = await (await fetch(`${kefu.url}/metrics`)).text();
    expect(metrics).to.match(/kefu_webchat_user_activities_total\{[^}]*outcome="rate-limited"[^}]*\} [1-9]/);
    expect(metrics).to.match(/kefu_webchat_user_activities_total\{[^}]*outcome="flood-refused"[^}]*\} [1-9]/);
    clock.advance(60_000 - (clock.now() % 60_000) + 1); // the next rate window, token still valid
    const again = await dl(kefu.url, c.token, 'POST', `/conversations/${c.conversationId}/activities`, {
      type: 'message',
      text: '保單借款',
    });
    expect(again.status).to.equal(200);
  });

  it('answers a too-long message with the limit, in the chat, without passing it to the bot', async () => {
    const c = await startConversation(kefu.url, 'en');
    const long = 'Please explain '.repeat(10);
    const r = await dl(kefu.url, c.token, 'POST', `/conversations/${c.conversationId}/activities`, {
      type: 'message',
      text: long,
    });
    const acts = await waitForActivities(
      kefu.url,
      c.token,
      c.conversationId,
      (a) => repliesTo(a, r.json.id).length > 0,
    );
    const [notice] = repliesTo(acts, r.json.id);
    expect(notice!.text).to.contain('limit is 50 characters');
    expect(notice!.channelData?.kefu?.['intent']).to.equal('too-long');
  });

  it('refuses malformed JSON and non-activities with 400 and a reason', async () => {
    const c = await startConversation(kefu.url);
    const bad = await dl(
      kefu.url,
      c.token,
      'POST',
      `/conversations/${c.conversationId}/activities`,
      '{"type": "message", ',
    );
    expect(bad.status).to.equal(400);
    expect(bad.json.code).to.equal('ERR_BAD_REQUEST');
    expect(bad.json.message).to.match(/not valid JSON/);
    const wrongType = await dl(kefu.url, c.token, 'POST', `/conversations/${c.conversationId}/activities`, {
      type: 'invoke',
    });
    expect(wrongType.status).to.equal(400);
    expect(wrongType.json.message).to.match(/Activity type/);
  });

  it('refuses file uploads with a message the user sees in the chat', async () => {
    const c = await startConversation(kefu.url);
    const form = new FormData();
    form.append(
      'activity',
      new Blob([JSON.stringify({ type: 'message', from: { id: c.userId } })], {
        type: 'application/vnd.microsoft.activity',
      }),
    );
    form.append('file', new Blob(['%PDF-1.4 fake'], { type: 'application/pdf' }), '診斷證明.pdf');
    const res = await fetch(`${kefu.url}/v3/directline/conversations/${c.conversationId}/upload?userId=${c.userId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${c.token}` },
      body: form,
    });
    expect(res.status).to.equal(200);
    const acts = await waitForActivities(kefu.url, c.token, c.conversationId, (a) =>
      a.some((x) => x.channelData?.kefu?.['intent'] === 'upload-refused'),
    );
    expect(acts.find((x) => x.channelData?.kefu?.['intent'] === 'upload-refused')!.text).to.contain('無法接收檔案');
  });

  it("refuses a WebSocket stream opened with another conversation's ticket", async () => {
    const alice = await startConversation(kefu.url);
    const bob = await getToken(kefu.url);
    const started = await dl(kefu.url, bob.token, 'POST', '/conversations', {});
    const bobStream = new URL(started.json.streamUrl as string);
    const forged = `ws://127.0.0.1:${kefu.port}/v3/directline/conversations/${alice.conversationId}/stream${bobStream.search}`;
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(forged);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => {
        ws.close();
        resolve(101);
      });
      ws.on('error', () => undefined);
    });
    expect(status).to.equal(403);
    expect(isBot(alice.welcome)).to.equal(true);
  });
});
