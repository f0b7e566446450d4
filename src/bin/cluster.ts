/**
 * `npm run cluster -- up|down|status [--purge]`: a production-shaped Temporal cluster on this machine (README, "Run on
 * a cluster"). Settings: CLUSTER_DIR (state folder, default .tools/cluster), CLUSTER_PORT_OFFSET (moves every port),
 * CLUSTER_CACHE_DIR (server build cache), TEMPORAL_NAMESPACE, POSTGRES_BIN_DIR, GO.
 */
import fs from 'node:fs';

import { clusterDown, clusterStatus, clusterUp } from '../dev-harness/cluster/cluster';
import { ClusterError, clusterLayout } from '../dev-harness/cluster/layout';

const USAGE = 'usage: npm run cluster -- up | down [--purge] | status';

const say = (line: string) => process.stdout.write(`${line}\n`);
const log = (line: string) => process.stderr.write(`[cluster] ${line}\n`);

export async function main(argv: string[]): Promise<number> {
  const [command, ...flags] = argv;
  const unknown = flags.filter((f) => !(command === 'down' && f === '--purge'));
  if (unknown.length > 0 || !command) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const layout = clusterLayout();
  switch (command) {
    case 'up': {
      const cluster = await clusterUp(layout, log);
      log(`up; step times (s): ${JSON.stringify(cluster.timings)}`);
      say(`TEMPORAL_ADDRESS=${cluster.address}`);
      say(`TEMPORAL_NAMESPACE=${cluster.namespace}`);
      return 0;
    }
    case 'status': {
      const statuses = await clusterStatus(layout);
      for (const s of statuses) say(`${s.name.padEnd(18)} ${s.running ? 'running' : 'stopped'}  ${s.detail}`);
      if (statuses.every((s) => s.running)) say(`TEMPORAL_ADDRESS=${layout.address}`);
      return statuses.every((s) => s.running) ? 0 : 1;
    }
    case 'down': {
      for (const s of await clusterDown(layout)) say(`${s.name.padEnd(18)} ${s.detail}`);
      if (flags.includes('--purge')) {
        fs.rmSync(layout.stateDir, { recursive: true, force: true });
        say(`removed ${layout.stateDir}`);
      }
      return 0;
    }
    default:
      process.stderr.write(`${USAGE}\n`);
      return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2))
    .then((code) => process.exit(code))
    .catch((err: unknown) => {
      process.stderr.write(
        `cluster: ${err instanceof ClusterError ? err.message : String((err as Error).stack ?? err)}\n`
      );
      process.exit(1);
    });
}
