/**
 * Redis-specific resilience of the Redis adapter, against a real redis-server: what happens
 * when Redis restarts, forgets its scripts, or is down. These are the failures BullMQ users
 * met (workers stuck after a Redis restart) and the one that kills Node processes (an
 * unhandled `error` event on a dropped connection).
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import pino from 'pino';
import { createClient } from 'redis';
import { isKefuError } from '../../app/errors';
import type { Json, Store } from '../../storage/port';
import { openRedisStore } from '../../storage/redis/redis-store';
import { readScripts } from '../../storage/redis/script-loader';
import { freePort } from '../support/free-port';
import { startRedis, type TestRedis } from '../support/redis-server';

const log = pino({ level: 'silent' });
const T0 = Date.UTC(2026, 10, 27, 2, 0, 0);

/** Polls `condition` until it holds; fails the test when it never does (a hang, not a speed check). */
async function eventually(what: string, condition: () => Promise<boolean>, limitMs = 15_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`never happened: ${what}`);
}

describe('redis store resilience', () => {
  let redis: TestRedis;
  let store: Store;

  beforeEach(async () => {
    redis = await startRedis({ appendOnly: true });
    store = await openRedisStore({ url: redis.url, keyPrefix: `kefu-test:${randomBytes(6).toString('hex')}:`, log });
  });

  afterEach(async () => {
    await store?.close();
    await redis?.dispose();
  });

  it('keeps its data and works again after Redis restarts, scripts included', async () => {
    await store.records.create('tickets', 'K-000001', { 主旨: '保單借款' }, { status: 'queued' });
    await store.timers.schedule({ id: 'sla/K-000001', kind: 'sla-due', dueAt: T0, payload: { ticket: 'K-000001' } });
    await store.assignment.upsertAgent({ agentId: 'mei', status: 'online', skills: ['lang:zh-TW'], capacity: 2 });

    await redis.restart();
    await eventually('the store reconnects', async () => (await store.health()).ok);

    const replaced = await store.records.replace('tickets', 'K-000001', 1, { 主旨: '保單借款' }, { status: 'open' });
    expect(replaced.version).to.equal(2);
    expect((await store.timers.claimDue(T0, 10, 30_000)).map((t) => t.id)).to.deep.equal(['sla/K-000001']);
    expect(await store.assignment.assign({ itemId: 'K-000001', requiredSkills: ['lang:zh-TW'], now: T0 })).to.include({
      agentId: 'mei',
    });
  });

  it('runs a script whose cached copy Redis lost (NOSCRIPT) by sending it again', async () => {
    const admin = createClient({ url: redis.url });
    admin.on('error', () => undefined);
    await admin.connect();
    try {
      const sha = readScripts().get('commit-n')!.sha1;
      await admin.scriptFlush();
      expect(await admin.scriptExists([sha])).to.deep.equal([0]);

      await store.records.create('tickets', 'K-000002', { n: 1 });

      expect((await store.records.get('tickets', 'K-000002'))?.version).to.equal(1);
      expect(await admin.scriptExists([sha])).to.deep.equal([1]);
    } finally {
      await admin.close();
    }
  });

  it('while Redis is down, health says not ok and calls fail with ERR_STORE_UNAVAILABLE; both recover', async () => {
    await store.kv.set('dl/token', { conversationId: 'c1' });
    await redis.stop({ hard: true });

    await eventually('health notices the outage', async () => !(await store.health()).ok);
    const health = await store.health();
    expect(health).to.include({ kind: 'redis', ok: false });
    expect(health.error).to.be.a('string');
    let failure: unknown;
    try {
      await store.kv.get('dl/token');
    } catch (err) {
      failure = err;
    }
    expect(isKefuError(failure, 'ERR_STORE_UNAVAILABLE'), String(failure)).to.equal(true);

    await redis.start();
    await eventually('the store reconnects', async () => (await store.health()).ok);
    await store.kv.set('after', 'ok');
    expect(await store.kv.get('after')).to.equal('ok');
  });

  it('a bus subscription survives a Redis restart', async () => {
    const received: Json[] = [];
    await store.bus.subscribe('agent/mei', (m) => received.push(m));
    await redis.restart();
    await eventually('the store reconnects', async () => (await store.health()).ok);
    // At-most-once: publishes before the subscriber connection is back are lost, so keep trying.
    await eventually('a message arrives on the resubscribed channel', async () => {
      await store.bus.publish('agent/mei', { ticket: 'K-000003' });
      return received.length > 0;
    });
    expect(received[0]).to.deep.equal({ ticket: 'K-000003' });
  });

  it('works with a password-protected Redis and never reports the password', async () => {
    const locked = await startRedis({ password: 's3cret-pass' });
    try {
      const other = await openRedisStore({ url: locked.url, keyPrefix: 'kefu-test:auth:', log });
      try {
        await other.kv.set('k', 1);
        expect(await other.kv.get('k')).to.equal(1);
        const health = await other.health();
        expect(health.ok).to.equal(true);
        expect(health.location).to.equal(`redis://127.0.0.1:${locked.port}`);
      } finally {
        await other.close();
      }
    } finally {
      await locked.dispose();
    }
  });

  it('opening against a Redis that is not there fails with ERR_STORE_UNAVAILABLE instead of hanging', async () => {
    const port = await freePort();
    let failure: unknown;
    try {
      await openRedisStore({ url: `redis://127.0.0.1:${port}`, keyPrefix: 'kefu-test:', log, openTimeoutMs: 300 });
    } catch (err) {
      failure = err;
    }
    expect(isKefuError(failure, 'ERR_STORE_UNAVAILABLE'), String(failure)).to.equal(true);
  });
});
