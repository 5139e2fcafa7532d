/**
 * Checks console credentials: the built-in `admin` account (CONSOLE_ADMIN_PASSWORD) and the
 * agents' accounts (agent id or email, scrypt password from the agent directory).
 *
 * Guarantees: the same answer (undefined) for an unknown user and a wrong password; the
 * admin password is compared in constant time; failures are limited per user name and per
 * client address in a fixed window kept in `store.kv` (so the limit holds across instances),
 * and a limited caller is refused before any password is checked.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { KefuError } from '../../app/errors';
import type { AgentDirectory } from '../../handoff';
import type { KeyValueStore } from '../../storage/port';
import type { Principal } from './principal';

export const ADMIN_USER = 'admin';
/** A client address may fail this many times more often than one user name (a shared office NAT). */
const ADDRESS_FACTOR = 4;

export interface LoginLimits {
  maxFailures: number;
  windowS: number;
}

export interface LoginChecker {
  /**
   * The account for these credentials, or undefined when they do not match.
   * @throws ERR_RATE_LIMITED when the user name or the address failed too often in the window.
   */
  check(username: string, password: string, clientAddress: string): Promise<Omit<Principal, 'via'> | undefined>;
}

export function createLoginChecker(deps: {
  kv: KeyValueStore;
  agents: Pick<AgentDirectory, 'findAgent' | 'listAgents' | 'verifyLogin'>;
  adminPassword: string;
  limits: LoginLimits;
}): LoginChecker {
  const { kv, agents, adminPassword, limits } = deps;
  const digest = (s: string) => createHash('sha256').update(s.normalize('NFC')).digest();
  const userKey = (u: string) => `console:login-fail:user:${createHash('sha256').update(u).digest('hex')}`;
  const addrKey = (a: string) => `console:login-fail:addr:${a}`;

  async function verify(username: string, password: string): Promise<Omit<Principal, 'via'> | undefined> {
    if (username === ADMIN_USER) {
      return timingSafeEqual(digest(password), digest(adminPassword))
        ? { userId: ADMIN_USER, name: 'Administrator 系統管理員', role: 'admin' }
        : undefined;
    }
    let email = username;
    if (!username.includes('@')) {
      const agent = await agents.findAgent(username);
      if (!agent) {
        // Spend the same scrypt time as a real check, so timing does not tell which ids exist.
        await agents.verifyLogin('nobody@invalid.invalid', password);
        return undefined;
      }
      email = agent.email;
    }
    const agent = await agents.verifyLogin(email, password);
    if (!agent) return undefined;
    return { userId: agent.id, name: agent.name, role: agent.role, agentId: agent.id };
  }

  return {
    async check(rawUsername, password, clientAddress) {
      const username = rawUsername.trim().toLowerCase();
      const counts = await kv.counters([userKey(username), addrKey(clientAddress)]);
      if (
        (counts[userKey(username)] ?? 0) >= limits.maxFailures ||
        (counts[addrKey(clientAddress)] ?? 0) >= limits.maxFailures * ADDRESS_FACTOR
      ) {
        throw new KefuError('ERR_RATE_LIMITED', 'Too many failed sign-ins; wait a few minutes and try again.', {
          retryAfterS: limits.windowS,
        });
      }
      const account = await verify(username, password);
      if (!account) {
        await kv.increment(userKey(username), 1, limits.windowS * 1000);
        await kv.increment(addrKey(clientAddress), 1, limits.windowS * 1000);
      }
      return account;
    },
  };
}
