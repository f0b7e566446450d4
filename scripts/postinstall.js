#!/usr/bin/env node
// Right after `npm install`, so `npm start` and `npm test` need no extra step:
// - installs the pinned Temporal binaries (dev server + time-skipping test server) into .tools/;
// - makes sure a Chromium exists for the Web UI browser test (Debian's `chromium`, when root with apt-get;
//   scripts/install-chromium.js, skipped with SKIP_CHROMIUM_INSTALL=1).
// Never fails the install: the same checks run again, with a clear error, when a server or browser is actually needed.
const path = require('node:path');

if (process.env.SKIP_TEMPORAL_BINARIES === '1') process.exit(0);
let tsNode;
try {
  tsNode = require('ts-node');
} catch {
  process.exit(0); // production install without devDependencies: the image does not run local servers or tests
}
require('./install-chromium').ensureChromium();
tsNode.register({ transpileOnly: true, project: path.join(__dirname, '..', 'tsconfig.json') });
const { ensureTemporalBinaries, describeBinaries } = require('../src/dev-harness/temporal/binaries');
ensureTemporalBinaries()
  .then((binaries) => process.stdout.write(`${describeBinaries(binaries)}\n`))
  .catch((err) => process.stderr.write(`[temporal-binaries] not installed now (${err.message}); will retry on use\n`));
