/**
 * Builds and starts a whole Kefu instance from an environment map. Used by `app/main.ts` and
 * by tests that need the real service (port 0, throwaway data folder).
 */
import fs from 'node:fs';
import { openStore } from '../storage';
import type { Store } from '../storage/port';
import { systemClock, type Clock } from './clock';
import { loadConfig, type Config } from './config';
import { HealthRegistry } from './health';
import { Lifecycle } from './lifecycle';
import { createLogger, type Logger } from './logger';
import { createApp, createMetricsRegistry, type App } from './server';

export interface RunningKefu {
  config: Config;
  log: Logger;
  store: Store;
  app: App;
  port: number;
  /** Base URL the service answers on (http://127.0.0.1:PORT for tests). */
  url: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  /** Log destination (tests pass a stream); default stdout. */
  logDestination?: Parameters<typeof createLogger>[0]['destination'];
}

export async function startKefu(
  env: Record<string, string | undefined>,
  options: StartOptions = {},
): Promise<RunningKefu> {
  const config = loadConfig(env);
  const log = createLogger({ level: config.LOG_LEVEL, destination: options.logDestination });
  const clock = options.clock ?? systemClock;
  void clock;

  if (!config.REDIS_URL) fs.mkdirSync(config.DATA_DIR, { recursive: true });
  const store = await openStore({
    dataDir: config.DATA_DIR,
    redisUrl: config.REDIS_URL,
    redisKeyPrefix: config.REDIS_KEY_PREFIX,
    log,
  });

  const lifecycle = new Lifecycle(log);
  lifecycle.onStop('store', () => store.close());

  const health = new HealthRegistry();
  health.register('store', async () => {
    const h = await store.health();
    return { ...h, status: h.ok ? 'ok' : 'down', critical: true };
  });

  const metrics = createMetricsRegistry();
  const app = createApp({ config, log, health, lifecycle, metrics });

  const port = await app.listen(config.PORT, config.HOST);
  lifecycle.onStop('http', () => app.closeListener());
  if (config.sessionSecretGenerated && config.NODE_ENV !== 'test') {
    log.warn('SESSION_SECRET is unset: console sessions end when the service restarts');
  }
  log.info({ port, store: store.kind, env: config.NODE_ENV }, `Kefu listening on ${config.PUBLIC_BASE_URL}`);

  return {
    config,
    log,
    store,
    app,
    port,
    url: `http://127.0.0.1:${port}`,
    stop: () => lifecycle.shutdown(config.SHUTDOWN_TIMEOUT_MS),
  };
}
