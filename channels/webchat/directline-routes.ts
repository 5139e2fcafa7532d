/**
 * HTTP routes of the self-hosted Direct Line 3.0 endpoint (the calls botframework-directlinejs
 * makes for Web Chat) and the page's token endpoint. Each route reads the request, calls the
 * channel's use case and writes the answer; errors leave through the app's error handler as
 * `{ code, message }` (401 no token, 403 expired token or another conversation, 400 bad
 * JSON or activity, 404 ended conversation, 429 flooding).
 *
 *   POST /api/v1/webchat/token                      → { token, conversationId, userId, expires_in }
 *   POST /v3/directline/conversations               → start (201) or resume (200) the token's conversation
 *   GET  /v3/directline/conversations/:id           → reconnect: same token, fresh streamUrl
 *   GET  /v3/directline/conversations/:id/activities?watermark=N → { activities, watermark }
 *   POST /v3/directline/conversations/:id/activities → { id }
 *   POST /v3/directline/conversations/:id/upload    → refused with a notice in the chat
 *   POST /v3/directline/tokens/refresh              → { conversationId, token, expires_in }
 *
 * CORS is open (`*`) because the credential is a bearer token, never a cookie, so the page
 * may also be embedded on the insurer's own site.
 */
import type { Request, Response, Server } from 'restify';
import type { ConversationInfo, WebChatChannel } from './webchat-channel';

export const DIRECTLINE_BASE_PATH = '/v3/directline';
export const TOKEN_PATH = '/api/v1/webchat/token';

const CORS_HEADERS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'Authorization, Content-Type, x-ms-bot-agent, X-Requested-With',
  'access-control-max-age': '600',
};

function cors(res: Response): void {
  for (const [name, value] of Object.entries(CORS_HEADERS)) res.setHeader(name, value);
}

function bearer(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return m?.[1];
}

function watermarkOf(req: Request): number {
  const raw = (req.query as Record<string, unknown> | undefined)?.['watermark'];
  const n = typeof raw === 'string' ? Number.parseInt(raw, 10) : Number.NaN;
  return Number.isFinite(n) && n > 0 ? n : 0;
}

const HOST_HEADER = /^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/;

/** The WebSocket URL for a conversation, on the host and scheme the client used. */
export function streamUrlFor(req: Request, publicBaseUrl: string, info: ConversationInfo): string {
  const base = new URL(publicBaseUrl);
  const hostHeader = req.headers.host;
  const host = typeof hostHeader === 'string' && HOST_HEADER.test(hostHeader) ? hostHeader : base.host;
  const forwarded = req.headers['x-forwarded-proto'];
  const secure = forwarded === 'https' || (forwarded === undefined && base.protocol === 'https:' && host === base.host);
  const query = new URLSearchParams({ t: info.streamTicket, watermark: String(info.watermark) });
  return `${secure ? 'wss' : 'ws'}://${host}${DIRECTLINE_BASE_PATH}/conversations/${encodeURIComponent(info.conversationId)}/stream?${query}`;
}

function conversationBody(req: Request, publicBaseUrl: string, info: ConversationInfo) {
  return {
    conversationId: info.conversationId,
    token: info.token,
    expires_in: info.expires_in,
    streamUrl: streamUrlFor(req, publicBaseUrl, info),
  };
}

function param(req: Request, name: string): string {
  return String((req.params as Record<string, unknown>)[name] ?? '');
}

export function mountDirectLineRoutes(server: Server, channel: WebChatChannel, publicBaseUrl: string): void {
  const preflight = (_req: Request, res: Response, next: () => void): void => {
    cors(res);
    res.send(204);
    next();
  };
  server.opts(`${DIRECTLINE_BASE_PATH}/*`, preflight);
  server.opts(TOKEN_PATH, preflight);

  server.post(TOKEN_PATH, async (req: Request, res: Response) => {
    cors(res);
    res.setHeader('cache-control', 'no-store');
    const body = (req.body ?? {}) as { locale?: unknown };
    const issued = await channel.issueToken({
      clientAddress: req.socket.remoteAddress ?? 'unknown',
      locale: typeof body.locale === 'string' ? body.locale : undefined,
    });
    res.send(200, issued);
  });

  server.post(`${DIRECTLINE_BASE_PATH}/conversations`, async (req: Request, res: Response) => {
    cors(res);
    const token = bearer(req);
    const binding = await channel.authorize(token);
    const body = (req.body ?? {}) as { locale?: unknown };
    const info = await channel.start(token!, binding, typeof body.locale === 'string' ? body.locale : undefined);
    res.send(info.created ? 201 : 200, conversationBody(req, publicBaseUrl, info));
  });

  server.get(`${DIRECTLINE_BASE_PATH}/conversations/:conversationId`, async (req: Request, res: Response) => {
    cors(res);
    const token = bearer(req);
    const binding = await channel.authorize(token, param(req, 'conversationId'));
    const info = await channel.resume(token!, binding, watermarkOf(req));
    res.send(200, conversationBody(req, publicBaseUrl, info));
  });

  server.get(
    `${DIRECTLINE_BASE_PATH}/conversations/:conversationId/activities`,
    async (req: Request, res: Response) => {
      cors(res);
      const binding = await channel.authorize(bearer(req), param(req, 'conversationId'));
      res.send(200, await channel.activities(binding, watermarkOf(req)));
    },
  );

  server.post(
    `${DIRECTLINE_BASE_PATH}/conversations/:conversationId/activities`,
    async (req: Request, res: Response) => {
      cors(res);
      const binding = await channel.authorize(bearer(req), param(req, 'conversationId'));
      try {
        res.send(200, await channel.post(binding, req.body));
      } catch (err) {
        const retry = (err as { context?: { retryAfterS?: number } }).context?.retryAfterS;
        if (retry) res.setHeader('retry-after', String(retry));
        throw err;
      }
    },
  );

  server.post(`${DIRECTLINE_BASE_PATH}/conversations/:conversationId/upload`, async (req: Request, res: Response) => {
    cors(res);
    const binding = await channel.authorize(bearer(req), param(req, 'conversationId'));
    const locale = req.headers['accept-language'];
    res.send(200, await channel.refuseUpload(binding, typeof locale === 'string' ? locale : undefined));
  });

  server.post(`${DIRECTLINE_BASE_PATH}/tokens/refresh`, async (req: Request, res: Response) => {
    cors(res);
    const binding = await channel.authorize(bearer(req));
    res.send(200, await channel.refresh(binding));
  });
}
