/**
 * Debian's Chromium driven by playwright-core (never a browser download). Without it the browser
 * tests fail with a clear message, unless CLICKPATH_SKIP_BROWSER=1 says to skip them on purpose.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.CLICKPATH_CHROMIUM ?? '/usr/bin/chromium';

export const skipBrowser = process.env.CLICKPATH_SKIP_BROWSER === '1';

const ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}; the browser tests (dashboard, browser SDKs) need it. ` +
        'Install it with "apt-get install -y chromium" (or set CLICKPATH_CHROMIUM), or set CLICKPATH_SKIP_BROWSER=1 to skip these tests.',
    );
  }
  const userDataDir = mkdtempSync(join(tmpdir(), 'clickpath-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1366, height: 900 },
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
