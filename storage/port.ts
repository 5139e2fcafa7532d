/**
 * The storage port: everything Kefu keeps goes through this one interface.
 *
 * Two adapters implement it — embedded SQLite (`storage/sqlite/`, the default) and Redis
 * (`storage/redis/`, for several app instances) — and one conformance suite
 * (`test/storage/conformance.ts`) runs unchanged against both. No behaviour may exist in one
 * adapter only: if a domain needs something new from storage, it is added here, to both
 * adapters, and to the suite.
 *
 * Guarantees every adapter gives:
 * - Compare-and-set is real: a write with a stale eTag/version is rejected with
 *   ERR_STORE_CONFLICT, never silently applied.
 * - Multi-key steps (claiming a timer, assigning a ticket, taking a lease) are atomic across
 *   processes: exactly one of two concurrent claimers wins.
 * - Nothing depends on in-memory state of the process: a restart (or another instance) sees
 *   the same data, and due timers that were missed while the app was down are still due.
 *
 * Times are epoch milliseconds passed in by the caller (the clock is a port, see
 * `app/clock.ts`), so tests move time instead of sleeping. Values are JSON-serialisable.
 * This module imports no driver and no botbuilder type: `BotStateStorage` mirrors botbuilder's
 * `Storage` structurally so that the bot can use it directly.
 */

/** A JSON value as stored. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Which adapter is behind the port. */
export type StoreKind = 'sqlite' | 'redis';

// ---------------------------------------------------------------------------------------------
// Bot state — structurally botbuilder's Storage (read/write/delete), with real eTag CAS.
// ---------------------------------------------------------------------------------------------

/** An item as botbuilder hands it over; `eTag` is optional and owned by the store. */
export interface StoreItem {
  eTag?: string;
  [key: string]: unknown;
}

/**
 * botbuilder's `Storage` contract. On `write`, an item whose `eTag` is missing or `'*'`
 * overwrites; an item with an `eTag` that is not the current one is rejected with
 * ERR_STORE_CONFLICT (and no item of that call is written). `read` returns only keys that
 * exist, each with its current `eTag`.
 * A concrete eTag for a key that does not exist (deleted meanwhile) is also a conflict. Every
 * write (`*` included) gives the key a new eTag; `write` never mutates the items passed in.
 */
export interface BotStateStorage {
  read(keys: string[]): Promise<Record<string, StoreItem>>;
  write(changes: Record<string, StoreItem>): Promise<void>;
  delete(keys: string[]): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Records — JSON documents in named collections with a version for compare-and-set.
// Tickets, agents, teams, applications, email ledger entries, outbox messages.
// ---------------------------------------------------------------------------------------------

export interface VersionedRecord<T extends Json = Json> {
  id: string;
  /** Monotonic per record, starts at 1 on create. */
  version: number;
  value: T;
}

export interface RecordListOptions {
  /** Only records whose index entry under `index.name` equals `index.value`. */
  index?: { name: string; value: string };
  /** Maximum number of records (default: all). Ordered by id ascending. */
  limit?: number;
  /** Return records whose id is greater than this (for paging). */
  afterId?: string;
}

/**
 * Secondary indexes are plain string values extracted by the caller at write time (for
 * example `{ status: 'queued', customer: 'a@b.tw' }`), so the store never interprets values.
 * Entries whose value is `undefined` are not indexed; `replace` replaces the whole set (an
 * index left out is dropped). Indexes are per collection.
 */
export type RecordIndexes = Record<string, string | undefined>;

export interface RecordStore {
  get<T extends Json>(collection: string, id: string): Promise<VersionedRecord<T> | undefined>;
  getMany<T extends Json>(collection: string, ids: string[]): Promise<Array<VersionedRecord<T> | undefined>>;
  /** Creates the record at version 1. @throws ERR_STORE_EXISTS when the id is taken. */
  create<T extends Json>(
    collection: string,
    id: string,
    value: T,
    indexes?: RecordIndexes,
  ): Promise<VersionedRecord<T>>;
  /**
   * Replaces the record if its version is still `expectedVersion`; returns the new record.
   * @throws ERR_STORE_CONFLICT on a version mismatch, ERR_STORE_NOT_FOUND when absent.
   */
  replace<T extends Json>(
    collection: string,
    id: string,
    expectedVersion: number,
    value: T,
    indexes?: RecordIndexes,
  ): Promise<VersionedRecord<T>>;
  /** Removes the record and its index entries; returns whether it existed. */
  remove(collection: string, id: string): Promise<boolean>;
  list<T extends Json>(collection: string, options?: RecordListOptions): Promise<Array<VersionedRecord<T>>>;
  count(collection: string, index?: { name: string; value: string }): Promise<number>;
}

// ---------------------------------------------------------------------------------------------
// Streams — append-only logs with a per-stream sequence number.
// Ticket event history (who, when, what) and Direct Line conversation activities (watermark).
// ---------------------------------------------------------------------------------------------

export interface StreamEntry<T extends Json = Json> {
  /** 1, 2, 3 … within the stream; never reused. */
  seq: number;
  value: T;
}

export interface StreamStore {
  /** Appends and returns the entry's sequence number. */
  append<T extends Json>(stream: string, value: T): Promise<number>;
  /** Entries with `seq > afterSeq`, oldest first, at most `limit` (default 1000). */
  range<T extends Json>(stream: string, afterSeq?: number, limit?: number): Promise<Array<StreamEntry<T>>>;
  /** The last sequence number used (0 for an empty or unknown stream). */
  lastSeq(stream: string): Promise<number>;
}

// ---------------------------------------------------------------------------------------------
// Key/value with expiry, counters and sequences.
// Direct Line tokens, rate-limit windows, acknowledgement throttles, dedupe markers, metrics.
// ---------------------------------------------------------------------------------------------

/**
 * Expiry runs on the wall clock (no `now` is passed): an expired key is absent everywhere.
 * `set` without `ttlMs` clears an earlier expiry. `nextSequence` names are their own namespace.
 */
export interface KeyValueStore {
  get<T extends Json>(key: string): Promise<T | undefined>;
  /** Sets the value; `ttlMs` makes it expire (absent = keep). */
  set<T extends Json>(key: string, value: T, ttlMs?: number): Promise<void>;
  /** Sets only when absent; returns true when this call set it. */
  setIfAbsent<T extends Json>(key: string, value: T, ttlMs?: number): Promise<boolean>;
  delete(key: string): Promise<boolean>;
  /**
   * Adds `by` to an integer counter (created at 0) and returns the new value. `ttlMs` is
   * applied only when the counter is created, so a fixed window expires on time.
   */
  increment(key: string, by?: number, ttlMs?: number): Promise<number>;
  /** Reads several counters at once (missing ones are 0). */
  counters(keys: string[]): Promise<Record<string, number>>;
  /** Next value of a named sequence: 1, 2, 3 … (ticket numbers K-000001). */
  nextSequence(name: string): Promise<number>;
}

// ---------------------------------------------------------------------------------------------
// Durable timers — SLA due, callback due, no-accept reassignment, abandonment, outbox retries.
// ---------------------------------------------------------------------------------------------

export interface TimerRecord<T extends Json = Json> {
  id: string;
  /** What kind of timer (the handler that fires it), e.g. 'sla-due'. */
  kind: string;
  dueAt: number;
  payload: T;
  /**
   * How many times it was claimed before (a handler that crashed is retried): `claimDue`
   * returns the count before its own claim (0 on the first), and `get` shows the claims so far.
   */
  attempts: number;
}

export interface TimerStore {
  /** Creates or replaces the timer with this id (rescheduling resets attempts and drops a claim). */
  schedule<T extends Json>(timer: { id: string; kind: string; dueAt: number; payload: T }): Promise<void>;
  /** Removes a pending or claimed timer; returns whether it existed. */
  cancel(id: string): Promise<boolean>;
  get<T extends Json>(id: string): Promise<TimerRecord<T> | undefined>;
  /**
   * Atomically claims up to `limit` timers due at `now` (dueAt ≤ now, earliest first, ties by
   * id) for `leaseMs`: no other claimer gets them until the lease runs out (claimable again
   * once `now ≥ claim time + leaseMs`). A claimer that finishes
   * calls `complete`; one that dies leaves the timer to be claimed again after the lease.
   */
  claimDue<T extends Json>(now: number, limit: number, leaseMs: number): Promise<Array<TimerRecord<T>>>;
  /** Removes a claimed timer after its handler succeeded (unknown id: no-op). */
  complete(id: string): Promise<void>;
  /** Number of timers scheduled (pending or claimed). */
  pendingCount(): Promise<number>;
}

// ---------------------------------------------------------------------------------------------
// Work queues and leases.
// ---------------------------------------------------------------------------------------------

export interface QueueStore {
  /**
   * Adds `itemId` to the queue ordered by `score` (waiting since, epoch ms); an item already
   * queued keeps its place and original score.
   */
  enqueue(queue: string, itemId: string, score: number): Promise<void>;
  remove(queue: string, itemId: string): Promise<boolean>;
  /** 1-based position, or undefined when not queued. Equal scores order by itemId. */
  position(queue: string, itemId: string): Promise<number | undefined>;
  /** Oldest first. */
  list(queue: string, limit?: number): Promise<Array<{ itemId: string; score: number }>>;
  length(queue: string): Promise<number>;
  /**
   * Atomically removes and returns the oldest item, or undefined. Two concurrent callers
   * never get the same item.
   */
  popOldest(queue: string): Promise<{ itemId: string; score: number } | undefined>;
}

export interface LeaseStore {
  /** Takes the lease when free or expired, or renews it when `owner` holds it (expiry = now + ttlMs). */
  acquire(name: string, owner: string, ttlMs: number, now: number): Promise<boolean>;
  /** Releases only when `owner` is the stored owner (expired or not); returns whether it did. */
  release(name: string, owner: string): Promise<boolean>;
  holder(name: string, now: number): Promise<string | undefined>;
}

// ---------------------------------------------------------------------------------------------
// Assignment — the atomic "pick an agent and claim the ticket" step.
// ---------------------------------------------------------------------------------------------

/** Presence as the assignment step sees it (the full agent profile is a record). */
export interface AgentSlot {
  agentId: string;
  status: 'online' | 'away' | 'offline';
  /** Skills such as 'lang:zh-TW', 'queue:travel'. */
  skills: string[];
  /** Maximum concurrent assignments. */
  capacity: number;
  /** Current number of assigned items (maintained by the store). */
  load: number;
  /** When the agent last received an assignment (or came online); lower = idle longer. */
  lastAssignedAt: number;
}

export interface Assignment {
  itemId: string;
  agentId: string;
  assignedAt: number;
}

export interface AssignmentStore {
  /**
   * Creates or updates an agent's presence, skills and capacity; keeps `load` and
   * `lastAssignedAt` unless `resetIdleAt` is given (an agent coming online). A new agent starts
   * with load 0 and `lastAssignedAt` = `resetIdleAt ?? 0`. Returns the stored slot.
   */
  upsertAgent(slot: Omit<AgentSlot, 'load' | 'lastAssignedAt'> & { resetIdleAt?: number }): Promise<AgentSlot>;
  getAgent(agentId: string): Promise<AgentSlot | undefined>;
  /** Every agent, ordered by agentId. */
  listAgents(): Promise<AgentSlot[]>;
  /**
   * One atomic step: among agents that are online, have every skill in `requiredSkills` and
   * `load < capacity`, picks the one with the smallest `lastAssignedAt` (ties by agentId),
   * excluding `excludeAgentIds`; assigns `itemId` to it (load + 1, lastAssignedAt = now) and
   * removes `itemId` from `queue` when given. Returns undefined, changing nothing, when no
   * agent qualifies or `itemId` is already assigned.
   */
  assign(args: {
    itemId: string;
    requiredSkills: string[];
    now: number;
    queue?: string;
    excludeAgentIds?: string[];
  }): Promise<Assignment | undefined>;
  /**
   * Assigns `itemId` to a given agent if it is unassigned and the agent is under capacity
   * (an agent picking work from the queue). Exactly one of concurrent claims wins. The agent's
   * status is not checked (the agent is acting); unknown agent → undefined. Sets
   * `lastAssignedAt = now` and removes `itemId` from `queue` (when given) on success only.
   */
  claim(args: { itemId: string; agentId: string; now: number; queue?: string }): Promise<Assignment | undefined>;
  /** Frees the item (load − 1 for its agent, never below 0); returns the released assignment. */
  release(itemId: string): Promise<Assignment | undefined>;
  getAssignment(itemId: string): Promise<Assignment | undefined>;
  /** Ordered by assignedAt, then itemId. */
  assignmentsOf(agentId: string): Promise<Assignment[]>;
}

// ---------------------------------------------------------------------------------------------
// Bus — notifications between instances (an agent's reply reaching another instance's socket).
// At-most-once and not durable: anything that must not be lost is in a record or stream first.
// ---------------------------------------------------------------------------------------------

export interface Bus {
  publish(channel: string, message: Json): Promise<void>;
  /** Resolves once the subscription is live; returns an unsubscribe function. */
  subscribe(channel: string, handler: (message: Json) => void): Promise<() => Promise<void>>;
}

// ---------------------------------------------------------------------------------------------
// Unit of work — several writes committed together, all or none.
// One mail's ledger entry, ticket, history, SLA timer and acknowledgement are one commit: a
// crash leaves either all of them or none, and the commit costs one durable write on SQLite
// and one round trip on Redis instead of one per write.
// ---------------------------------------------------------------------------------------------

/** One write of a commit. Values and indexes mean what they mean in RecordStore / TimerStore. */
export type StoreWrite =
  | {
      kind: 'record.create';
      collection: string;
      id: string;
      value: Json;
      indexes?: RecordIndexes;
      /** Skip (not fail) when the id is taken: "the first one wins" records such as dedupe keys. */
      ifAbsent?: boolean;
    }
  | {
      kind: 'record.replace';
      collection: string;
      id: string;
      expectedVersion: number;
      value: Json;
      indexes?: RecordIndexes;
    }
  | { kind: 'stream.append'; stream: string; value: Json }
  | { kind: 'timer.schedule'; timer: { id: string; kind: string; dueAt: number; payload: Json } }
  | { kind: 'timer.cancel'; id: string };

/** What each write did, in the order of the writes. */
export type StoreWriteResult =
  /** `created: false` only for an `ifAbsent` create of an existing id (then `version` is 0). */
  | { kind: 'record.create'; created: boolean; version: number }
  | { kind: 'record.replace'; version: number }
  | { kind: 'stream.append'; seq: number }
  | { kind: 'timer.schedule' }
  | { kind: 'timer.cancel'; existed: boolean };

export interface UnitOfWorkStore {
  /**
   * Applies the writes in order as one atomic step: every other reader and writer (in this
   * process or another) sees all of them or none. Preconditions are checked for all writes
   * before any is applied; when one fails, nothing is written and its error is thrown —
   * ERR_STORE_EXISTS (create of a taken id without `ifAbsent`), ERR_STORE_CONFLICT (replace
   * with a stale version), ERR_STORE_NOT_FOUND (replace of an absent record) — with
   * `context.index`, the failing write's position. A record id (collection + id) or a timer id
   * may appear at most once per commit (ERR_STORE_BAD_COMMIT otherwise: fold the changes first, as
   * a ticket draft does); several appends to one stream get consecutive sequence
   * numbers. An empty list is a no-op. SQLite: one transaction (one durable commit). Redis:
   * one script (one round trip).
   */
  commit(writes: StoreWrite[]): Promise<StoreWriteResult[]>;
}

// ---------------------------------------------------------------------------------------------
// The store.
// ---------------------------------------------------------------------------------------------

export interface StoreHealth {
  kind: StoreKind;
  ok: boolean;
  /** Where: the SQLite file path or the Redis URL without credentials. */
  location: string;
  latencyMs?: number;
  error?: string;
}

export interface Store {
  readonly kind: StoreKind;
  readonly botState: BotStateStorage;
  readonly records: RecordStore;
  readonly streams: StreamStore;
  readonly kv: KeyValueStore;
  readonly timers: TimerStore;
  readonly queues: QueueStore;
  readonly leases: LeaseStore;
  readonly assignment: AssignmentStore;
  readonly bus: Bus;
  /** Several writes as one atomic, durable step (see UnitOfWorkStore). */
  commit: UnitOfWorkStore['commit'];
  /** Checks reachability (a cheap round trip). Never throws. */
  health(): Promise<StoreHealth>;
  /** Closes connections and files; further calls fail (ERR_STORE_UNAVAILABLE), `health` says not ok. Idempotent. */
  close(): Promise<void>;
}
