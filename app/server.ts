/**
 * The restify app factory, separate from `listen` so that tests start it on port 0.
 *
 * It owns what every route shares: JSON body parsing with a size limit, the HTTP error
 * handler (KefuError code → status, JSON `{ code, message }`; nothing else leaks), request
 * metrics, in-flight tracking for graceful shutdown, and the service routes `/healthz` and
 * `/metrics`. Channels and the console add their routes through `app.server`.
 */
import restify, { type Request, type Response, type Server } from 'restify';
import { Counter, Histogram, collectDefaultMetrics, Registry } from 'prom-client';
import type { Config } from './config';
import { ERROR_CODES, KefuError, isKefuError } from './errors';
import type { HealthRegistry } from './health';
import type { Lifecycle } from './lifecycle';
import type { Logger } from './logger';

/** Largest JSON body accepted by default (attachments use their own limits). */
export const MAX_JSON_BODY_BYTES = 256 * 1024;

export interface AppDeps {
  config: Config;
  log: Logger;
  health: HealthRegistry;
  lifecycle: Lifecycle;
  metrics: Registry;
}

export interface App {
  server: Server;
  /** Starts listening; resolves with the bound port. */
  listen(port: number, host?: string): Promise<number>;
  /** Stops accepting connections (in-flight requests finish). */
  closeListener(): Promise<void>;
}

export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'kefu' });
  collectDefaultMetrics({ register: registry });
  return registry;
}

export function createApp(deps: AppDeps): App {
  const { log, health, lifecycle, metrics } = deps;
  const server = restify.createServer({ name: 'kefu', handleUncaughtExceptions: false });

  const requests = new Counter({
    name: 'kefu_http_requests_total',
    help: 'HTTP requests answered, by route and status class.',
    labelNames: ['route', 'status'],
    registers: [metrics],
  });
  const latency = new Histogram({
    name: 'kefu_http_request_duration_seconds',
    help: 'HTTP request duration by route.',
    labelNames: ['route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [metrics],
  });

  // Draining: refuse new requests once shutdown began; track the rest so shutdown waits.
  server.pre((req: Request, res: Response, next: restify.Next) => {
    if (lifecycle.draining) {
      res.setHeader('connection', 'close');
      sendError(res, new KefuError('ERR_SHUTTING_DOWN', 'The service is shutting down; try again shortly.'));
      return next(false);
    }
    const started = process.hrtime.bigint();
    lifecycle.track(
      new Promise<void>((resolve) => {
        res.once('finish', resolve);
        res.once('close', resolve);
      }),
    );
    res.once('finish', () => {
      const route = routeLabel(req);
      requests.inc({ route, status: `${Math.floor(res.statusCode / 100)}xx` });
      latency.observe({ route }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    return next();
  });

  server.use(restify.plugins.queryParser({ mapParams: false }));
  server.use(
    restify.plugins.bodyParser({
      mapParams: false,
      maxBodySize: MAX_JSON_BODY_BYTES,
      // multipart uploads are handled by the routes that accept them
      multipartHandler: () => undefined,
      multipartFileHandler: () => undefined,
    }),
  );

  // The one HTTP error handler: restify's own errors (bad JSON, 404, 405, body too large)
  // and ours leave as `{ code, message }`.
  server.on('restifyError', (req: Request, _res: Response, err: Error & { statusCode?: number }, cb: () => void) => {
    const { status, body } = toHttpError(err);
    if (status >= 500) log.error({ err, route: routeLabel(req) }, 'request failed');
    Object.assign(err, { toJSON: () => body, statusCode: status });
    return cb();
  });

  server.get('/healthz', async (_req: Request, res: Response) => {
    const report = await health.report();
    res.send(report.status === 'down' ? 503 : 200, report);
  });

  server.get('/metrics', async (_req: Request, res: Response) => {
    const text = await metrics.metrics();
    res.setHeader('content-type', metrics.contentType);
    res.sendRaw(200, text);
  });

  return {
    server,
    listen(port, host = '0.0.0.0') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.removeListener('error', reject);
          const address = server.server.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      });
    },
    closeListener() {
      return new Promise((resolve) => {
        if (!server.server.listening) return resolve();
        server.close(() => resolve());
        // Idle keep-alive sockets would hold close() open until they time out.
        server.server.closeIdleConnections?.();
      });
    },
  };
}

/** Maps any error to the status and `{ code, message }` body the API answers with. */
export function toHttpError(err: unknown): { status: number; body: { code: string; message: string } } {
  if (isKefuError(err)) return { status: err.status, body: { code: err.code, message: err.message } };
  const e = err as { statusCode?: number; name?: string; message?: string; body?: { message?: string } };
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 500) {
    return { status, body: { code: 'ERR_INTERNAL', message: ERROR_CODES.ERR_INTERNAL.description } };
  }
  const code =
    status === 404
      ? 'ERR_NOT_FOUND'
      : status === 413
        ? 'ERR_PAYLOAD_TOO_LARGE'
        : status === 429
          ? 'ERR_RATE_LIMITED'
          : status === 401
            ? 'ERR_UNAUTHORIZED'
            : status === 403
              ? 'ERR_FORBIDDEN'
              : 'ERR_BAD_REQUEST';
  const message = e.body?.message ?? e.message ?? ERROR_CODES[code].description;
  return { status, body: { code, message: describeBadRequest(e.name, message) } };
}

/** restify's parser messages are terse; say what was wrong. */
function describeBadRequest(name: string | undefined, message: string): string {
  if (name === 'InvalidContentError' || /Invalid JSON/i.test(message)) {
    return `The request body is not valid JSON: ${message.replace(/^Invalid JSON:\s*/i, '')}`;
  }
  return message;
}

/** Sends an error as the API does, for code paths that are not inside a route's throw. */
export function sendError(res: Response, err: unknown): void {
  const { status, body } = toHttpError(err);
  res.send(status, body);
}

function routeLabel(req: Request): string {
  const route = req.getRoute?.();
  return route?.path ? String(route.path) : 'unmatched';
}
