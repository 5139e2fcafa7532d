/**
 * The one registry of Redis key names (and of the few member encodings scripts rely on).
 *
 * Every key the Redis adapter touches is built here, from the deployment's key prefix, so that
 * a change of layout happens in one place and scripts never build key names: they receive them
 * as KEYS. Guarantees:
 * - Two different (collection, id) pairs never map to the same key: every caller-chosen segment
 *   is escaped (`%` → `%25`, `:` → `%3A`), so `:` only ever separates segments.
 * - Data that a script must reach without knowing the key up front (agents, timers, index
 *   entries) lives in a fixed set of hashes / sorted sets named here, so each script's KEYS are
 *   known before it runs.
 */

/** Escapes one caller-chosen key segment so that `:` stays a pure separator. */
export function keySegment(value: string): string {
  // Most segments need no escaping; skip the two scans' allocations for them.
  if (!value.includes('%') && !value.includes(':')) return value;
  return value.replace(/%/g, '%25').replace(/:/g, '%3A');
}

/** Escapes a string for use inside a NUL-separated sorted-set member. */
function memberPart(value: string): string {
  // \x01 is the escape byte; NUL then only ever appears as the separator.
  return value.replaceAll('\x01', '\x01\x02').replaceAll('\x00', '\x01\x03');
}

/**
 * The member of a collection's index sorted set for one (index name, value, record id).
 * All members share score 0 so Redis orders them lexicographically: entries of one
 * (name, value) are contiguous and ordered by record id.
 */
export function indexMember(name: string, value: string, id: string): string {
  return `${indexMemberPrefix(name, value)}${id}`;
}

/** The common prefix of all members of one (index name, value). */
export function indexMemberPrefix(name: string, value: string): string {
  return `${memberPart(name)}\x00${memberPart(value)}\x00`;
}

/**
 * Member of the by-agent assignment set: `agentId NUL itemId` (built identically by the
 * assign/claim/release scripts, which is why it is documented here and in their headers).
 */
export function agentItemPrefix(agentId: string): string {
  return `${agentId}\x00`;
}

/** All key names of one deployment (one key prefix). */
export interface RedisKeys {
  readonly prefix: string;
  /** Hash `{ e: eTag, d: JSON }` of one botbuilder state item. */
  botState(key: string): string;
  /** Hash `{ v: version, d: JSON, ix: JSON array of index members }` of one record. */
  record(collection: string, id: string): string;
  /** Sorted set (score 0) of a collection's record ids, for listing in id order. */
  recordIds(collection: string): string;
  /** Sorted set (score 0) of a collection's index members (see `indexMember`). */
  recordIndex(collection: string): string;
  /** List of a stream's entries; entry `seq` is at list index `seq - 1`. */
  stream(name: string): string;
  /** String: a key/value entry (JSON) or a counter (integer, also valid JSON). */
  kv(key: string): string;
  /** String: a named sequence (INCR). */
  sequence(name: string): string;
  /** Sorted set id → dueAt of every scheduled timer (claimed ones included). */
  timersPending(): string;
  /** Sorted set id → leaseUntil of claimed timers. */
  timersLeased(): string;
  /** Hash id → JSON `{ kind, dueAt, payload }`. */
  timersData(): string;
  /** Hash id → number of claims so far. */
  timersAttempts(): string;
  /** Sorted set itemId → score (waiting since). */
  queue(name: string): string;
  /** Hash `{ owner, until }` of a lease. */
  lease(name: string): string;
  /** Hash agentId → JSON `{ status, skills, capacity }` (written by TypeScript only). */
  agentsMeta(): string;
  /** Hash agentId → current load. */
  agentsLoad(): string;
  /** Hash agentId → lastAssignedAt. */
  agentsIdle(): string;
  /** Hash itemId → JSON `{ agentId, assignedAt }`. */
  assignments(): string;
  /** Sorted set (score 0) of `agentId NUL itemId`. */
  agentItems(): string;
  /** Pub/sub channel name of a bus channel. */
  busChannel(channel: string): string;
}

/** Builds the key registry for `prefix` (for example `kefu:`). */
export function redisKeys(prefix: string): RedisKeys {
  const k = (...parts: string[]): string => prefix + parts.join(':');
  const s = keySegment;
  return {
    prefix,
    botState: (key) => k('bot', s(key)),
    record: (collection, id) => k('rec', s(collection), s(id)),
    recordIds: (collection) => k('recids', s(collection)),
    recordIndex: (collection) => k('recidx', s(collection)),
    stream: (name) => k('stream', s(name)),
    kv: (key) => k('kv', s(key)),
    sequence: (name) => k('seq', s(name)),
    timersPending: () => k('timers', 'pending'),
    timersLeased: () => k('timers', 'leased'),
    timersData: () => k('timers', 'data'),
    timersAttempts: () => k('timers', 'attempts'),
    queue: (name) => k('queue', s(name)),
    lease: (name) => k('lease', s(name)),
    agentsMeta: () => k('agents', 'meta'),
    agentsLoad: () => k('agents', 'load'),
    agentsIdle: () => k('agents', 'idle'),
    assignments: () => k('assign', 'items'),
    agentItems: () => k('assign', 'by-agent'),
    busChannel: (channel) => k('bus', channel),
  };
}
