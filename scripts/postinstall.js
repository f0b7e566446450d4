#!/usr/bin/env node
// Installs the pinned Temporal binaries (dev server + time-skipping test server) into .tools/ right after
// `npm install`, so `npm start` and `npm test` need no extra step. Never fails the install: the same check runs
// again, with a clear error, when a server is actually needed.
const path = require('node:path');

if (process.env.SKIP_TEMPORAL_BINARIES === '1') process.exit(0);
let tsNode;
try {
  tsNode = require('ts-node');
} catch {
  process.exit(0); // production install without devDependencies: the image does not run local servers
}
tsNode.register({ transpileOnly: true, project: path.join(__dirname, '..', 'tsconfig.json') });
const { ensureTemporalBinaries, describeBinaries } = require('../src/temporal/binaries');
ensureTemporalBinaries()
  .then((binaries) => process.stdout.write(`${describeBinaries(binaries)}\n`))
  .catch((err) => process.stderr.write(`[temporal-binaries] not installed now (${err.message}); will retry on use\n`));
