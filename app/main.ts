/**
 * Composition root: the only place that reads `process.env` (through `loadConfig`), opens
 * drivers and wires ports to use cases. `npm start` runs this file.
 *
 * Start-up fails fast with one message listing every bad variable; SIGTERM/SIGINT drain
 * in-flight work, stop workers and close the store before exiting.
 */
import 'dotenv/config';
import { startKefu } from './start';

startKefu(process.env).then(
  (running) => {
    const stop = (signal: string): void => {
      running.log.info({ signal }, 'shutdown requested');
      running.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  },
  (err: unknown) => {
    const e = err as { code?: string; message?: string };
    // A configuration error is the operator's to fix: print it plainly, no stack.
    if (e.code === 'ERR_CONFIG_INVALID' || e.code === 'ERR_CONFIG_UNSAFE') {
      process.stderr.write(`kefu: ${e.message}\n`);
    } else {
      process.stderr.write(`kefu: start-up failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    }
    process.exit(1);
  },
);
