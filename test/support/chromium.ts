/**
 * Debian's Chromium for end-to-end tests, driven by playwright-core. Never a downloaded
 * browser (that fails on these machines). Each launch gets its own throwaway profile folder,
 * removed by `close()`; screenshots go to `test-artifacts/` for a person to look at.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM_BIN = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

/** Flags that keep Chromium quiet on a machine with no network but loopback. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where tests save screenshots (gitignored but for its README). */
export const ARTIFACTS_DIR = path.resolve(__dirname, '../../test-artifacts');

export interface LaunchedChromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Launches Chromium with a fresh profile; options go to `launchPersistentContext`. */
export async function launchChromium(
  options: Omit<Parameters<typeof chromium.launchPersistentContext>[1], 'executablePath' | 'args' | 'headless'> = {},
): Promise<LaunchedChromium> {
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-chromium-'));
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const context = await chromium.launchPersistentContext(profileDir, {
    ...options,
    executablePath: CHROMIUM_BIN,
    args: CHROMIUM_ARGS,
    headless: true,
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      fs.rmSync(profileDir, { recursive: true, force: true });
    },
  };
}
