/**
 * Durability of web chat conversations: a conversation started before a restart continues
 * after it (embedded SQLite store, same DATA_DIR), and with Redis a conversation works across
 * two instances — posted to one, pushed over the WebSocket stream of the other.
 */
import { expect } from 'chai';
import type { DirectLine, Message } from 'botframework-directlinejs';
import type { RunningKefu } from '../../../app/start';
import { startRedis, type TestRedis } from '../../support/redis-server';
import { directLineClient } from './directline-node';
import {
  type Activity,
  dl,
  getToken,
  repliesTo,
  startConversation,
  startTestKefu,
  tempDataDir,
  waitForActivities,
} from './harness';

describe('web chat conversations across restarts and instances', () => {
  it('continues a conversation started before a restart (same DATA_DIR)', async () => {
    const dataDir = tempDataDir();
    const before = await startTestKefu({}, { dataDir });
    let c: Awaited<ReturnType<typeof startConversation>>;
    let firstId: string;
    try {
      c = await startConversation(before.url);
      const first = await dl(before.url, c.token, 'POST', `/conversations/${c.conversationId}/activities`, {
        type: 'message',
        text: '保單借款',
      });
      firstId = first.json.id;
      await waitForActivities(before.url, c.token, c.conversationId, (a) => repliesTo(a, firstId).some((x) => x.text));
    } finally {
      await before.stop();
    }

    const after = await startTestKefu({}, { dataDir });
    try {
      // Resuming: same token, same conversation, no second welcome.
      const resumed = await dl(after.url, c.token, 'POST', '/conversations', {});
      expect(resumed.status).to.equal(200);
      expect(resumed.json.conversationId).to.equal(c.conversationId);
      const history = await dl(after.url, c.token, 'GET', `/conversations/${c.conversationId}/activities`);
      const texts = (history.json.activities as Activity[]).map((a) => a.text);
      expect(texts).to.include('保單借款');
      const watermark = Number(history.json.watermark);

      const next = await dl(after.url, c.token, 'POST', `/conversations/${c.conversationId}/activities`, {
        type: 'message',
        text: '寬限期多久',
      });
      expect(next.status).to.equal(200);
      const acts = await waitForActivities(after.url, c.token, c.conversationId, (a) =>
        repliesTo(a, next.json.id).some((x) => x.text),
      );
      expect(repliesTo(acts, next.json.id)[0]!.channelData?.kefu?.['intent']).to.equal('grace-period');
      const welcomes = acts.filter((a) => a.channelData?.kefu?.['intent'] === 'welcome');
      expect(welcomes).to.have.length(1);
      const newer = await dl(
        after.url,
        c.token,
        'GET',
        `/conversations/${c.conversationId}/activities?watermark=${watermark}`,
      );
      expect((newer.json.activities as Activity[]).map((a) => a.id)).to.include(next.json.id);
      expect((newer.json.activities as Activity[]).map((a) => a.id)).to.not.include(firstId!);
    } finally {
      await after.stop();
    }
  });

  describe('with Redis, two instances', () => {
    let redis: TestRedis;
    let a: RunningKefu;
    let b: RunningKefu;
    let client: DirectLine | undefined;

    before(async () => {
      redis = await startRedis();
      const prefix = `kefu-test-${Date.now()}:`;
      a = await startTestKefu({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix });
      b = await startTestKefu({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix });
    });
    after(async () => {
      client?.end();
      await a?.stop();
      await b?.stop();
      await redis?.dispose();
    });

    it("pushes the bot's reply to a page streaming from one instance when the message was posted to the other", async () => {
      const t = await getToken(a.url);
      client = directLineClient(a.url, { token: t.token, webSocket: true });
      const seen: Activity[] = [];
      client.activity$.subscribe({ next: (x) => void seen.push(x as unknown as Activity), error: () => undefined });
      const deadline = (ms: number) => Date.now() + ms;
      const until = async (pred: () => boolean, ms = 10_000): Promise<void> => {
        const end = deadline(ms);
        while (!pred()) {
          if (Date.now() > end) throw new Error(`timed out: ${JSON.stringify(seen.map((s) => s.text ?? s.type))}`);
          await new Promise((r) => setTimeout(r, 25));
        }
      };
      await until(() => seen.some((x) => x.channelData?.kefu?.['intent'] === 'welcome'));
      expect(a.webchat.streams.openSockets).to.be.greaterThan(0);

      const posted = await dl(b.url, t.token, 'POST', `/conversations/${t.conversationId}/activities`, {
        type: 'message',
        text: '我要申訴',
      } satisfies Partial<Message>);
      expect(posted.status).to.equal(200);
      await until(() => seen.some((x) => x.replyToId === posted.json.id && x.type === 'message'));
      const reply = seen.find((x) => x.replyToId === posted.json.id && x.type === 'message')!;
      expect(reply.channelData?.kefu?.['intent']).to.equal('complaint');
      expect(b.webchat.streams.openSockets).to.equal(0);
    });
  });
});
