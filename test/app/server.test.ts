/**
 * The HTTP service as the product runs it (`startKefu` on port 0 with a throwaway DATA_DIR):
 * /healthz reports the store's kind and reachability for SQLite and for a real Redis,
 * /metrics speaks the Prometheus text format, and every error leaves as JSON `{ code, message }`
 * with the right status and nothing internal in it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import type { Request, Response } from 'restify';
import { KefuError } from '../../app/errors';
import { MAX_JSON_BODY_BYTES } from '../../app/server';
import { type RunningKefu, startKefu } from '../../app/start';
import { startRedis, type TestRedis } from '../support/redis-server';

interface HealthBody {
  status: string;
  dependencies: Record<string, { status: string; kind?: string; ok?: boolean; location?: string; critical: boolean }>;
}

function tempDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-app-'));
}

function baseEnv(dataDir: string): Record<string, string> {
  return { NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
}

/** Log lines written by the service, parsed. */
function memoryLog() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      callback();
    },
  });
  return { lines, destination };
}

async function getJson(url: string, init?: RequestInit): Promise<{ status: number; body: unknown; type: string }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, type: res.headers.get('content-type') ?? '' };
}

/** Polls `check` until it returns true or the deadline passes (for state outside our control). */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('HTTP service (app/server.ts, app/start.ts)', function () {
  this.timeout(60_000);

  describe('on the embedded SQLite store', () => {
    let dataDir: string;
    let kefu: RunningKefu;
    const log = memoryLog();

    before(async () => {
      dataDir = tempDataDir();
      kefu = await startKefu({ ...baseEnv(dataDir), LOG_LEVEL: 'info' }, { logDestination: log.destination });
      // Routes a channel would add, to check the shared parsing and error handling.
      kefu.app.server.post('/test/echo', async (req: Request, res: Response) => {
        res.send(200, { received: req.body });
      });
      kefu.app.server.get('/test/rate-limited', async () => {
        throw new KefuError('ERR_RATE_LIMITED', 'Too many messages; wait a minute.');
      });
      kefu.app.server.get('/test/crash', async () => {
        throw new Error('database password is hunter2 for A123456789');
      });
    });
    after(async () => {
      await kefu?.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('creates kefu.sqlite under DATA_DIR on first start', () => {
      expect(fs.existsSync(path.join(dataDir, 'kefu.sqlite'))).to.equal(true);
    });

    it('answers GET /healthz 200 with the store kind sqlite and reachable', async () => {
      const { status, body, type } = await getJson(`${kefu.url}/healthz`);
      expect(status).to.equal(200);
      expect(type).to.match(/^application\/json/);
      const health = body as HealthBody;
      expect(health.status).to.equal('ok');
      expect(health.dependencies.store).to.include({ status: 'ok', kind: 'sqlite', ok: true, critical: true });
      expect(health.dependencies.store!.location).to.equal(path.resolve(dataDir, 'kefu.sqlite'));
    });

    it('serves /metrics in the Prometheus text format, counting requests by route', async () => {
      await fetch(`${kefu.url}/healthz`);
      const res = await fetch(`${kefu.url}/metrics`);
      const text = await res.text();
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
      expect(text).to.include('# HELP kefu_http_requests_total');
      expect(text).to.include('# TYPE kefu_http_requests_total counter');
      expect(text).to.include('# TYPE kefu_http_request_duration_seconds histogram');
      expect(text).to.match(/^kefu_http_requests_total\{[^}]*route="\/healthz"[^}]*status="2xx"[^}]*\} [1-9]\d*$/m);
      expect(text).to.match(/^process_cpu_user_seconds_total\{service="kefu"\} /m);
      // Values are Go ParseFloat numbers: prom-client writes NaN as "Nan", which parsers accept.
      const sample =
        /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_]\w*="(\\.|[^"\\])*",?)*\})? (-?[0-9.]+(e[-+]?\d+)?|[Nn]a[Nn]|[+-]Inf)( \d+)?$/;
      for (const line of text.split('\n')) {
        if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
        expect(line, `not a Prometheus sample line: ${line}`).to.match(sample);
      }
    });

    it('answers malformed JSON with 400 ERR_BAD_REQUEST saying what is wrong with the JSON', async () => {
      const { status, body } = await getJson(`${kefu.url}/test/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"question": "保單貸款利率",',
      });
      expect(status).to.equal(400);
      expect(body).to.have.keys(['code', 'message']);
      const { code, message } = body as { code: string; message: string };
      expect(code).to.equal('ERR_BAD_REQUEST');
      expect(message).to.match(/not valid JSON/);
      expect(message.length).to.be.greaterThan('The request body is not valid JSON: '.length);
    });

    it('parses well-formed JSON bodies for routes', async () => {
      const { status, body } = await getJson(`${kefu.url}/test/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ question: '保單貸款利率' }),
      });
      expect(status).to.equal(200);
      expect(body).to.deep.equal({ received: { question: '保單貸款利率' } });
    });

    it('answers an unknown route with 404 JSON ERR_NOT_FOUND', async () => {
      const { status, body, type } = await getJson(`${kefu.url}/no/such/route`);
      expect(status).to.equal(404);
      expect(type).to.match(/^application\/json/);
      expect(body).to.have.keys(['code', 'message']);
      expect((body as { code: string }).code).to.equal('ERR_NOT_FOUND');
    });

    it('answers a body over the limit with 413 ERR_PAYLOAD_TOO_LARGE', async () => {
      const { status, body } = await getJson(`${kefu.url}/test/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'x'.repeat(MAX_JSON_BODY_BYTES + 10) }),
      });
      expect(status).to.equal(413);
      expect((body as { code: string }).code).to.equal('ERR_PAYLOAD_TOO_LARGE');
    });

    it('maps a KefuError thrown by a route to its status and { code, message }', async () => {
      const { status, body } = await getJson(`${kefu.url}/test/rate-limited`);
      expect(status).to.equal(429);
      expect(body).to.deep.equal({ code: 'ERR_RATE_LIMITED', message: 'Too many messages; wait a minute.' });
    });

    it('answers an unexpected error with 500 ERR_INTERNAL, leaking nothing, and logs it masked', async () => {
      const { status, body } = await getJson(`${kefu.url}/test/crash`);
      expect(status).to.equal(500);
      expect((body as { code: string }).code).to.equal('ERR_INTERNAL');
      expect(JSON.stringify(body)).to.not.match(/hunter2|A123456789|database/);
      await eventually(async () => log.lines.some((l) => l.msg === 'request failed'), 'the error log line');
      const logged = JSON.stringify(log.lines.filter((l) => l.msg === 'request failed'));
      expect(logged).to.include('A12345****');
      expect(logged).to.not.include('A123456789');
    });
  });

  describe('on Redis (REDIS_URL set)', () => {
    let redis: TestRedis;
    let dataDir: string;
    let kefu: RunningKefu;

    before(async () => {
      redis = await startRedis();
      dataDir = tempDataDir();
      kefu = await startKefu({
        ...baseEnv(dataDir),
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: `kefu-test-${process.pid}-${Date.now()}:`,
      });
    });
    after(async () => {
      await kefu?.stop();
      await redis?.dispose();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('answers GET /healthz 200 with the store kind redis and reachable', async () => {
      const { status, body } = await getJson(`${kefu.url}/healthz`);
      expect(status).to.equal(200);
      const health = body as HealthBody;
      expect(health.dependencies.store).to.include({ status: 'ok', kind: 'redis', ok: true });
      expect(health.dependencies.store!.location).to.include(String(redis.port));
    });

    it('does not create a SQLite file when Redis is the store', () => {
      expect(fs.existsSync(path.join(dataDir, 'kefu.sqlite'))).to.equal(false);
    });

    it('reports the store down (503) while Redis is unreachable, and ok again once it is back', async () => {
      await redis.stop({ hard: true });
      try {
        const { status, body } = await getJson(`${kefu.url}/healthz`);
        expect(status).to.equal(503);
        const health = body as HealthBody;
        expect(health.status).to.equal('down');
        expect(health.dependencies.store).to.include({ status: 'down', kind: 'redis', ok: false });
      } finally {
        await redis.start();
      }
      await eventually(async () => (await fetch(`${kefu.url}/healthz`)).status === 200, '/healthz back to 200');
    });
  });

  it('never puts the Redis password into /healthz', async () => {
    const redis = await startRedis({ password: 'not-a-real-secret' });
    const dataDir = tempDataDir();
    let kefu: RunningKefu | undefined;
    try {
      expect(redis.url).to.include('not-a-real-secret');
      kefu = await startKefu({ ...baseEnv(dataDir), REDIS_URL: redis.url });
      const { status, body } = await getJson(`${kefu.url}/healthz`);
      expect(status).to.equal(200);
      expect((body as HealthBody).dependencies.store).to.include({ kind: 'redis', ok: true });
      expect(JSON.stringify(body)).to.not.include('not-a-real-secret');
    } finally {
      await kefu?.stop();
      await redis.dispose();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
