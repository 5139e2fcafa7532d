/**
 * Direct Line tokens for the self-hosted endpoint.
 *
 * A token is a random opaque string (32 bytes, base64url) bound to exactly one conversation
 * and one user id; the store keeps only its SHA-256 hash, so a copy of the store does not
 * yield usable tokens. It expires after DIRECTLINE_TOKEN_TTL_S by the injected clock (tests
 * move time instead of sleeping); the store's own TTL only removes dead entries. Refreshing
 * gives a new token with the same binding and a fresh lifetime; the old one stays valid until
 * its own expiry, as Azure's Direct Line does.
 *
 * Stream tickets: the WebSocket `streamUrl` carries a separate one-use ticket (valid a few
 * minutes) instead of the token, so the long-lived credential never lands in a URL or log.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../app/clock';
import type { KeyValueStore } from '../../storage/port';

/** What a token proves: which conversation and which user the bearer is. */
export interface TokenBinding {
  conversationId: string;
  userId: string;
  /** Epoch ms after which the token no longer works. */
  expiresAt: number;
}

/** How long a stream ticket may wait before the socket connects. */
export const STREAM_TICKET_TTL_MS = 5 * 60 * 1000;

const TOKEN_KEY = 'webchat:token:';
const TICKET_KEY = 'webchat:stream-ticket:';

/** A random URL-safe identifier with `bytes` bytes of entropy. */
export function randomId(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

function hash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export class DirectLineTokens {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly clock: Clock,
    private readonly ttlS: number,
  ) {}

  /** Issues a new token for the binding; returns it with its lifetime in seconds. */
  async issue(binding: { conversationId: string; userId: string }): Promise<{ token: string; expiresIn: number }> {
    const token = randomId(32);
    const expiresAt = this.clock.now() + this.ttlS * 1000;
    const record: TokenBinding = { conversationId: binding.conversationId, userId: binding.userId, expiresAt };
    await this.kv.set(TOKEN_KEY + hash(token), { ...record }, this.ttlS * 1000);
    return { token, expiresIn: this.ttlS };
  }

  /** The binding of a live token, or undefined when it is unknown or expired. */
  async verify(token: string | undefined): Promise<TokenBinding | undefined> {
    if (!token || token.length > 200) return undefined;
    const record = await this.kv.get<{ conversationId: string; userId: string; expiresAt: number }>(
      TOKEN_KEY + hash(token),
    );
    if (!record || record.expiresAt <= this.clock.now()) return undefined;
    return record;
  }

  /** Seconds the token has left (0 when expired). */
  secondsLeft(binding: TokenBinding): number {
    return Math.max(0, Math.floor((binding.expiresAt - this.clock.now()) / 1000));
  }

  /** A new token with the same binding and a fresh lifetime. */
  async refresh(binding: TokenBinding): Promise<{ token: string; expiresIn: number }> {
    return this.issue(binding);
  }

  /** A one-use ticket for opening the WebSocket stream of the bound conversation. */
  async issueStreamTicket(binding: TokenBinding): Promise<string> {
    const ticket = randomId(24);
    await this.kv.set(
      TICKET_KEY + hash(ticket),
      {
        conversationId: binding.conversationId,
        userId: binding.userId,
        expiresAt: this.clock.now() + STREAM_TICKET_TTL_MS,
      },
      STREAM_TICKET_TTL_MS,
    );
    return ticket;
  }

  /** Redeems a stream ticket once; undefined when unknown, used or expired. */
  async redeemStreamTicket(ticket: string | undefined): Promise<TokenBinding | undefined> {
    if (!ticket || ticket.length > 200) return undefined;
    const key = TICKET_KEY + hash(ticket);
    const record = await this.kv.get<{ conversationId: string; userId: string; expiresAt: number }>(key);
    if (!record) return undefined;
    // Exactly one redeemer wins, also across instances.
    if (!(await this.kv.delete(key))) return undefined;
    if (record.expiresAt <= this.clock.now()) return undefined;
    return record;
  }
}
