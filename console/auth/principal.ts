/**
 * Who is calling the console API, and what each role may do.
 *
 * Three roles, in increasing power: `agent` (works tickets offered to or held by them, takes
 * work from the queue, sets their own presence), `lead` (team lead: everything an agent does
 * on any ticket, assigns, manages agents and teams, sees the measures, unmasks personal data)
 * and `admin` (everything, plus integration tokens and the audit log). The checks live here
 * so that every route asks the same question the same way.
 */
import { KefuError } from '../../app/errors';
import type { Role } from '../../handoff';

export type { Role };

export interface Principal {
  /** How the caller proved who they are: a browser session cookie or a bearer token. */
  via: 'session' | 'token';
  /** Account id: an agent id, or `admin` for the built-in account. */
  userId: string;
  name: string;
  role: Role;
  /** The agent record behind the account (absent for the built-in admin and agent-less tokens). */
  agentId?: string;
  /** Session id hash (sessions only), to end the session on logout. */
  sessionKey?: string;
  /** CSRF token the browser must echo in `X-Kefu-CSRF` on mutations (sessions only). */
  csrf?: string;
}

const RANK: Record<Role, number> = { agent: 1, lead: 2, admin: 3 };

/** Whether `role` is at least `needed`. */
export function hasRole(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

/**
 * Refuses a caller below `needed`.
 * @throws ERR_FORBIDDEN
 */
export function requireRole(p: Principal, needed: Role): void {
  if (!hasRole(p.role, needed)) {
    throw new KefuError('ERR_FORBIDDEN', `This needs the ${needed} role; you are signed in as ${p.role}.`, {
      role: p.role,
      needed,
    });
  }
}

/**
 * The agent id the caller acts as on tickets.
 * @throws ERR_FORBIDDEN when the account has no agent record (the built-in admin).
 */
export function actingAgentId(p: Principal): string {
  if (!p.agentId) {
    throw new KefuError(
      'ERR_FORBIDDEN',
      'This account is not an agent; sign in with an agent account to work tickets.',
    );
  }
  return p.agentId;
}
