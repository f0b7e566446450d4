// Makes sure a Chromium exists for the Web UI browser test (test/web-ui.test.ts drives it with playwright-core, which
// never downloads a browser of its own). On a Debian machine where we are root and none is installed, installs
// Debian's `chromium` package with apt-get. Never throws and never fails `npm install`: when it cannot install, it
// prints what to run instead, and the browser test fails later with the same advice.
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');

/** Where the browser test looks for Chromium, in this order. Keep in sync with test/helpers/browser.ts. */
const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
const PACKAGES = ['chromium', 'fonts-liberation'];
const INSTALL_HINT =
  'install it with `sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium fonts-liberation`, ' +
  'or point CHROMIUM_PATH at an existing Chromium/Chrome binary';

const log = (msg) => process.stdout.write(`[chromium] ${msg}\n`);
const warn = (msg) => process.stderr.write(`[chromium] ${msg}\n`);

function findChromium() {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return fs.existsSync(fromEnv) ? fromEnv : undefined;
  return CHROMIUM_CANDIDATES.find((p) => fs.existsSync(p));
}

function version(executable) {
  const out = spawnSync(executable, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  return out.status === 0 ? out.stdout.trim() : 'version unknown';
}

function hasAptGet() {
  return spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
}

function apt(args, { retrying = false } = {}) {
  log(`apt-get ${args.join(' ')}`);
  const result = spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 15 * 60_000,
  });
  if (result.status === 0) return true;
  const why = result.error ? result.error.message : (result.stderr || '').trim().split('\n').slice(-3).join(' | ');
  const next = retrying ? '; updating the package lists and trying again' : '';
  warn(`apt-get ${args[0]} failed (${result.signal ?? `exit ${result.status}`}): ${why}${next}`);
  return false;
}

function ensureChromium() {
  try {
    if (process.env.SKIP_CHROMIUM_INSTALL === '1') return;
    const existing = findChromium();
    if (existing) {
      log(`using ${existing} (${version(existing)})`);
      return;
    }
    if (process.env.CHROMIUM_PATH) {
      warn(
        `CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist; the Web UI browser test will fail until it does`
      );
      return;
    }
    if (process.platform !== 'linux' || !hasAptGet()) {
      warn(`no Chromium found and no apt-get here; the Web UI browser test needs one: ${INSTALL_HINT}`);
      return;
    }
    if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
      warn(`no Chromium found and not running as root, so not installing it; ${INSTALL_HINT}`);
      return;
    }
    log(`no Chromium found; installing Debian's ${PACKAGES.join(' ')} for the Web UI browser test (a few minutes)`);
    const install = ['install', '-y', '--no-install-recommends', ...PACKAGES];
    // Stale or missing package lists are the usual reason a first attempt fails on a fresh machine.
    const ok = apt(install, { retrying: true }) || (apt(['update']) && apt(install));
    const installed = findChromium();
    if (ok && installed) log(`installed ${installed} (${version(installed)})`);
    else warn(`could not install Chromium; the Web UI browser test will fail until you ${INSTALL_HINT}`);
  } catch (err) {
    warn(`could not install Chromium (${err.message}); ${INSTALL_HINT}`);
  }
}

module.exports = { ensureChromium, findChromium, CHROMIUM_CANDIDATES, INSTALL_HINT };

if (require.main === module) ensureChromium();
