/**
 * Where a local cluster keeps its state and which ports it uses. Everything `npm run cluster -- up` creates lives in
 * one state folder (git-ignored `.tools/cluster/` by default), so `down` can find exactly what `up` started.
 */
import path from 'node:path';

import { PROJECT_ROOT } from '../../config/project-root';
import { TOOLS_DIR } from '../temporal/binaries';

/** The four Temporal services, each its own process. */
export const TEMPORAL_SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
export type TemporalService = (typeof TEMPORAL_SERVICES)[number];

/**
 * Ports at offset 0: Temporal's own defaults (frontend 7233 as in docker-compose.yml). PostgreSQL uses 5433, not 5432,
 * so it never collides with a system PostgreSQL. CLUSTER_PORT_OFFSET moves all of them together.
 */
const BASE_PORTS = {
  postgres: 5433,
  frontend: { grpc: 7233, membership: 6933, http: 7243 },
  history: { grpc: 7234, membership: 6934 },
  matching: { grpc: 7235, membership: 6935 },
  worker: { grpc: 7239, membership: 6939 },
};

export interface ServicePorts {
  grpc: number;
  membership: number;
  http?: number;
}

export interface ClusterLayout {
  stateDir: string;
  /** PostgreSQL's data folder: owned by the `postgres` user when we run as root. */
  postgresDataDir: string;
  /** PostgreSQL's unix socket folder: its own, so the system's is never touched. */
  postgresSocketDir: string;
  postgresPort: number;
  services: Record<TemporalService, ServicePorts>;
  /** The Temporal server config file the services run with (written by `up`). */
  configFile: string;
  /** The dynamic config docker-compose.yml mounts: one file for both deployments. */
  dynamicConfigFile: string;
  logDir: string;
  pidDir: string;
  namespace: string;
  /** `host:port` of the frontend: what workers and clients get as TEMPORAL_ADDRESS. */
  address: string;
}

export class ClusterError extends Error {
  override readonly name = 'ClusterError';
}

export const DEFAULT_STATE_DIR = path.join(TOOLS_DIR, 'cluster');
export const COMPOSE_DIR = path.join(PROJECT_ROOT, 'deploy', 'compose');

function offsetFrom(env: NodeJS.ProcessEnv): number {
  const text = env.CLUSTER_PORT_OFFSET ?? '0';
  const offset = Number(text);
  if (!/^\d+$/.test(text) || offset > 50_000) {
    throw new ClusterError(`CLUSTER_PORT_OFFSET: an integer from 0 to 50000, got "${text}"`);
  }
  return offset;
}

/** The layout for a state folder (CLUSTER_DIR, default `.tools/cluster`) and port offset (CLUSTER_PORT_OFFSET). */
export function clusterLayout(env: NodeJS.ProcessEnv = process.env): ClusterLayout {
  const stateDir = path.resolve(env.CLUSTER_DIR || DEFAULT_STATE_DIR);
  const offset = offsetFrom(env);
  const shift = (ports: ServicePorts): ServicePorts =>
    Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, (v as number) + offset])) as unknown as ServicePorts;
  const services = {
    frontend: shift(BASE_PORTS.frontend),
    history: shift(BASE_PORTS.history),
    matching: shift(BASE_PORTS.matching),
    worker: shift(BASE_PORTS.worker),
  };
  return {
    stateDir,
    postgresDataDir: path.join(stateDir, 'postgres', 'data'),
    postgresSocketDir: path.join(stateDir, 'postgres', 'run'),
    postgresPort: BASE_PORTS.postgres + offset,
    services,
    configFile: path.join(stateDir, 'temporal.yaml'),
    dynamicConfigFile: path.join(COMPOSE_DIR, 'dynamicconfig', 'development-sql.yaml'),
    logDir: path.join(stateDir, 'logs'),
    pidDir: path.join(stateDir, 'pids'),
    namespace: env.TEMPORAL_NAMESPACE || 'default',
    address: `127.0.0.1:${services.frontend.grpc}`,
  };
}

/** Every TCP port the cluster binds, with a label for error messages. */
export function clusterPorts(layout: ClusterLayout): { label: string; port: number }[] {
  return [
    { label: 'PostgreSQL', port: layout.postgresPort },
    ...Object.entries(layout.services).flatMap(([service, ports]) =>
      Object.entries(ports).map(([kind, port]) => ({ label: `${service} ${kind}`, port: port as number }))
    ),
  ];
}
