/**
 * Opens the configured store: Redis when REDIS_URL is set, otherwise the embedded SQLite file
 * under DATA_DIR (created on first start). The composition root calls this once.
 */
import path from 'node:path';
import type { Logger } from '../app/logger';
import type { Store } from './port';
import { openRedisStore } from './redis/redis-store';
import { openSqliteStore } from './sqlite/sqlite-store';

export type { Store } from './port';

/** File name of the embedded database inside DATA_DIR. */
export const SQLITE_FILE_NAME = 'kefu.sqlite';

export interface StoreOptions {
  dataDir: string;
  redisUrl?: string;
  redisKeyPrefix: string;
  log: Logger;
}

export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.redisUrl) {
    return openRedisStore({ url: options.redisUrl, keyPrefix: options.redisKeyPrefix, log: options.log });
  }
  return openSqliteStore({ file: path.resolve(options.dataDir, SQLITE_FILE_NAME), log: options.log });
}
