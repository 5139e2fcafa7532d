/**
 * Runs the one storage conformance suite against the Redis adapter, on a real redis-server
 * started for this file. Each test gets a fresh random key prefix, so tests are isolated the
 * way BullMQ isolates its tests; `peer()` is a second client with the same prefix, and
 * `reopen()` closes every client and opens a new one on the same data.
 */
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import type { Store } from '../../storage/port';
import { openRedisStore } from '../../storage/redis/redis-store';
import { startRedis, type TestRedis } from '../support/redis-server';
import { describeStoreConformance, type OpenedStore } from './conformance';

const log = pino({ level: 'silent' });

describe('redis store', () => {
  let redis: TestRedis;

  before(async () => {
    redis = await startRedis();
  });

  after(async () => {
    await redis?.dispose();
  });

  describeStoreConformance('redis', {
    async open(): Promise<OpenedStore> {
      const keyPrefix = `kefu-test:${randomBytes(6).toString('hex')}:`;
      const open = (): Promise<Store> => openRedisStore({ url: redis.url, keyPrefix, log });
      const stores: Store[] = [];
      const track = async (): Promise<Store> => {
        const store = await open();
        stores.push(store);
        return store;
      };
      const closeAll = async (): Promise<void> => {
        await Promise.all(stores.splice(0).map((s) => s.close()));
      };
      const store = await track();
      return {
        store,
        peer: track,
        async reopen() {
          await closeAll();
          return track();
        },
        dispose: closeAll,
      };
    },
  });
});
