/**
 * Two Kefu instances on one Redis behind a (pretend) load balancer: a console session, its
 * CSRF token, sign-out, the login limit and live notices work whichever instance a request
 * reaches, because they live in the store and travel on its bus.
 */
import { expect } from 'chai';
import { startRedis, type TestRedis } from '../support/redis-server';
import { AGENT_PASSWORD, addAgent, ConsoleClient, startTestKefu, type TestKefu } from './support';

describe('console on two instances sharing Redis', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let a: TestKefu;
  let b: TestKefu;

  before(async () => {
    redis = await startRedis();
    const env = {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `kefu-console-${process.pid}:`,
      CONSOLE_LOGIN_MAX_FAILURES: '3',
    };
    a = await startTestKefu(env);
    b = await startTestKefu(env);
    await addAgent(a.kefu, 'mei', { name: '陳美玲' });
    await addAgent(a.kefu, 'hao', { name: '張志豪' });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await redis?.dispose();
  });

  it('accepts a session made on one instance at the other, CSRF token included, and ends it everywhere', async () => {
    const onA = new ConsoleClient(a.kefu.url);
    expect((await onA.login('mei', AGENT_PASSWORD)).status).to.equal(200);
    const onB = new ConsoleClient(b.kefu.url);
    onB.cookie = onA.cookie;
    onB.csrf = onA.csrf;
    expect((await onB.get('/api/v1/auth/me')).body.user.id).to.equal('mei');
    const presence = await onB.put('/api/v1/presence', { presence: 'online' });
    expect(presence.status).to.equal(200);
    expect((await a.kefu.handoff.agents.getAgent('mei')).presence).to.equal('online');
    expect((await onB.post('/api/v1/auth/logout')).status).to.equal(204);
    expect((await onA.get('/api/v1/auth/me')).status).to.equal(401);
  });

  it('counts failed sign-ins across instances', async () => {
    for (const t of [a, b, a])
      expect((await new ConsoleClient(t.kefu.url).login('hao', 'wrong-password')).status).to.equal(401);
    expect((await new ConsoleClient(b.kefu.url).login('hao', AGENT_PASSWORD)).status).to.equal(429);
  });

  it('streams a change made through one instance to a page connected to the other', async () => {
    const page = new ConsoleClient(a.kefu.url);
    await page.login('mei', AGENT_PASSWORD);
    const abort = new AbortController();
    const stream = await fetch(`${a.kefu.url}/api/v1/live`, { headers: { cookie: page.cookie }, signal: abort.signal });
    expect(stream.status).to.equal(200);
    const other = new ConsoleClient(b.kefu.url);
    await other.login('mei', AGENT_PASSWORD);
    const opened = await other.post('/api/v1/tickets', {
      type: 'inquiry',
      subject: '跨主機通知',
      customer: { name: '測試' },
      enqueue: false,
    });
    expect(opened.status).to.equal(201);
    const reader = stream.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes(`"ticket":"${opened.body.number}"`)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended; got ${text}`);
      text += decoder.decode(value, { stream: true });
    }
    expect(text).to.match(/event: console\ndata: \{"type":"ticket"/);
    abort.abort();
  });
});
