/**
 * The one registry of Kefu's error codes.
 *
 * Every error the product throws on purpose is a `KefuError` with a stable `code` from this
 * table and the context that explains it. Errors are translated in three places only: the
 * bot's turn-error handler, the HTTP error handler (code → status) and the background workers
 * (retry what is transient, quarantine what is poison). Adding a code here is the only way to
 * add a new kind of failure.
 */

/** Code → one-line description and the HTTP status the API answers with. */
export const ERROR_CODES = {
  ERR_CONFIG_INVALID: { status: 500, description: 'Configuration is missing or invalid; start-up stops.' },
  ERR_CONFIG_UNSAFE: { status: 500, description: 'Configuration is unsafe for NODE_ENV=production; start-up stops.' },
  ERR_STORE_UNAVAILABLE: { status: 503, description: 'The store (SQLite file or Redis) cannot be reached.' },
  ERR_STORE_CONFLICT: {
    status: 409,
    description: 'A compare-and-set write lost: the record changed since it was read (stale eTag or version).',
  },
  ERR_STORE_EXISTS: { status: 409, description: 'A record that must be created once already exists.' },
  ERR_STORE_NOT_FOUND: { status: 404, description: 'The record does not exist in the store.' },
  ERR_STORE_BAD_COMMIT: {
    status: 500,
    description: 'A unit of work names one record or timer twice (fold the changes before committing).',
  },
  ERR_STORE_SCRIPT: { status: 500, description: 'A Redis script returned an unexpected result.' },
  ERR_BAD_REQUEST: { status: 400, description: 'The request is malformed (bad JSON, missing field).' },
  ERR_UNAUTHORIZED: { status: 401, description: 'No valid credentials were given.' },
  ERR_FORBIDDEN: { status: 403, description: 'The credentials do not allow this resource.' },
  ERR_NOT_FOUND: { status: 404, description: 'No such resource.' },
  ERR_RATE_LIMITED: { status: 429, description: 'Too many requests in the current window.' },
  ERR_PAYLOAD_TOO_LARGE: { status: 413, description: 'The request body or upload is larger than allowed.' },
  ERR_SHUTTING_DOWN: { status: 503, description: 'The service is shutting down and takes no new work.' },
  ERR_TICKET_NOT_FOUND: { status: 404, description: 'No ticket with that number.' },
  ERR_TICKET_TRANSITION: { status: 409, description: 'The ticket lifecycle does not allow that status change.' },
  ERR_AGENT_NOT_FOUND: { status: 404, description: 'No agent with that id.' },
  ERR_TEAM_NOT_FOUND: { status: 404, description: 'No team with that id.' },
  ERR_AGENT_INVALID: {
    status: 400,
    description: 'An agent or team is malformed (unknown skill, bad role, capacity out of range, lead not in team).',
  },
  ERR_AGENT_EXISTS: { status: 409, description: 'An agent or team with that id or email already exists.' },
  ERR_TEAM_FULL: { status: 409, description: 'The team already has 11 agents, the most a team lead may have.' },
  ERR_ASSIGNMENT_CONFLICT: {
    status: 409,
    description: 'The ticket is not offered to or held by this agent (another agent has it, or the offer lapsed).',
  },
  ERR_AGENT_SEED_INVALID: { status: 500, description: 'The agent seed file is unreadable or fails validation.' },
  ERR_TRAVEL_APPLICATION_INVALID: {
    status: 400,
    description: 'A travel insurance application failed validation (ID, birth date, consent).',
  },
  ERR_INTERNAL: { status: 500, description: 'An unexpected internal error.' },
  ERR_EMAIL_TOO_LARGE: { status: 413, description: 'An email is larger than EMAIL_MAX_BYTES; it is not downloaded.' },
  ERR_EMAIL_PARSE: {
    status: 422,
    description: 'An email could not be parsed (malformed or hostile MIME); retried, then quarantined.',
  },
  ERR_EMAIL_SEND: {
    status: 502,
    description: 'The SMTP server refused or did not take an outgoing email; the outbox retries.',
  },
  ERR_EMAIL_RAW: { status: 500, description: 'A kept raw email cannot be read back (missing or cut segment file).' },
  ERR_EMAIL_NO_ADDRESS: { status: 409, description: 'The ticket has no customer email address to reply to.' },
  ERR_TRAVEL_RATES_INVALID: {
    status: 500,
    description:
      'The travel-insurance rate table file is unreadable or fails validation (shape, bands, monotonic premiums).',
  },
  ERR_TRAVEL_REQUEST_INVALID: {
    status: 400,
    description: 'A travel quote request is malformed (not a date, non-integer days or ages, unknown region).',
  },
  ERR_KNOWLEDGE_INVALID: {
    status: 500,
    description: 'Knowledge content (topic files, company profile) is missing or invalid; the last good content stays.',
  },
  ERR_LLM_FAILED: {
    status: 502,
    description: 'The LLM call failed, timed out or gave an unusable answer; the retrieval answer is used.',
  },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error with a stable code and the context that explains it. */
export class KefuError extends Error {
  readonly code: ErrorCode;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KefuError';
    this.code = code;
    this.context = Object.freeze({ ...context });
  }

  /** The HTTP status this error maps to (used by the HTTP error handler only). */
  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

/** True when `err` is a KefuError with the given code. */
export function isKefuError(err: unknown, code?: ErrorCode): err is KefuError {
  return err instanceof KefuError && (code === undefined || err.code === code);
}
