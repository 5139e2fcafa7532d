/**
 * POST /api/messages through botbuilder's CloudAdapter on a real Kefu: the same bot answers
 * Azure Bot Service channels; with MicrosoftAppId set, requests without a valid Bot Framework
 * token are refused; without it, production refuses to start.
 */
import { expect } from 'chai';
import { startKefu } from '../../../app/start';
import type { RunningKefu } from '../../../app/start';
import { startTestKefu, tempDataDir } from '../webchat/harness';

function activity(text: string) {
  return {
    type: 'message',
    id: `act-${Date.now()}`,
    channelId: 'msteams',
    serviceUrl: 'https://smba.example.invalid/',
    conversation: { id: `conv-${Date.now()}` },
    from: { id: 'user-29', name: '林小姐', role: 'user' },
    recipient: { id: 'bot', name: 'Kefu' },
    text,
    locale: 'zh-TW',
    deliveryMode: 'expectReplies',
  };
}

async function postMessage(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

describe('POST /api/messages (Bot Framework channels)', () => {
  describe('without MicrosoftAppId (local use)', () => {
    let kefu: RunningKefu;
    before(async () => {
      kefu = await startTestKefu();
    });
    after(async () => {
      await kefu.stop();
    });

    it('answers with the same bot, carrying channelData.kefu', async () => {
      const { status, json } = await postMessage(kefu.url, activity('寬限期是多久？'));
      expect(status).to.equal(200);
      const messages = (
        json.activities as Array<{ type: string; text: string; channelData?: { kefu?: Record<string, unknown> } }>
      ).filter((a) => a.type === 'message');
      expect(messages[0]!.text).to.contain('寬限期間');
      expect(messages[0]!.channelData?.kefu).to.include({ intent: 'grace-period', topic: 'grace-period' });
    });
  });

  describe('with MicrosoftAppId set', () => {
    let kefu: RunningKefu;
    before(async () => {
      kefu = await startTestKefu({
        MicrosoftAppId: '6f4e1c1a-2b3c-4d5e-8f90-123456789abc',
        MicrosoftAppPassword: 'not-a-real-secret',
      });
    });
    after(async () => {
      await kefu.stop();
    });

    it('refuses a request without a Bot Framework token with 401', async () => {
      const { status } = await postMessage(kefu.url, activity('寬限期是多久？'));
      expect(status).to.equal(401);
    });
  });

  it('refuses to start in production without MicrosoftAppId', async () => {
    let error: { code?: string; message?: string } | undefined;
    try {
      const k = await startKefu({
        NODE_ENV: 'production',
        PORT: '0',
        LOG_LEVEL: 'silent',
        DATA_DIR: tempDataDir(),
        CONSOLE_ADMIN_PASSWORD: 'a-strong-password-for-test',
        SESSION_SECRET: 'x'.repeat(40),
      });
      await k.stop();
    } catch (err) {
      error = err as { code?: string; message?: string };
    }
    expect(error?.code).to.equal('ERR_CONFIG_UNSAFE');
    expect(error?.message).to.contain('MicrosoftAppId');
  });
});
