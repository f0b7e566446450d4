/**
 * Temporal's four services as four processes of the pinned server, on the cluster's PostgreSQL, with the dynamic
 * config docker-compose.yml mounts. The config file is written from the layout at every `up`, so ports follow
 * CLUSTER_PORT_OFFSET.
 */
import fs from 'node:fs';
import path from 'node:path';

import YAML from 'yaml';

import { canConnect } from '../tcp';

import { ClusterError, TEMPORAL_SERVICES, type ClusterLayout, type TemporalService } from './layout';
import { POSTGRES_USER } from './postgres';
import { isOurs, lastLines, readPid, startDetached, stopByPid, waitUntil } from './processes';
import type { ServerBinaries } from './server-build';

/** History shards: fixed at schema creation time; 4 as in Temporal's development configs. */
const HISTORY_SHARDS = 4;

function datastore(layout: ClusterLayout, database: string, maxConns: number) {
  return {
    sql: {
      pluginName: 'postgres12',
      databaseName: database,
      connectAddr: `127.0.0.1:${layout.postgresPort}`,
      connectProtocol: 'tcp',
      user: POSTGRES_USER.name,
      password: POSTGRES_USER.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  };
}

/** The server config (modelled on the module's config/development-postgres12.yaml, without archival and pprof). */
export function serverConfig(layout: ClusterLayout): Record<string, unknown> {
  const rpc = (service: TemporalService) => {
    const ports = layout.services[service];
    return {
      rpc: {
        grpcPort: ports.grpc,
        membershipPort: ports.membership,
        bindOnLocalHost: true,
        ...(ports.http !== undefined ? { httpPort: ports.http } : {}),
      },
    };
  };
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: HISTORY_SHARDS,
      datastores: {
        'postgres-default': datastore(layout, 'temporal', 20),
        'postgres-visibility': datastore(layout, 'temporal_visibility', 10),
      },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: Object.fromEntries(TEMPORAL_SERVICES.map((s) => [s, rpc(s)])),
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: layout.address },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: layout.dynamicConfigFile, pollInterval: '10s' },
  };
}

export function writeServerConfig(layout: ClusterLayout): void {
  fs.mkdirSync(path.dirname(layout.configFile), { recursive: true });
  fs.writeFileSync(
    layout.configFile,
    `# Written by \`npm run cluster -- up\` from src/dev-harness/cluster/temporal-services.ts; edits are overwritten.\n` +
      YAML.stringify(serverConfig(layout))
  );
}

export const serviceLog = (layout: ClusterLayout, service: TemporalService) =>
  path.join(layout.logDir, `temporal-${service}.log`);

const pidName = (service: TemporalService) => `temporal-${service}`;

/** The port that accepts once a service is up: gRPC, but the worker service serves none (membership only). */
export function readinessPort(layout: ClusterLayout, service: TemporalService): number {
  const ports = layout.services[service];
  return service === 'worker' ? ports.membership : ports.grpc;
}

export function serviceRunning(layout: ClusterLayout, service: TemporalService): boolean {
  return isOurs(readPid(layout.pidDir, pidName(service)));
}

/** Starts one service (no-op if ours already runs) and waits until its gRPC port accepts connections. */
export async function startService(
  layout: ClusterLayout,
  binaries: ServerBinaries,
  service: TemporalService,
  timeoutMs = 120_000
): Promise<void> {
  // Ours already running (a repeated `up`): isOurs is reliable for it; a process just started tells by itself.
  let exited = () => !serviceRunning(layout, service);
  if (!serviceRunning(layout, service)) {
    ({ exited } = startDetached({
      name: pidName(service),
      command: binaries.server,
      args: ['--config-file', layout.configFile, '--allow-no-auth', 'start', '--service', service],
      cwd: layout.stateDir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      logDir: layout.logDir,
      pidDir: layout.pidDir,
      marker: layout.configFile,
    }));
  }
  const port = readinessPort(layout, service);
  await waitUntil(
    async () => {
      if (exited()) {
        const log = serviceLog(layout, service);
        const tail = lastLines(fs.readFileSync(log, 'utf8').trim(), 10);
        throw new ClusterError(`Temporal ${service} exited; the end of ${log}:\n${tail}`);
      }
      return canConnect(port);
    },
    timeoutMs,
    () =>
      `Temporal ${service} did not accept connections on port ${port} within ${timeoutMs / 1000} s; see ${serviceLog(layout, service)}`
  ).catch((err: Error) => {
    throw err instanceof ClusterError ? err : new ClusterError(`Temporal ${service}: ${err.message}`);
  });
}

export function stopService(layout: ClusterLayout, service: TemporalService) {
  return stopByPid(layout.pidDir, pidName(service));
}

export async function restartService(layout: ClusterLayout, binaries: ServerBinaries, service: TemporalService) {
  await stopService(layout, service);
  await startService(layout, binaries, service);
}
