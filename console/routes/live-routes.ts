/**
 * Live updates for the console: `GET /api/v1/live` is a Server-Sent Events stream of the
 * desk's notices (assignment notices on bus channel `handoff`, console changes on `console`),
 * from every instance through `store.bus`. Events carry ticket numbers and agent ids only,
 * never personal data; the page re-reads what changed through the API.
 *
 * The stream ends itself when the service starts draining (checked with the keep-alive), so a
 * shutdown never waits on an open console tab. The page also polls as a fallback.
 */
import type { Request, Response } from 'restify';
import { HANDOFF_CHANNEL } from '../../handoff';
import type { Json } from '../../storage/port';
import { API_BASE, CONSOLE_CHANNEL, guarded, type RouteContext } from './context';

const KEEPALIVE_MS = 15_000;
const DRAIN_CHECK_MS = 500;
/** Most open streams per instance (each is a socket). */
const MAX_STREAMS = 500;

export interface LiveHub {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly size: number;
}

export function mountLiveRoutes(ctx: RouteContext, isDraining: () => boolean): LiveHub {
  const clients = new Set<Response>();
  const unsubscribers: Array<() => Promise<void>> = [];

  const broadcast = (event: string, message: Json) => {
    const payload = `event: ${event}\ndata: ${JSON.stringify(message)}\n\n`;
    for (const res of clients) res.write(payload);
  };

  ctx.server.get(
    `${API_BASE}/live`,
    guarded(ctx, 'agent', async (req: Request, res: Response) => {
      if (clients.size >= MAX_STREAMS) {
        res.send(503, { code: 'ERR_RATE_LIMITED', message: 'Too many live streams; the page polls instead.' });
        return;
      }
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write('retry: 3000\n: connected\n\n');
      clients.add(res);
      let sinceKeepalive = 0;
      const timer = setInterval(() => {
        if (isDraining()) return void res.end();
        sinceKeepalive += DRAIN_CHECK_MS;
        if (sinceKeepalive >= KEEPALIVE_MS) {
          sinceKeepalive = 0;
          res.write(': keep-alive\n\n');
        }
      }, DRAIN_CHECK_MS);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearInterval(timer);
          clients.delete(res);
          resolve();
        };
        req.once('close', done);
        res.once('close', done);
        res.once('finish', done);
      });
    }),
  );

  return {
    async start() {
      unsubscribers.push(await ctx.store.bus.subscribe(HANDOFF_CHANNEL, (m) => broadcast('handoff', m)));
      unsubscribers.push(await ctx.store.bus.subscribe(CONSOLE_CHANNEL, (m) => broadcast('console', m)));
    },
    async stop() {
      for (const res of clients) res.end();
      clients.clear();
      for (const u of unsubscribers.splice(0)) await u();
    },
    get size() {
      return clients.size;
    },
  };
}
