/**
 * Headless Chromium for browser tests: Debian's `chromium` driven by playwright-core (which never downloads a
 * browser). `npm install` installs the package when it can (scripts/install-chromium.js); without one, tests fail
 * with the command that installs it.
 */
import { existsSync } from 'node:fs';

import { chromium, type Browser } from 'playwright-core';

/** Same order as scripts/install-chromium.js. */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** Flags for this machine kind: no GPU, and no background connections (the network is closed). */
const FLAGS = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumExecutable(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  const found = fromEnv ? (existsSync(fromEnv) ? fromEnv : undefined) : CANDIDATES.find((p) => existsSync(p));
  if (found) return found;
  throw new Error(
    `No Chromium for the browser test: ${fromEnv ? `CHROMIUM_PATH=${fromEnv} does not exist` : `none of ${CANDIDATES.join(', ')} exists`}. ` +
      '`npm install` installs it when run as root on Debian; otherwise run ' +
      '`sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium fonts-liberation` ' +
      '(or set CHROMIUM_PATH to an existing Chromium/Chrome binary).'
  );
}

/**
 * Launches headless Chromium with a fresh, empty profile (playwright-core creates a new temporary user-data-dir per
 * launch and removes it on close) and without the sandbox (tests run as root).
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumExecutable(),
    headless: true,
    chromiumSandbox: false,
    args: FLAGS,
    timeout: 30_000,
  });
}
