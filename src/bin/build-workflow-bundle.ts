/** Writes lib/workflow-bundle.js, the prebuilt workflow bundle the worker loads in production. */
import fs from 'node:fs';
import path from 'node:path';

import { PREBUILT_BUNDLE_PATH, bundleRelayWorkflows } from '../temporal/workflow-bundle';

async function run(): Promise<void> {
  const { code } = await bundleRelayWorkflows();
  fs.mkdirSync(path.dirname(PREBUILT_BUNDLE_PATH), { recursive: true });
  fs.writeFileSync(PREBUILT_BUNDLE_PATH, code);
  process.stdout.write(`wrote ${PREBUILT_BUNDLE_PATH} (${(code.length / 1024 / 1024).toFixed(2)} MB)\n`);
}

run().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
