/**
 * The one storage conformance suite: the same behaviour-named tests run unchanged against every
 * adapter of `storage/port.ts` (SQLite in `test/storage/sqlite.test.ts`, Redis in
 * `test/storage/redis.test.ts`), so no behaviour exists in one adapter only.
 *
 * Each test opens a fresh, isolated store through the adapter's fixture. Races run between the
 * store and a `peer` — a second, independent instance on the same data — because that is what
 * two app instances (or two connections) do in production. Restart tests close everything and
 * reopen on the same data. Times are passed in (`now`), except key/value expiry, which is a
 * store behaviour on the wall clock and is checked with short real TTLs.
 */
import { expect } from 'chai';
import { isKefuError } from '../../app/errors';
import type { ErrorCode } from '../../app/errors';
import type { Json, Store } from '../../storage/port';

export interface StoreFixture {
  /** A fresh, empty, isolated store (new temp file / new random Redis key prefix). */
  open(): Promise<OpenedStore>;
}

export interface OpenedStore {
  store: Store;
  /**
   * A second, independent instance on the SAME data (another SQLite connection to the same
   * file / another Redis client with the same prefix) — races run between store and peer.
   */
  peer(): Promise<Store>;
  /** Simulates a restart: closes store and peers, opens a new instance on the same data. */
  reopen(): Promise<Store>;
  dispose(): Promise<void>;
}

/** A fixed instant for tests that pass `now` (27 Nov 2026 10:00 Taipei). */
const T0 = Date.UTC(2026, 10, 27, 2, 0, 0);
/** How many rounds each race runs: enough to interleave, small enough for 2 shared cores. */
const RACE_ROUNDS = 25;
/**
 * Key/value expiry is checked with short real TTLs (expiry is a store behaviour on the wall
 * clock). The margins leave ~150 ms for a busy machine between two calls.
 */
const TTL_MS = 150;
const PAST_TTL_MS = 250;

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  try {
    await promise;
  } catch (err) {
    if (isKefuError(err, code)) return;
    throw new Error(`expected ${code}, got ${String((err as { code?: string }).code ?? err)}`);
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}

function settledWins(results: PromiseSettledResult<unknown>[], loserCode: ErrorCode): number {
  let wins = 0;
  for (const r of results) {
    if (r.status === 'fulfilled') wins++;
    else if (!isKefuError(r.reason, loserCode)) throw r.reason;
  }
  return wins;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Registers the conformance tests for one adapter under `describe('<name> store conformance')`.
 */
export function describeStoreConformance(adapterName: string, fixture: StoreFixture): void {
  describe(`${adapterName} store conformance`, () => {
    let opened: OpenedStore;
    let store: Store;

    beforeEach(async () => {
      opened = await fixture.open();
      store = opened.store;
    });

    afterEach(async () => {
      await opened.dispose();
    });

    // -----------------------------------------------------------------------------------------
    describe('bot state (botbuilder Storage)', () => {
      it('reads back a written item with a current eTag, and only keys that exist', async () => {
        await store.botState.write({ 'conv/1': { dialogStack: ['main'], 客戶: '王小明' } });
        const read = await store.botState.read(['conv/1', 'conv/missing']);
        expect(Object.keys(read)).to.deep.equal(['conv/1']);
        expect(read['conv/1']).to.include({ 客戶: '王小明' });
        expect(read['conv/1']?.dialogStack).to.deep.equal(['main']);
        expect(read['conv/1']?.eTag).to.be.a('string').and.not.equal('');
        expect(read['conv/1']?.eTag).to.not.equal('*');
      });

      it('changes the eTag on every write', async () => {
        await store.botState.write({ k: { n: 1 } });
        const first = (await store.botState.read(['k']))['k']!;
        await store.botState.write({ k: { n: 2, eTag: first.eTag } });
        const second = (await store.botState.read(['k']))['k']!;
        expect(second.n).to.equal(2);
        expect(second.eTag).to.not.equal(first.eTag);
        await store.botState.write({ k: { n: 3, eTag: '*' } });
        const third = (await store.botState.read(['k']))['k']!;
        expect(third.eTag).to.not.equal(second.eTag);
      });

      it('rejects a stale eTag with ERR_STORE_CONFLICT and applies nothing of that write', async () => {
        await store.botState.write({ a: { n: 1 }, b: { n: 1 } });
        const before = await store.botState.read(['a', 'b']);
        await store.botState.write({ a: { n: 2, eTag: before['a']!.eTag } });
        await expectCode(
          store.botState.write({
            b: { n: 99, eTag: before['b']!.eTag },
            a: { n: 99, eTag: before['a']!.eTag },
            c: { n: 99 },
          }),
          'ERR_STORE_CONFLICT',
        );
        const after = await store.botState.read(['a', 'b', 'c']);
        expect(after['a']?.n).to.equal(2);
        expect(after['b']?.n).to.equal(1);
        expect(after['b']?.eTag).to.equal(before['b']!.eTag);
        expect(after['c']).to.equal(undefined);
      });

      it("overwrites when the eTag is '*' or missing", async () => {
        await store.botState.write({ k: { n: 1 } });
        await store.botState.write({ k: { n: 2, eTag: '*' } });
        expect((await store.botState.read(['k']))['k']?.n).to.equal(2);
        await store.botState.write({ k: { n: 3 } });
        expect((await store.botState.read(['k']))['k']?.n).to.equal(3);
      });

      it('rejects a concrete eTag for a key that does not exist (it was deleted meanwhile)', async () => {
        await store.botState.write({ k: { n: 1 } });
        const { k } = await store.botState.read(['k']);
        await store.botState.delete(['k']);
        await expectCode(store.botState.write({ k: { n: 2, eTag: k!.eTag } }), 'ERR_STORE_CONFLICT');
        expect(await store.botState.read(['k'])).to.deep.equal({});
      });

      it('does not modify the items handed to write', async () => {
        const item = { n: 1 };
        await store.botState.write({ k: item });
        expect(item).to.deep.equal({ n: 1 });
      });

      it('deletes keys, and deleting missing keys is fine', async () => {
        await store.botState.write({ a: { n: 1 }, b: { n: 2 } });
        await store.botState.delete(['a', 'never-existed']);
        const read = await store.botState.read(['a', 'b']);
        expect(Object.keys(read)).to.deep.equal(['b']);
        await store.botState.delete([]);
      });

      it('race: of two writers with the same eTag (store and peer), exactly one wins', async () => {
        const peer = await opened.peer();
        for (let round = 0; round < RACE_ROUNDS; round++) {
          const key = `race/${round}`;
          await store.botState.write({ [key]: { owner: 'nobody' } });
          const { eTag } = (await store.botState.read([key]))[key]!;
          const results = await Promise.allSettled([
            store.botState.write({ [key]: { owner: 'store', eTag } }),
            peer.botState.write({ [key]: { owner: 'peer', eTag } }),
          ]);
          expect(settledWins(results, 'ERR_STORE_CONFLICT'), `round ${round}`).to.equal(1);
          const winner = results[0]!.status === 'fulfilled' ? 'store' : 'peer';
          expect((await peer.botState.read([key]))[key]?.owner).to.equal(winner);
        }
      });
    });

    // -----------------------------------------------------------------------------------------
    describe('records', () => {
      it('creates a record at version 1 and reads it back', async () => {
        const created = await store.records.create('tickets', 'K-000001', { subject: '理賠進度查詢' });
        expect(created).to.deep.equal({ id: 'K-000001', version: 1, value: { subject: '理賠進度查詢' } });
        expect(await store.records.get('tickets', 'K-000001')).to.deep.equal(created);
        expect(await store.records.get('tickets', 'K-000002')).to.equal(undefined);
        expect(await store.records.get('agents', 'K-000001')).to.equal(undefined);
      });

      it('refuses to create an id twice with ERR_STORE_EXISTS, keeping the first value', async () => {
        await store.records.create('tickets', 't1', { n: 1 });
        await expectCode(store.records.create('tickets', 't1', { n: 2 }), 'ERR_STORE_EXISTS');
        expect((await store.records.get('tickets', 't1'))?.value).to.deep.equal({ n: 1 });
      });

      it('getMany returns records in the order asked, undefined for missing ones', async () => {
        await store.records.create('tickets', 'a', { n: 1 });
        await store.records.create('tickets', 'c', { n: 3 });
        const many = await store.records.getMany('tickets', ['c', 'b', 'a']);
        expect(many.map((r) => r?.id)).to.deep.equal(['c', undefined, 'a']);
        expect(await store.records.getMany('tickets', [])).to.deep.equal([]);
      });

      it('replace with the current version bumps the version; a stale one is ERR_STORE_CONFLICT', async () => {
        await store.records.create('tickets', 't1', { status: 'new' });
        const v2 = await store.records.replace('tickets', 't1', 1, { status: 'open' });
        expect(v2).to.deep.equal({ id: 't1', version: 2, value: { status: 'open' } });
        await expectCode(store.records.replace('tickets', 't1', 1, { status: 'lost' }), 'ERR_STORE_CONFLICT');
        expect(await store.records.get('tickets', 't1')).to.deep.equal(v2);
      });

      it('replace of a missing record is ERR_STORE_NOT_FOUND', async () => {
        await expectCode(store.records.replace('tickets', 'nope', 1, { n: 1 }), 'ERR_STORE_NOT_FOUND');
      });

      it('remove deletes the record and reports whether it existed', async () => {
        await store.records.create('tickets', 't1', { n: 1 });
        expect(await store.records.remove('tickets', 't1')).to.equal(true);
        expect(await store.records.remove('tickets', 't1')).to.equal(false);
        expect(await store.records.get('tickets', 't1')).to.equal(undefined);
        await store.records.create('tickets', 't1', { n: 2 });
        expect((await store.records.get('tickets', 't1'))?.version).to.equal(1);
      });

      it('lists by id ascending with limit and afterId paging, per collection', async () => {
        for (const id of ['t3', 't1', 't5', 't2', 't4']) await store.records.create('tickets', id, { id });
        await store.records.create('agents', 'a1', { id: 'a1' });
        const all = await store.records.list('tickets');
        expect(all.map((r) => r.id)).to.deep.equal(['t1', 't2', 't3', 't4', 't5']);
        const page1 = await store.records.list('tickets', { limit: 2 });
        expect(page1.map((r) => r.id)).to.deep.equal(['t1', 't2']);
        const page2 = await store.records.list('tickets', { limit: 2, afterId: 't2' });
        expect(page2.map((r) => r.id)).to.deep.equal(['t3', 't4']);
        const page3 = await store.records.list('tickets', { limit: 2, afterId: 't4' });
        expect(page3.map((r) => r.id)).to.deep.equal(['t5']);
        expect(await store.records.count('tickets')).to.equal(5);
        expect(await store.records.count('agents')).to.equal(1);
        expect(await store.records.count('nothing')).to.equal(0);
      });

      it('lists and counts by index, with the index following replace and dropped on remove', async () => {
        await store.records.create('tickets', 't1', { s: 'q' }, { status: 'queued', customer: 'a@example.tw' });
        await store.records.create('tickets', 't2', { s: 'q' }, { status: 'queued', customer: 'b@example.tw' });
        await store.records.create('tickets', 't3', { s: 'o' }, { status: 'open', customer: 'a@example.tw' });
        await store.records.create('tickets', 't4', { s: 'q' }, { status: 'queued' });
        const queued = { name: 'status', value: 'queued' };
        expect((await store.records.list('tickets', { index: queued })).map((r) => r.id)).to.deep.equal([
          't1',
          't2',
          't4',
        ]);
        expect(await store.records.count('tickets', queued)).to.equal(3);
        expect(
          (await store.records.list('tickets', { index: queued, afterId: 't1', limit: 1 })).map((r) => r.id),
        ).to.deep.equal(['t2']);

        await store.records.replace('tickets', 't1', 1, { s: 'o' }, { status: 'open', customer: 'a@example.tw' });
        expect(await store.records.count('tickets', queued)).to.equal(2);
        expect(
          (await store.records.list('tickets', { index: { name: 'status', value: 'open' } })).map((r) => r.id),
        ).to.deep.equal(['t1', 't3']);

        // An index left out (or undefined) on replace is dropped.
        await store.records.replace('tickets', 't2', 1, { s: 'q' }, { status: 'queued', customer: undefined });
        expect(await store.records.count('tickets', { name: 'customer', value: 'b@example.tw' })).to.equal(0);

        await store.records.remove('tickets', 't3');
        expect(await store.records.count('tickets', { name: 'customer', value: 'a@example.tw' })).to.equal(1);
        expect(await store.records.count('tickets', { name: 'status', value: 'open' })).to.equal(1);
        // Index entries belong to their collection.
        expect(await store.records.count('agents', queued)).to.equal(0);
      });

      it('race: of two replaces with the same version (store and peer), exactly one wins', async () => {
        const peer = await opened.peer();
        await store.records.create('tickets', 'race', { owner: 'nobody' });
        for (let round = 0; round < RACE_ROUNDS; round++) {
          const current = (await store.records.get<{ owner: string }>('tickets', 'race'))!;
          const results = await Promise.allSettled([
            store.records.replace('tickets', 'race', current.version, { owner: `store-${round}` }),
            peer.records.replace('tickets', 'race', current.version, { owner: `peer-${round}` }),
          ]);
          expect(settledWins(results, 'ERR_STORE_CONFLICT'), `round ${round}`).to.equal(1);
          const after = (await peer.records.get<{ owner: string }>('tickets', 'race'))!;
          expect(after.version).to.equal(current.version + 1);
          const winner = results[0]!.status === 'fulfilled' ? 'store' : 'peer';
          expect(after.value.owner).to.equal(`${winner}-${round}`);
        }
      });

      it('race: of two creates of one id (store and peer), exactly one wins', async () => {
        const peer = await opened.peer();
        for (let round = 0; round < RACE_ROUNDS; round++) {
          const results = await Promise.allSettled([
            store.records.create('ledger', `msg-${round}`, { by: 'store' }),
            peer.records.create('ledger', `msg-${round}`, { by: 'peer' }),
          ]);
          expect(settledWins(results, 'ERR_STORE_EXISTS'), `round ${round}`).to.equal(1);
        }
        expect(await store.records.count('ledger')).to.equal(RACE_ROUNDS);
      });
    });

    // -----------------------------------------------------------------------------------------
    describe('streams', () => {
      it('appends with sequence numbers 1, 2, 3 per stream and reports the last one', async () => {
        expect(await store.streams.lastSeq('ticket/K-1')).to.equal(0);
        expect(await store.streams.append('ticket/K-1', { type: 'created' })).to.equal(1);
        expect(await store.streams.append('ticket/K-1', { type: 'assigned', agent: '陳美玲' })).to.equal(2);
        expect(await store.streams.append('ticket/K-2', { type: 'created' })).to.equal(1);
        expect(await store.streams.lastSeq('ticket/K-1')).to.equal(2);
        expect(await store.streams.lastSeq('ticket/K-2')).to.equal(1);
      });

      it('ranges after a sequence number, oldest first, with a limit', async () => {
        for (let i = 1; i <= 5; i++) await store.streams.append('s', { i });
        expect(await store.streams.range('s')).to.deep.equal([1, 2, 3, 4, 5].map((i) => ({ seq: i, value: { i } })));
        expect((await store.streams.range('s', 2)).map((e) => e.seq)).to.deep.equal([3, 4, 5]);
        expect((await store.streams.range('s', 1, 2)).map((e) => e.seq)).to.deep.equal([2, 3]);
        expect(await store.streams.range('s', 5)).to.deep.equal([]);
        expect(await store.streams.range('unknown')).to.deep.equal([]);
      });

      it('race: appends from store and peer never reuse a sequence number', async () => {
        const peer = await opened.peer();
        const seqs = await Promise.all(
          Array.from({ length: RACE_ROUNDS * 2 }, (_, i) => (i % 2 ? peer : store).streams.append('s', { i })),
        );
        expect(new Set(seqs).size).to.equal(seqs.length);
        expect(await store.streams.lastSeq('s')).to.equal(seqs.length);
        expect((await store.streams.range('s')).map((e) => e.seq)).to.deep.equal(
          Array.from({ length: seqs.length }, (_, i) => i + 1),
        );
      });
    });

    // -----------------------------------------------------------------------------------------
    describe('key/value, counters and sequences', () => {
      it('sets, gets and deletes JSON values', async () => {
        expect(await store.kv.get('dl/token')).to.equal(undefined);
        await store.kv.set('dl/token', { conversationId: 'c1', scopes: ['read'] });
        expect(await store.kv.get('dl/token')).to.deep.equal({ conversationId: 'c1', scopes: ['read'] });
        await store.kv.set('dl/token', 'replaced');
        expect(await store.kv.get('dl/token')).to.equal('replaced');
        expect(await store.kv.delete('dl/token')).to.equal(true);
        expect(await store.kv.delete('dl/token')).to.equal(false);
        expect(await store.kv.get('dl/token')).to.equal(undefined);
      });

      it('keeps falsy JSON values distinct from absent', async () => {
        await store.kv.set('zero', 0);
        await store.kv.set('no', false);
        await store.kv.set('nil', null);
        await store.kv.set('empty', '');
        expect(await store.kv.get('zero')).to.equal(0);
        expect(await store.kv.get('no')).to.equal(false);
        expect(await store.kv.get('nil')).to.equal(null);
        expect(await store.kv.get('empty')).to.equal('');
      });

      it('a value with a TTL is gone after it expires; set without TTL keeps it', async () => {
        await store.kv.set('short', 'x', TTL_MS);
        await store.kv.set('kept', 'y', TTL_MS);
        await store.kv.set('kept', 'y2');
        expect(await store.kv.get('short')).to.equal('x');
        await sleep(PAST_TTL_MS);
        expect(await store.kv.get('short')).to.equal(undefined);
        expect(await store.kv.get('kept')).to.equal('y2');
        expect(await store.kv.delete('short')).to.equal(false);
      });

      it('setIfAbsent sets only when absent (or expired) and says whether it did', async () => {
        expect(await store.kv.setIfAbsent('dedupe/m1', 1)).to.equal(true);
        expect(await store.kv.setIfAbsent('dedupe/m1', 2)).to.equal(false);
        expect(await store.kv.get('dedupe/m1')).to.equal(1);
        expect(await store.kv.setIfAbsent('ack/a@example.tw', 'sent', TTL_MS)).to.equal(true);
        expect(await store.kv.setIfAbsent('ack/a@example.tw', 'again', TTL_MS)).to.equal(false);
        await sleep(PAST_TTL_MS);
        expect(await store.kv.setIfAbsent('ack/a@example.tw', 'again', TTL_MS)).to.equal(true);
        expect(await store.kv.get('ack/a@example.tw')).to.equal('again');
      });

      it('increment creates at 0, adds, and applies the TTL only on create (a fixed window)', async () => {
        expect(await store.kv.increment('hits')).to.equal(1);
        expect(await store.kv.increment('hits', 5)).to.equal(6);
        expect(await store.kv.increment('hits', -2)).to.equal(4);
        const window = 2 * TTL_MS;
        expect(await store.kv.increment('window', 1, window)).to.equal(1);
        await sleep(window / 2);
        // A later increment with a TTL must not extend the window: it still ends at `window`,
        // so after another 2/3 window (before an extended end at 1.5 windows) it has restarted.
        expect(await store.kv.increment('window', 1, window)).to.equal(2);
        await sleep((window * 2) / 3);
        expect(await store.kv.increment('window', 1, window)).to.equal(1);
        expect(await store.kv.get('hits')).to.equal(4);
      });

      it('counters reads several at once, missing ones as 0', async () => {
        await store.kv.increment('m/tickets_created', 3);
        await store.kv.increment('m/emails_in', 1);
        expect(await store.kv.counters(['m/tickets_created', 'm/emails_in', 'm/none'])).to.deep.equal({
          'm/tickets_created': 3,
          'm/emails_in': 1,
          'm/none': 0,
        });
        expect(await store.kv.counters([])).to.deep.equal({});
      });

      it('nextSequence counts 1, 2, 3 per name', async () => {
        expect(await store.kv.nextSequence('ticket')).to.equal(1);
        expect(await store.kv.nextSequence('ticket')).to.equal(2);
        expect(await store.kv.nextSequence('callback')).to.equal(1);
        expect(await store.kv.nextSequence('ticket')).to.equal(3);
      });

      it('race: of setIfAbsent from store and peer, exactly one wins', async () => {
        const peer = await opened.peer();
        for (let round = 0; round < RACE_ROUNDS; round++) {
          const wins = await Promise.all([
            store.kv.setIfAbsent(`once/${round}`, 'store'),
            peer.kv.setIfAbsent(`once/${round}`, 'peer'),
          ]);
          expect(wins.filter(Boolean).length, `round ${round}`).to.equal(1);
          expect(await store.kv.get(`once/${round}`)).to.equal(wins[0] ? 'store' : 'peer');
        }
      });

      it('race: nextSequence and increment from store and peer give no duplicates and lose no update', async () => {
        const peer = await opened.peer();
        const n = RACE_ROUNDS * 2;
        const seqs = await Promise.all(
          Array.from({ length: n }, (_, i) => (i % 2 ? peer : store).kv.nextSequence('ticket')),
        );
        expect([...seqs].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: n }, (_, i) => i + 1));
        await Promise.all(Array.from({ length: n }, (_, i) => (i % 2 ? peer : store).kv.increment('hits')));
        expect((await store.kv.counters(['hits']))['hits']).to.equal(n);
      });
    });

    // -----------------------------------------------------------------------------------------
    describe('durable timers', () => {
      const sla = (id: string, dueAt: number, payload: Json = { ticket: id }) => ({
        id,
        kind: 'sla-due',
        dueAt,
        payload,
      });

      it('schedules, gets and cancels timers, and counts the pending ones', async () => {
        await store.timers.schedule(sla('t1', T0 + 1000, { ticket: 'K-000001', 級別: '急件' }));
        expect(await store.timers.get('t1')).to.deep.equal({
          id: 't1',
          kind: 'sla-due',
          dueAt: T0 + 1000,
          payload: { ticket: 'K-000001', 級別: '急件' },
          attempts: 0,
        });
        await store.timers.schedule(sla('t2', T0 + 2000));
        expect(await store.timers.pendingCount()).to.equal(2);
        expect(await store.timers.cancel('t1')).to.equal(true);
        expect(await store.timers.cancel('t1')).to.equal(false);
        expect(await store.timers.get('t1')).to.equal(undefined);
        expect(await store.timers.pendingCount()).to.equal(1);
      });

      it('claims only due timers, earliest first, up to the limit', async () => {
        await store.timers.schedule(sla('late', T0 + 3000));
        await store.timers.schedule(sla('b', T0 + 200));
        await store.timers.schedule(sla('a', T0 + 100));
        await store.timers.schedule(sla('c', T0 + 300));
        expect(await store.timers.claimDue(T0, 10, 60_000)).to.deep.equal([]);
        const first = await store.timers.claimDue(T0 + 1000, 2, 60_000);
        expect(first.map((t) => t.id)).to.deep.equal(['a', 'b']);
        expect(first[0]).to.deep.include({ kind: 'sla-due', dueAt: T0 + 100, payload: { ticket: 'a' }, attempts: 0 });
        const second = await store.timers.claimDue(T0 + 1000, 10, 60_000);
        expect(second.map((t) => t.id)).to.deep.equal(['c']);
        expect(await store.timers.claimDue(T0 + 1000, 10, 60_000)).to.deep.equal([]);
        expect(await store.timers.pendingCount()).to.equal(4);
      });

      it('a claimed timer is not claimable until its lease passes, then again with attempts + 1', async () => {
        await store.timers.schedule(sla('t1', T0));
        expect((await store.timers.claimDue(T0, 10, 5000)).map((t) => t.attempts)).to.deep.equal([0]);
        expect(await store.timers.claimDue(T0 + 4999, 10, 5000)).to.deep.equal([]);
        const again = await store.timers.claimDue(T0 + 5000, 10, 5000);
        expect(again.map((t) => [t.id, t.attempts])).to.deep.equal([['t1', 1]]);
        expect((await store.timers.get('t1'))?.attempts).to.equal(2);
      });

      it('complete removes a claimed timer for good', async () => {
        await store.timers.schedule(sla('t1', T0));
        await store.timers.claimDue(T0, 10, 1000);
        await store.timers.complete('t1');
        expect(await store.timers.get('t1')).to.equal(undefined);
        expect(await store.timers.pendingCount()).to.equal(0);
        expect(await store.timers.claimDue(T0 + 10_000, 10, 1000)).to.deep.equal([]);
        await store.timers.complete('t1');
      });

      it('rescheduling replaces the timer, resets attempts and releases a claim', async () => {
        await store.timers.schedule(sla('t1', T0));
        await store.timers.claimDue(T0, 10, 60_000);
        await store.timers.schedule({ id: 't1', kind: 'callback-due', dueAt: T0 + 500, payload: { v: 2 } });
        expect(await store.timers.get('t1')).to.deep.equal({
          id: 't1',
          kind: 'callback-due',
          dueAt: T0 + 500,
          payload: { v: 2 },
          attempts: 0,
        });
        expect(await store.timers.pendingCount()).to.equal(1);
        expect((await store.timers.claimDue(T0 + 500, 10, 60_000)).map((t) => t.id)).to.deep.equal(['t1']);
      });

      it('a cancelled claimed timer is not claimed again', async () => {
        await store.timers.schedule(sla('t1', T0));
        await store.timers.claimDue(T0, 10, 1000);
        expect(await store.timers.cancel('t1')).to.equal(true);
        expect(await store.timers.claimDue(T0 + 5000, 10, 1000)).to.deep.equal([]);
      });

      it('race: concurrent claimDue on store and peer claims each timer exactly once', async () => {
        const peer = await opened.peer();
        const n = RACE_ROUNDS * 2;
        for (let i = 0; i < n; i++) await store.timers.schedule(sla(`t${String(i).padStart(3, '0')}`, T0 + i));
        const batches = await Promise.all(
          Array.from({ length: 12 }, (_, i) => (i % 2 ? peer : store).timers.claimDue(T0 + n, 7, 60_000)),
        );
        const ids = batches.flat().map((t) => t.id);
        expect(ids.length).to.equal(n);
        expect(new Set(ids).size).to.equal(n);
      });
    });

    // -----------------------------------------------------------------------------------------
    describe('queues', () => {
      it('orders by score, ties by itemId, and reports 1-based positions', async () => {
        await store.queues.enqueue('travel', 'K-3', T0 + 30);
        await store.queues.enqueue('travel', 'K-2', T0 + 10);
        await store.queues.enqueue('travel', 'K-1', T0 + 10);
        await store.queues.enqueue('claims', 'K-9', T0);
        expect(await store.queues.list('travel')).to.deep.equal([
          { itemId: 'K-1', score: T0 + 10 },
          { itemId: 'K-2', score: T0 + 10 },
          { itemId: 'K-3', score: T0 + 30 },
        ]);
        expect(await store.queues.list('travel', 2)).to.have.length(2);
        expect(await store.queues.position('travel', 'K-1')).to.equal(1);
        expect(await store.queues.position('travel', 'K-3')).to.equal(3);
        expect(await store.queues.position('travel', 'K-9')).to.equal(undefined);
        expect(await store.queues.length('travel')).to.equal(3);
        expect(await store.queues.length('empty')).to.equal(0);
      });

      it('enqueueing an item already queued keeps its place (and original score)', async () => {
        await store.queues.enqueue('q', 'a', T0);
        await store.queues.enqueue('q', 'b', T0 + 1);
        await store.queues.enqueue('q', 'a', T0 + 100);
        expect(await store.queues.list('q')).to.deep.equal([
          { itemId: 'a', score: T0 },
          { itemId: 'b', score: T0 + 1 },
        ]);
      });

      it('removes items and says whether they were queued', async () => {
        await store.queues.enqueue('q', 'a', T0);
        expect(await store.queues.remove('q', 'a')).to.equal(true);
        expect(await store.queues.remove('q', 'a')).to.equal(false);
        expect(await store.queues.length('q')).to.equal(0);
      });

      it('popOldest removes and returns the oldest, undefined when empty', async () => {
        await store.queues.enqueue('q', 'b', T0 + 1);
        await store.queues.enqueue('q', 'a', T0 + 2);
        expect(await store.queues.popOldest('q')).to.deep.equal({ itemId: 'b', score: T0 + 1 });
        expect(await store.queues.popOldest('q')).to.deep.equal({ itemId: 'a', score: T0 + 2 });
        expect(await store.queues.popOldest('q')).to.equal(undefined);
      });

      it('race: concurrent popOldest on store and peer never returns an item twice', async () => {
        const peer = await opened.peer();
        const n = RACE_ROUNDS * 2;
        for (let i = 0; i < n; i++) await store.queues.enqueue('q', `item-${i}`, T0 + i);
        const popped = await Promise.all(
          Array.from({ length: n + 6 }, (_, i) => (i % 2 ? peer : store).queues.popOldest('q')),
        );
        const ids = popped.filter((p) => p !== undefined).map((p) => p.itemId);
        expect(ids.length).to.equal(n);
        expect(new Set(ids).size).to.equal(n);
        expect(await store.queues.length('q')).to.equal(0);
      });
    });

    // -----------------------------------------------------------------------------------------
    describe('leases', () => {
      it('acquires a free lease, refuses another owner, and renews for the holder', async () => {
        expect(await store.leases.holder('imap-poller', T0)).to.equal(undefined);
        expect(await store.leases.acquire('imap-poller', 'node-a', 1000, T0)).to.equal(true);
        expect(await store.leases.holder('imap-poller', T0 + 500)).to.equal('node-a');
        expect(await store.leases.acquire('imap-poller', 'node-b', 1000, T0 + 500)).to.equal(false);
        expect(await store.leases.acquire('imap-poller', 'node-a', 1000, T0 + 900)).to.equal(true);
        // Renewed: still held past the first expiry.
        expect(await store.leases.acquire('imap-poller', 'node-b', 1000, T0 + 1500)).to.equal(false);
        expect(await store.leases.holder('imap-poller', T0 + 1500)).to.equal('node-a');
      });

      it('an expired lease has no holder and can be taken by another owner', async () => {
        await store.leases.acquire('l', 'node-a', 1000, T0);
        expect(await store.leases.holder('l', T0 + 1000)).to.equal(undefined);
        expect(await store.leases.acquire('l', 'node-b', 1000, T0 + 1000)).to.equal(true);
        expect(await store.leases.holder('l', T0 + 1001)).to.equal('node-b');
      });

      it('releases only by its owner', async () => {
        await store.leases.acquire('l', 'node-a', 10_000, T0);
        expect(await store.leases.release('l', 'node-b')).to.equal(false);
        expect(await store.leases.holder('l', T0)).to.equal('node-a');
        expect(await store.leases.release('l', 'node-a')).to.equal(true);
        expect(await store.leases.holder('l', T0)).to.equal(undefined);
        expect(await store.leases.release('l', 'node-a')).to.equal(false);
        expect(await store.leases.acquire('l', 'node-b', 10_000, T0)).to.equal(true);
      });

      it('race: of owners acquiring one lease from store and peer, exactly one gets it', async () => {
        const peer = await opened.peer();
        for (let round = 0; round < RACE_ROUNDS; round++) {
          const got = await Promise.all([
            store.leases.acquire(`l${round}`, 'node-a', 1000, T0),
            peer.leases.acquire(`l${round}`, 'node-b', 1000, T0),
          ]);
          expect(got.filter(Boolean).length, `round ${round}`).to.equal(1);
          expect(await store.leases.holder(`l${round}`, T0)).to.equal(got[0] ? 'node-a' : 'node-b');
        }
      });
    });

    // -----------------------------------------------------------------------------------------
    describe('assignment', () => {
      const agent = (
        agentId: string,
        skills: string[],
        capacity = 2,
        status: 'online' | 'away' | 'offline' = 'online',
      ) => ({ agentId, status, skills, capacity }) as const;

      it('upsertAgent creates with load 0, keeps load and idle time on update unless resetIdleAt', async () => {
        const created = await store.assignment.upsertAgent({ ...agent('mei', ['lang:zh-TW']), resetIdleAt: T0 });
        expect(created).to.deep.equal({
          agentId: 'mei',
          status: 'online',
          skills: ['lang:zh-TW'],
          capacity: 2,
          load: 0,
          lastAssignedAt: T0,
        });
        await store.assignment.assign({ itemId: 'K-1', requiredSkills: [], now: T0 + 10 });
        const updated = await store.assignment.upsertAgent(agent('mei', ['lang:zh-TW', 'queue:travel'], 4, 'away'));
        expect(updated).to.deep.equal({
          agentId: 'mei',
          status: 'away',
          skills: ['lang:zh-TW', 'queue:travel'],
          capacity: 4,
          load: 1,
          lastAssignedAt: T0 + 10,
        });
        const reset = await store.assignment.upsertAgent({ ...agent('mei', ['lang:zh-TW'], 4), resetIdleAt: T0 + 99 });
        expect(reset).to.include({ load: 1, lastAssignedAt: T0 + 99, status: 'online' });
        expect(await store.assignment.getAgent('mei')).to.deep.equal(reset);
        expect(await store.assignment.getAgent('nobody')).to.equal(undefined);
      });

      it('listAgents returns every agent by agentId', async () => {
        await store.assignment.upsertAgent(agent('wei', []));
        await store.assignment.upsertAgent(agent('an', [], 1, 'offline'));
        expect((await store.assignment.listAgents()).map((a) => [a.agentId, a.status])).to.deep.equal([
          ['an', 'offline'],
          ['wei', 'online'],
        ]);
      });

      it('assign picks the longest-idle online agent with every required skill, ties by agentId', async () => {
        await store.assignment.upsertAgent({ ...agent('c-travel', ['lang:zh-TW', 'queue:travel']), resetIdleAt: T0 });
        await store.assignment.upsertAgent({ ...agent('b-travel', ['lang:zh-TW', 'queue:travel']), resetIdleAt: T0 });
        await store.assignment.upsertAgent({ ...agent('a-claims', ['lang:zh-TW', 'queue:claims']), resetIdleAt: 1 });
        await store.assignment.upsertAgent({
          ...agent('a-away', ['lang:zh-TW', 'queue:travel'], 2, 'away'),
          resetIdleAt: 0,
        });
        const skills = ['lang:zh-TW', 'queue:travel'];
        const first = await store.assignment.assign({ itemId: 'K-1', requiredSkills: skills, now: T0 + 1 });
        expect(first).to.deep.equal({ itemId: 'K-1', agentId: 'b-travel', assignedAt: T0 + 1 });
        const second = await store.assignment.assign({ itemId: 'K-2', requiredSkills: skills, now: T0 + 2 });
        expect(second?.agentId).to.equal('c-travel');
        const third = await store.assignment.assign({ itemId: 'K-3', requiredSkills: skills, now: T0 + 3 });
        expect(third?.agentId).to.equal('b-travel');
        expect(await store.assignment.getAgent('b-travel')).to.include({ load: 2, lastAssignedAt: T0 + 3 });
      });

      it('assign never exceeds capacity and returns undefined, changing nothing, when no agent qualifies', async () => {
        await store.assignment.upsertAgent({ ...agent('mei', ['lang:zh-TW'], 1), resetIdleAt: T0 });
        await store.queues.enqueue('general', 'K-2', T0);
        expect(await store.assignment.assign({ itemId: 'K-1', requiredSkills: ['lang:zh-TW'], now: T0 })).to.not.equal(
          undefined,
        );
        expect(
          await store.assignment.assign({ itemId: 'K-2', requiredSkills: ['lang:zh-TW'], now: T0, queue: 'general' }),
        ).to.equal(undefined);
        expect(await store.assignment.assign({ itemId: 'K-3', requiredSkills: ['lang:en'], now: T0 })).to.equal(
          undefined,
        );
        expect(await store.assignment.getAssignment('K-2')).to.equal(undefined);
        expect(await store.queues.position('general', 'K-2')).to.equal(1);
        expect(await store.assignment.getAgent('mei')).to.include({ load: 1 });
      });

      it('assign skips excluded agents (a ticket not accepted in time goes to someone else)', async () => {
        await store.assignment.upsertAgent({ ...agent('a', []), resetIdleAt: T0 });
        await store.assignment.upsertAgent({ ...agent('b', []), resetIdleAt: T0 + 5 });
        const got = await store.assignment.assign({
          itemId: 'K-1',
          requiredSkills: [],
          now: T0,
          excludeAgentIds: ['a'],
        });
        expect(got?.agentId).to.equal('b');
        expect(
          await store.assignment.assign({ itemId: 'K-2', requiredSkills: [], now: T0, excludeAgentIds: ['a', 'b'] }),
        ).to.equal(undefined);
      });

      it('assign does not assign an item twice and removes it from the queue', async () => {
        await store.assignment.upsertAgent({ ...agent('a', [], 5), resetIdleAt: T0 });
        await store.assignment.upsertAgent({ ...agent('b', [], 5), resetIdleAt: T0 });
        await store.queues.enqueue('travel', 'K-1', T0);
        await store.queues.enqueue('travel', 'K-2', T0 + 1);
        const got = await store.assignment.assign({ itemId: 'K-1', requiredSkills: [], now: T0, queue: 'travel' });
        expect(got?.agentId).to.equal('a');
        expect(await store.queues.list('travel')).to.deep.equal([{ itemId: 'K-2', score: T0 + 1 }]);
        expect(await store.assignment.assign({ itemId: 'K-1', requiredSkills: [], now: T0 + 1 })).to.equal(undefined);
        expect(await store.assignment.getAssignment('K-1')).to.deep.equal(got);
        expect(await store.assignment.getAgent('b')).to.include({ load: 0 });
      });

      it('claim assigns to the given agent under capacity, once, and removes from the queue', async () => {
        await store.assignment.upsertAgent({ ...agent('a', [], 1), resetIdleAt: T0 });
        await store.assignment.upsertAgent({ ...agent('b', [], 1), resetIdleAt: T0 });
        await store.queues.enqueue('q', 'K-1', T0);
        const got = await store.assignment.claim({ itemId: 'K-1', agentId: 'a', now: T0 + 7, queue: 'q' });
        expect(got).to.deep.equal({ itemId: 'K-1', agentId: 'a', assignedAt: T0 + 7 });
        expect(await store.queues.length('q')).to.equal(0);
        expect(await store.assignment.claim({ itemId: 'K-1', agentId: 'b', now: T0 + 8 })).to.equal(undefined);
        expect(await store.assignment.claim({ itemId: 'K-2', agentId: 'a', now: T0 + 8 })).to.equal(undefined);
        expect(await store.assignment.claim({ itemId: 'K-2', agentId: 'ghost', now: T0 + 8 })).to.equal(undefined);
        expect(await store.assignment.getAgent('a')).to.include({ load: 1, lastAssignedAt: T0 + 7 });
        expect(await store.assignment.getAgent('b')).to.include({ load: 0 });
      });

      it('release frees the item and the agent slot; assignmentsOf lists an agent’s items', async () => {
        await store.assignment.upsertAgent({ ...agent('a', [], 3), resetIdleAt: T0 });
        await store.assignment.claim({ itemId: 'K-2', agentId: 'a', now: T0 + 2 });
        await store.assignment.claim({ itemId: 'K-1', agentId: 'a', now: T0 + 1 });
        expect((await store.assignment.assignmentsOf('a')).map((x) => x.itemId)).to.deep.equal(['K-1', 'K-2']);
        const released = await store.assignment.release('K-2');
        expect(released).to.deep.equal({ itemId: 'K-2', agentId: 'a', assignedAt: T0 + 2 });
        expect(await store.assignment.release('K-2')).to.equal(undefined);
        expect(await store.assignment.getAssignment('K-2')).to.equal(undefined);
        expect(await store.assignment.assignmentsOf('a')).to.deep.equal([
          { itemId: 'K-1', agentId: 'a', assignedAt: T0 + 1 },
        ]);
        expect(await store.assignment.getAgent('a')).to.include({ load: 1 });
        expect(await store.assignment.assignmentsOf('nobody')).to.deep.equal([]);
        expect(await store.assignment.claim({ itemId: 'K-2', agentId: 'a', now: T0 + 3 })).to.not.equal(undefined);
      });

      it('race: one item assigned and claimed from store and peer at once goes to exactly one agent', async () => {
        const peer = await opened.peer();
        await store.assignment.upsertAgent({ ...agent('a', [], 100), resetIdleAt: T0 });
        await store.assignment.upsertAgent({ ...agent('b', [], 100), resetIdleAt: T0 });
        for (let round = 0; round < RACE_ROUNDS; round++) {
          const itemId = `K-${round}`;
          const results = await Promise.all([
            store.assignment.assign({ itemId, requiredSkills: [], now: T0 + round }),
            peer.assignment.assign({ itemId, requiredSkills: [], now: T0 + round }),
            store.assignment.claim({ itemId, agentId: 'a', now: T0 + round }),
            peer.assignment.claim({ itemId, agentId: 'b', now: T0 + round }),
          ]);
          const wins = results.filter((r) => r !== undefined);
          expect(wins.length, `round ${round}`).to.equal(1);
          expect(await peer.assignment.getAssignment(itemId)).to.deep.equal(wins[0]);
        }
        const a = (await store.assignment.getAgent('a'))!;
        const b = (await store.assignment.getAgent('b'))!;
        expect(a.load + b.load).to.equal(RACE_ROUNDS);
        expect((await store.assignment.assignmentsOf('a')).length).to.equal(a.load);
      });

      it('race: 20 items claimed concurrently from store and peer by one agent of capacity 3 → exactly 3', async () => {
        const peer = await opened.peer();
        await store.assignment.upsertAgent({ ...agent('mei', [], 3), resetIdleAt: T0 });
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            i % 4 < 2
              ? (i % 2 ? peer : store).assignment.claim({ itemId: `K-${i}`, agentId: 'mei', now: T0 + i })
              : (i % 2 ? peer : store).assignment.assign({ itemId: `K-${i}`, requiredSkills: [], now: T0 + i }),
          ),
        );
        expect(results.filter((r) => r !== undefined).length).to.equal(3);
        expect(await store.assignment.getAgent('mei')).to.include({ load: 3 });
        expect((await peer.assignment.assignmentsOf('mei')).length).to.equal(3);
      });
    });

    // -----------------------------------------------------------------------------------------
    describe('bus', () => {
      it('delivers a published message to a subscriber of that channel only', async () => {
        const other: Json[] = [];
        await store.bus.subscribe('agent/other', (m) => other.push(m));
        let resolveReceived: (m: Json) => void = () => {};
        const received = new Promise<Json>((resolve) => {
          resolveReceived = resolve;
        });
        await store.bus.subscribe('agent/mei', (m) => resolveReceived(m));
        await store.bus.publish('agent/mei', { ticket: 'K-1', text: '您好，請問有什麼可以協助？' });
        expect(await received).to.deep.equal({ ticket: 'K-1', text: '您好，請問有什麼可以協助？' });
        expect(other).to.deep.equal([]);
      });

      it('delivers between store and peer (another instance on the same data)', async () => {
        const peer = await opened.peer();
        let resolveReceived: (m: Json) => void = () => {};
        const received = new Promise<Json>((resolve) => {
          resolveReceived = resolve;
        });
        await peer.bus.subscribe('ticket/K-1', (m) => resolveReceived(m));
        await store.bus.publish('ticket/K-1', { event: 'replied' });
        expect(await received).to.deep.equal({ event: 'replied' });
      });

      it('stops delivering after unsubscribe', async () => {
        const gone: Json[] = [];
        const unsubscribe = await store.bus.subscribe('c', (m) => gone.push(m));
        await unsubscribe();
        let resolveReceived: (m: Json) => void = () => {};
        const received = new Promise<Json>((resolve) => {
          resolveReceived = resolve;
        });
        await store.bus.subscribe('c', (m) => resolveReceived(m));
        await store.bus.publish('c', 'after');
        // The still-subscribed handler got it, so the removed one would have by now.
        expect(await received).to.equal('after');
        expect(gone).to.deep.equal([]);
      });
    });

    // -----------------------------------------------------------------------------------------
    describe('unit of work (commit)', () => {
      const timer = (id: string, dueAt: number) => ({ id, kind: 'sla-due', dueAt, payload: { ticket: id } });

      it('applies records, stream appends and timers together and reports each result', async () => {
        await store.records.create('ledger', 'm1', { state: 'received' }, { state: 'received' });
        await store.timers.schedule(timer('old', T0));
        const results = await store.commit([
          {
            kind: 'record.create',
            collection: 'tickets',
            id: 'K-000001',
            value: { 主旨: '地址變更' },
            indexes: { status: 'queued' },
          },
          { kind: 'stream.append', stream: 'events:K-000001', value: { type: 'created' } },
          { kind: 'stream.append', stream: 'events:K-000001', value: { type: 'message' } },
          { kind: 'timer.schedule', timer: timer('sla:K-000001', T0 + 5000) },
          { kind: 'timer.cancel', id: 'old' },
          { kind: 'timer.cancel', id: 'never-was' },
          {
            kind: 'record.replace',
            collection: 'ledger',
            id: 'm1',
            expectedVersion: 1,
            value: { state: 'ticketed' },
            indexes: { state: 'ticketed' },
          },
        ]);
        expect(results).to.deep.equal([
          { kind: 'record.create', created: true, version: 1 },
          { kind: 'stream.append', seq: 1 },
          { kind: 'stream.append', seq: 2 },
          { kind: 'timer.schedule' },
          { kind: 'timer.cancel', existed: true },
          { kind: 'timer.cancel', existed: false },
          { kind: 'record.replace', version: 2 },
        ]);
        expect(await store.records.get('tickets', 'K-000001')).to.deep.equal({
          id: 'K-000001',
          version: 1,
          value: { 主旨: '地址變更' },
        });
        expect(
          (await store.records.list('tickets', { index: { name: 'status', value: 'queued' } })).map((r) => r.id),
        ).to.deep.equal(['K-000001']);
        expect((await store.streams.range('events:K-000001')).map((e) => e.value)).to.deep.equal([
          { type: 'created' },
          { type: 'message' },
        ]);
        expect(await store.timers.get('sla:K-000001')).to.deep.include({ dueAt: T0 + 5000, attempts: 0 });
        expect(await store.timers.get('old')).to.equal(undefined);
        expect(await store.records.get('ledger', 'm1')).to.deep.include({ version: 2, value: { state: 'ticketed' } });
        expect(await store.records.count('ledger', { name: 'state', value: 'received' })).to.equal(0);
        expect(await store.records.count('ledger', { name: 'state', value: 'ticketed' })).to.equal(1);
        // Appends outside a commit continue the same sequence.
        expect(await store.streams.append('events:K-000001', { type: 'note' })).to.equal(3);
      });

      it('an ifAbsent create skips a taken id and keeps the first value', async () => {
        await store.records.create('thread-ids', 'h1', { ticket: 'K-000001' });
        const results = await store.commit([
          { kind: 'record.create', collection: 'thread-ids', id: 'h1', value: { ticket: 'K-000009' }, ifAbsent: true },
          { kind: 'record.create', collection: 'thread-ids', id: 'h2', value: { ticket: 'K-000009' }, ifAbsent: true },
        ]);
        expect(results).to.deep.equal([
          { kind: 'record.create', created: false, version: 0 },
          { kind: 'record.create', created: true, version: 1 },
        ]);
        expect((await store.records.get('thread-ids', 'h1'))?.value).to.deep.equal({ ticket: 'K-000001' });
        expect((await store.records.get('thread-ids', 'h2'))?.value).to.deep.equal({ ticket: 'K-000009' });
      });

      for (const failing of [
        {
          why: 'a stale version',
          code: 'ERR_STORE_CONFLICT' as const,
          write: {
            kind: 'record.replace' as const,
            collection: 'ledger',
            id: 'm1',
            expectedVersion: 7,
            value: { state: 'lost' },
          },
        },
        {
          why: 'a replace of a missing record',
          code: 'ERR_STORE_NOT_FOUND' as const,
          write: {
            kind: 'record.replace' as const,
            collection: 'ledger',
            id: 'ghost',
            expectedVersion: 1,
            value: { state: 'lost' },
          },
        },
        {
          why: 'a create of a taken id',
          code: 'ERR_STORE_EXISTS' as const,
          write: { kind: 'record.create' as const, collection: 'ledger', id: 'm1', value: { state: 'lost' } },
        },
      ]) {
        it(`writes nothing when one write fails (${failing.why}) and names its position`, async () => {
          await store.records.create('ledger', 'm1', { state: 'received' }, { state: 'received' });
          await store.timers.schedule(timer('keep', T0));
          let caught: unknown;
          try {
            await store.commit([
              {
                kind: 'record.create',
                collection: 'tickets',
                id: 'K-000001',
                value: { n: 1 },
                indexes: { status: 'queued' },
              },
              { kind: 'stream.append', stream: 'events:K-000001', value: { type: 'created' } },
              { kind: 'timer.schedule', timer: timer('sla:K-000001', T0) },
              { kind: 'timer.cancel', id: 'keep' },
              failing.write,
            ]);
          } catch (err) {
            caught = err;
          }
          expect(isKefuError(caught, failing.code), String(caught)).to.equal(true);
          expect((caught as { context?: { index?: number } }).context?.index).to.equal(4);
          expect(await store.records.get('tickets', 'K-000001')).to.equal(undefined);
          expect(await store.records.count('tickets', { name: 'status', value: 'queued' })).to.equal(0);
          expect(await store.streams.lastSeq('events:K-000001')).to.equal(0);
          expect(await store.timers.get('sla:K-000001')).to.equal(undefined);
          expect(await store.timers.get('keep')).to.not.equal(undefined);
          expect(await store.records.get('ledger', 'm1')).to.deep.include({ version: 1, value: { state: 'received' } });
        });
      }

      it('refuses a commit that names one record or one timer twice, writing nothing', async () => {
        await expectCode(
          store.commit([
            { kind: 'record.create', collection: 'tickets', id: 't1', value: { n: 1 } },
            { kind: 'record.replace', collection: 'tickets', id: 't1', expectedVersion: 1, value: { n: 2 } },
          ]),
          'ERR_STORE_BAD_COMMIT',
        );
        await expectCode(
          store.commit([
            { kind: 'record.create', collection: 'tickets', id: 't2', value: { n: 1 } },
            { kind: 'timer.schedule', timer: timer('x', T0) },
            { kind: 'timer.cancel', id: 'x' },
          ]),
          'ERR_STORE_BAD_COMMIT',
        );
        expect(await store.records.count('tickets')).to.equal(0);
        expect(await store.timers.get('x')).to.equal(undefined);
        // The same id in two collections is two records.
        await store.commit([
          { kind: 'record.create', collection: 'tickets', id: 'same', value: { n: 1 } },
          { kind: 'record.create', collection: 'agents', id: 'same', value: { n: 2 } },
        ]);
        expect(await store.records.count('tickets')).to.equal(1);
      });

      it('an empty commit does nothing', async () => {
        expect(await store.commit([])).to.deep.equal([]);
      });

      it('of two commits replacing one record at the same version, exactly one wins, whole', async () => {
        const peer = await opened.peer();
        for (let round = 0; round < RACE_ROUNDS; round++) {
          const id = `r${round}`;
          await store.records.create('tickets', id, { owner: 'none' });
          const attempt = (s: Store, owner: string) =>
            s.commit([
              { kind: 'stream.append', stream: `events:${id}`, value: { owner } },
              { kind: 'record.create', collection: 'claims', id: `${id}:${owner}`, value: { owner } },
              { kind: 'record.replace', collection: 'tickets', id, expectedVersion: 1, value: { owner } },
            ]);
          const results = await Promise.allSettled([attempt(store, 'a'), attempt(peer, 'b')]);
          expect(settledWins(results, 'ERR_STORE_CONFLICT')).to.equal(1);
          const winner = ((await store.records.get('tickets', id))?.value as { owner?: string } | undefined)?.owner;
          expect(winner).to.be.oneOf(['a', 'b']);
          const events = await store.streams.range(`events:${id}`);
          expect(events.map((e) => e.value)).to.deep.equal([{ owner: winner }]);
          expect(await store.records.count('claims')).to.equal(round + 1);
          expect(await store.records.get('claims', `${id}:${winner}`)).to.not.equal(undefined);
        }
      });

      it('a committed write survives a restart', async () => {
        await store.commit([
          { kind: 'record.create', collection: 'tickets', id: 'K-000001', value: { n: 1 } },
          { kind: 'timer.schedule', timer: timer('sla:K-000001', T0) },
        ]);
        const reopened = await opened.reopen();
        expect(await reopened.records.get('tickets', 'K-000001')).to.deep.include({ version: 1 });
        expect((await reopened.timers.claimDue(T0, 10, 1000)).map((t) => t.id)).to.deep.equal(['sla:K-000001']);
      });
    });

    // -----------------------------------------------------------------------------------------
    describe('health, close and restart', () => {
      it(`health reports ${adapterName}, ok, where it is and the round-trip time`, async () => {
        const health = await store.health();
        expect(health.kind).to.equal(adapterName);
        expect(store.kind).to.equal(adapterName);
        expect(health.ok).to.equal(true);
        expect(health.location).to.be.a('string').and.not.equal('');
        expect(health.latencyMs).to.be.a('number').and.at.least(0);
        expect(health.error).to.equal(undefined);
      });

      it('close is idempotent, and a closed store refuses work and reports not ok without throwing', async () => {
        await store.close();
        await store.close();
        expect((await store.health()).ok).to.equal(false);
        let failed = false;
        try {
          await store.kv.get('x');
        } catch {
          failed = true;
        }
        expect(failed).to.equal(true);
      });

      it('timers that fell due while the app was down are claimed after restart', async () => {
        await store.timers.schedule({ id: 'sla/K-1', kind: 'sla-due', dueAt: T0 + 60_000, payload: { t: 'K-1' } });
        await store.timers.schedule({ id: 'cb/K-2', kind: 'callback-due', dueAt: T0 + 120_000, payload: {} });
        // A claimer that died mid-handler: its lease runs out while the app is down.
        await store.timers.schedule({ id: 'out/K-3', kind: 'outbox-retry', dueAt: T0, payload: {} });
        expect((await store.timers.claimDue(T0, 10, 30_000)).map((t) => t.id)).to.deep.equal(['out/K-3']);
        const restarted = await opened.reopen();
        const later = T0 + 3_600_000; // the app came back an hour later
        const claimed = await restarted.timers.claimDue(later, 10, 30_000);
        expect(claimed.map((t) => [t.id, t.attempts])).to.deep.equal([
          ['out/K-3', 1],
          ['sla/K-1', 0],
          ['cb/K-2', 0],
        ]);
      });

      it('records, streams, sequences, queues, agents and bot state survive a restart', async () => {
        await store.records.create('tickets', 'K-000001', { 主旨: '保單變更' }, { status: 'queued' });
        await store.streams.append('ticket/K-000001', { type: 'created' });
        await store.kv.nextSequence('ticket');
        await store.kv.set('kept', { a: 1 });
        await store.queues.enqueue('q', 'K-000001', T0);
        await store.assignment.upsertAgent({ agentId: 'mei', status: 'online', skills: ['x'], capacity: 2 });
        await store.assignment.claim({ itemId: 'K-9', agentId: 'mei', now: T0 });
        await store.botState.write({ conv: { n: 1 } });
        const eTag = (await store.botState.read(['conv']))['conv']!.eTag;
        const restarted = await opened.reopen();
        expect(await restarted.records.get('tickets', 'K-000001')).to.deep.equal({
          id: 'K-000001',
          version: 1,
          value: { 主旨: '保單變更' },
        });
        expect(await restarted.records.count('tickets', { name: 'status', value: 'queued' })).to.equal(1);
        expect(await restarted.streams.range('ticket/K-000001')).to.deep.equal([
          { seq: 1, value: { type: 'created' } },
        ]);
        expect(await restarted.streams.append('ticket/K-000001', { type: 'x' })).to.equal(2);
        expect(await restarted.kv.nextSequence('ticket')).to.equal(2);
        expect(await restarted.kv.get('kept')).to.deep.equal({ a: 1 });
        expect(await restarted.queues.position('q', 'K-000001')).to.equal(1);
        expect(await restarted.assignment.getAgent('mei')).to.include({ load: 1 });
        expect(await restarted.assignment.getAssignment('K-9')).to.include({ agentId: 'mei' });
        expect((await restarted.botState.read(['conv']))['conv']?.eTag).to.equal(eTag);
      });
    });
  });
}
