/**
 * The Direct Line WebSocket stream (`streamUrl`), so the page gets activities pushed instead
 * of polling. Sockets attach to the HTTP server's `upgrade` event for
 * `/v3/directline/conversations/:id/stream?t=TICKET&watermark=N` only; other paths are left
 * to whoever else listens.
 *
 * Each message is a Direct Line activity set `{ activities, watermark }` read from the
 * conversation log after the socket's watermark, so order and gaps are handled by the log,
 * not by the notifications: a notice (from this or any instance, via the store's bus) only
 * says "read again". Typing indicators come as `{ activities: [typing] }` without a watermark.
 * Sends per socket are serialised. A ping every 30 s drops dead sockets; the client's own
 * empty-string pings are ignored.
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../../app/logger';
import type { Bus, Json } from '../../storage/port';
import { ACTIVITY_BUS_CHANNEL, type ActivityNotice, type ConversationLog } from './conversation-log';
import { DIRECTLINE_BASE_PATH } from './directline-routes';
import type { DirectLineTokens } from './tokens';

const STREAM_PATH = new RegExp(`^${DIRECTLINE_BASE_PATH}/conversations/([^/]+)/stream$`);
const HEARTBEAT_MS = 30_000;

interface Client {
  ws: WebSocket;
  conversationId: string;
  watermark: number;
  alive: boolean;
  chain: Promise<void>;
}

export class StreamServer {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly clients = new Map<string, Set<Client>>();
  private unsubscribe: (() => Promise<void>) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    void this.upgrade(req, socket, head);
  };

  constructor(
    private readonly deps: {
      httpServer: HttpServer;
      bus: Bus;
      log: ConversationLog;
      tokens: DirectLineTokens;
      logger: Logger;
    },
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.deps.bus.subscribe(ACTIVITY_BUS_CHANNEL, (message) => this.onNotice(message));
    this.deps.httpServer.on('upgrade', this.onUpgrade);
    this.heartbeat = setInterval(() => this.ping(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  async stop(): Promise<void> {
    this.deps.httpServer.off('upgrade', this.onUpgrade);
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const set of this.clients.values()) for (const c of set) c.ws.close(1001, 'server shutting down');
    this.clients.clear();
    await this.unsubscribe?.();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  /** Number of open sockets (health and tests). */
  get openSockets(): number {
    let n = 0;
    for (const set of this.clients.values()) n += set.size;
    return n;
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = STREAM_PATH.exec(url.pathname);
    if (!match) return; // not ours
    const conversationId = decodeURIComponent(match[1]!);
    try {
      const binding = await this.deps.tokens.redeemStreamTicket(url.searchParams.get('t') ?? undefined);
      if (!binding || binding.conversationId !== conversationId) {
        socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      const wm = Number.parseInt(url.searchParams.get('watermark') ?? '0', 10);
      this.wss.handleUpgrade(req, socket, head, (ws) =>
        this.attach(ws, conversationId, Number.isFinite(wm) && wm > 0 ? wm : 0),
      );
    } catch (err) {
      this.deps.logger.error({ err }, 'web chat stream upgrade failed');
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
  }

  private attach(ws: WebSocket, conversationId: string, watermark: number): void {
    const client: Client = { ws, conversationId, watermark, alive: true, chain: Promise.resolve() };
    let set = this.clients.get(conversationId);
    if (!set) {
      set = new Set();
      this.clients.set(conversationId, set);
    }
    set.add(client);
    ws.on('pong', () => {
      client.alive = true;
    });
    ws.on('message', () => {
      client.alive = true; // directlinejs pings with empty strings
    });
    ws.on('error', (err) => this.deps.logger.debug({ err, conversationId }, 'web chat socket error'));
    ws.on('close', () => {
      const s = this.clients.get(conversationId);
      s?.delete(client);
      if (s && s.size === 0) this.clients.delete(conversationId);
    });
    this.flush(client);
  }

  private onNotice(message: Json): void {
    const notice = message as unknown as ActivityNotice;
    const set = this.clients.get(notice.conversationId);
    if (!set) return;
    for (const client of set) {
      if ('ephemeral' in notice) {
        const ephemeral = notice.ephemeral;
        client.chain = client.chain.then(() => this.send(client, { activities: [ephemeral] }));
      } else if (notice.seq > client.watermark) {
        this.flush(client);
      }
    }
  }

  private flush(client: Client): void {
    client.chain = client.chain.then(async () => {
      try {
        for (;;) {
          const entries = await this.deps.log.after(client.conversationId, client.watermark);
          if (entries.length === 0) return;
          const last = entries.at(-1)!.seq;
          this.send(client, { activities: entries.map((e) => e.activity), watermark: String(last) });
          client.watermark = last;
        }
      } catch (err) {
        this.deps.logger.warn({ err, conversationId: client.conversationId }, 'web chat stream could not read the log');
      }
    });
  }

  private send(client: Client, set: { activities: unknown[]; watermark?: string }): void {
    if (client.ws.readyState === WebSocket.OPEN) client.ws.send(JSON.stringify(set));
  }

  private ping(): void {
    for (const set of this.clients.values()) {
      for (const client of set) {
        if (!client.alive) {
          client.ws.terminate();
          continue;
        }
        client.alive = false;
        client.ws.ping();
      }
    }
  }
}
