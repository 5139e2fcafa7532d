/**
 * Bearer tokens for integrations (a wallboard, a CRM, a test harness) that call the console
 * API without a browser. An admin creates one with a role; the secret is shown once and only
 * its SHA-256 is stored (collection `console-tokens`, id = the hash), so a store dump cannot
 * be replayed. Tokens may expire and can be revoked; bearer calls need no CSRF token because
 * browsers never attach them on their own.
 */
import { createHash, randomBytes } from 'node:crypto';
import { KefuError } from '../../app/errors';
import type { Json, Store } from '../../storage/port';
import type { Principal, Role } from './principal';

export const TOKENS_COLLECTION = 'console-tokens';
const TOKEN_PREFIX = 'kefu_';

export interface ApiTokenRecord {
  name: string;
  role: Role;
  agentId?: string;
  createdBy: string;
  createdAt: number;
  expiresAt?: number;
  [key: string]: Json | undefined;
}

export interface ApiTokenView extends ApiTokenRecord {
  /** Short public id (a prefix of the hash) for listing and revoking. */
  id: string;
}

export interface ApiTokens {
  create(
    input: { name: string; role: Role; agentId?: string; ttlDays?: number },
    by: string,
    now: number,
  ): Promise<{ token: string; view: ApiTokenView }>;
  /** The principal for a presented token, or undefined (unknown, revoked, expired). */
  authenticate(token: string, now: number): Promise<Principal | undefined>;
  list(): Promise<ApiTokenView[]>;
  /** @throws ERR_NOT_FOUND */
  revoke(id: string): Promise<void>;
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');
const PUBLIC_ID_LENGTH = 16;

export function createApiTokens(store: Pick<Store, 'records'>): ApiTokens {
  const view = (hash: string, rec: ApiTokenRecord): ApiTokenView => ({ ...rec, id: hash.slice(0, PUBLIC_ID_LENGTH) });
  return {
    async create(input, by, now) {
      const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
      const hash = hashOf(token);
      const rec: ApiTokenRecord = {
        name: input.name,
        role: input.role,
        ...(input.agentId ? { agentId: input.agentId } : {}),
        createdBy: by,
        createdAt: now,
        ...(input.ttlDays ? { expiresAt: now + input.ttlDays * 86_400_000 } : {}),
      };
      await store.records.create<Json>(TOKENS_COLLECTION, hash, rec as Json);
      return { token, view: view(hash, rec) };
    },
    async authenticate(token, now) {
      if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
      const hash = hashOf(token);
      const rec = (await store.records.get<Json>(TOKENS_COLLECTION, hash))?.value as ApiTokenRecord | undefined;
      if (!rec || (rec.expiresAt !== undefined && rec.expiresAt <= now)) return undefined;
      return {
        via: 'token',
        userId: rec.agentId ?? `token:${hash.slice(0, PUBLIC_ID_LENGTH)}`,
        name: rec.name,
        role: rec.role,
        ...(rec.agentId ? { agentId: rec.agentId } : {}),
      };
    },
    async list() {
      const all = await store.records.list<Json>(TOKENS_COLLECTION);
      return all.map((r) => view(r.id, r.value as ApiTokenRecord));
    },
    async revoke(id) {
      const all = await store.records.list<Json>(TOKENS_COLLECTION);
      const hit = all.find((r) => r.id.slice(0, PUBLIC_ID_LENGTH) === id);
      if (!hit) throw new KefuError('ERR_NOT_FOUND', `No API token ${id}.`);
      await store.records.remove(TOKENS_COLLECTION, hit.id);
    },
  };
}
