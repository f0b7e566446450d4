/** Where a bench ran: the machine and the versions of what it measured, for the BENCHMARKS.md header. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { PROJECT_ROOT } from '../../src/config/project-root';
import { ensureTemporalBinaries } from '../../src/dev-harness/temporal/binaries';

const SDK_PACKAGES = ['@temporalio/client', '@temporalio/worker', '@temporalio/workflow', '@temporalio/core-bridge'];

export function describeMachine(): string[] {
  const cpus = os.cpus();
  const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
  return [
    `CPU: ${cpus[0]?.model.trim() ?? 'unknown'} × ${cpus.length}`,
    `Memory: ${gib(os.totalmem())} (${gib(os.freemem())} free at start)`,
    `OS: ${os.type()} ${os.release()} (${os.arch()})`,
    `Node: ${process.version}`,
    `Load average at start: ${load} (1 / 5 / 15 min)`,
  ];
}

function installedVersion(pkg: string): string {
  try {
    const file = path.join(PROJECT_ROOT, 'node_modules', pkg, 'package.json');
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

export async function describeVersions(): Promise<string[]> {
  const { cli } = await ensureTemporalBinaries({ log: () => undefined });
  return [
    `Temporal CLI (dev server): ${cli.version}`,
    ...SDK_PACKAGES.map((pkg) => `${pkg}: ${installedVersion(pkg)}`),
  ];
}
