/**
 * The product on a real Temporal cluster, as an operator runs it: the cluster command's own steps (PostgreSQL, schema,
 * four service processes, namespace and search attributes) in a fresh state folder on free ports, production workers
 * (`node lib/worker.js`, NODE_ENV=production, payloads encrypted, each its own METRICS_PORT), the provider sandbox and
 * the callback service. A scenario can SIGKILL a worker and restart any Temporal service or PostgreSQL.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Client, Connection } from '@temporalio/client';
import { DefaultLogger } from '@temporalio/worker';

import { startWorkerProcess, type WorkerProcess } from '../../chaos/lib/worker-process';
import { startCallbackService, type RunningCallbackService } from '../../src/callbacks/service';
import { resolvePayloadEncryption } from '../../src/codec/setup';
import { loadSettings } from '../../src/config/settings';
import { clusterDown, clusterUp, type RunningCluster } from '../../src/dev-harness/cluster/cluster';
import {
  clusterLayout,
  clusterPorts,
  TEMPORAL_SERVICES,
  type TemporalService,
} from '../../src/dev-harness/cluster/layout';
import { restartPostgres } from '../../src/dev-harness/cluster/postgres';
import { readPid } from '../../src/dev-harness/cluster/processes';
import { restartService } from '../../src/dev-harness/cluster/temporal-services';
import { startSandbox, type RunningSandbox } from '../../src/dev-harness/sandbox';
import { canConnect } from '../../src/dev-harness/tcp';
import { PROJECT_ROOT } from '../../src/config/project-root';
import { freePort } from '../../testkit/ports';
import { TEST_CALLBACK_SECRET, TEST_KEY } from '../../testkit/relay-stack';

/** The queue docker-compose.yml's dynamic config gives one provider partition (`broadcast-relay-provider`). */
export const TASK_QUEUE = 'broadcast-relay';
/** A throwaway key for this suite's payload encryption (on, as in docker-compose.yml). */
const ENCRYPTION_KEYS = 'cluster-suite:OWRj708cR/fb6VN7/8jI/Vn5mkDcQAQ+0ObefnDWpiw=';
const WORKER_PROGRAM = path.join(PROJECT_ROOT, 'lib', 'worker.js');
export const ARTIFACTS_DIR = path.join(PROJECT_ROOT, 'test-artifacts', 'cluster');

export interface ProductionWorker extends WorkerProcess {
  name: string;
  metricsPort: number;
  /** The worker's Prometheus text (its /metrics endpoint). */
  scrape(): Promise<string>;
}

export interface ClusterStack {
  cluster: RunningCluster;
  client: Client;
  sandbox: RunningSandbox;
  callbacks: RunningCallbackService;
  startWorker(name: string): Promise<ProductionWorker>;
  restartService(service: TemporalService): Promise<void>;
  restartPostgres(): void;
  /** Memory (PSS, MiB) of each Temporal service, PostgreSQL (with its backends) and each live worker. */
  pssMiB(): Record<string, number>;
  close(): Promise<void>;
}

/**
 * Proportional set size (KiB): shared pages split between the processes sharing them, so PostgreSQL's backends do not
 * count its shared buffers once each (as RSS would).
 */
function pssKiB(pid: number): number {
  try {
    const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** A process and its children (PostgreSQL's backends), from /proc. */
function treePssKiB(pid: number): number {
  let children: number[] = [];
  try {
    const listed = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    children = listed ? listed.split(/\s+/).map(Number) : [];
  } catch {
    // gone meanwhile: no children
  }
  return pssKiB(pid) + children.reduce((sum, child) => sum + treePssKiB(child), 0);
}

/**
 * A port offset at which every port of the cluster is free (the default ports may serve someone's `npm start`). All
 * ports stay below 32768, where Linux's ephemeral range starts: a port an outgoing connection holds cannot be bound.
 */
async function freeOffset(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const offset = 10_000 + 10 * Math.floor(Math.random() * 1_400);
    const layout = clusterLayout({ CLUSTER_PORT_OFFSET: String(offset) });
    const busy = await Promise.all(clusterPorts(layout).map(({ port }) => canConnect(port)));
    if (!busy.some(Boolean)) return offset;
  }
  throw new Error('no free port offset for a cluster found in 20 tries');
}

export async function startClusterStack(log: (line: string) => void): Promise<ClusterStack> {
  if (!fs.existsSync(WORKER_PROGRAM)) throw new Error(`${WORKER_PROGRAM} missing: run \`npm run build\` first`);
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch((err: Error) => log(`close: ${err.message}`));
  };
  try {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-cluster-'));
    if (process.env.CLUSTER_SUITE_COLD_BUILD === '1') {
      // Empty Go module and build caches and an empty binary cache: the build a fresh machine (CI) makes.
      for (const name of ['GOCACHE', 'GOMODCACHE', 'CLUSTER_CACHE_DIR']) {
        process.env[name] = path.join(stateDir, 'cold-build', name.toLowerCase());
      }
    }
    closers.push(async () => {
      // The services' and PostgreSQL's logs outlive the folder, for diagnosis.
      fs.cpSync(path.join(stateDir, 'logs'), path.join(ARTIFACTS_DIR, 'logs'), { recursive: true, force: true });
      // Go keeps its module cache read-only: make it removable for a user who is not root.
      const coldBuild = path.join(stateDir, 'cold-build');
      if (fs.existsSync(coldBuild)) execFileSync('chmod', ['-R', 'u+w', coldBuild]);
      fs.rmSync(stateDir, { recursive: true, force: true });
    });
    const layout = clusterLayout({ CLUSTER_DIR: stateDir, CLUSTER_PORT_OFFSET: String(await freeOffset()) });
    closers.push(async () => void (await clusterDown(layout)));
    const cluster = await clusterUp(layout, log);

    const encryption = resolvePayloadEncryption(loadSettings({ PAYLOAD_ENCRYPTION_KEYS: ENCRYPTION_KEYS }), 'none');
    const connection = await Connection.connect({ address: cluster.address });
    closers.push(() => connection.close());
    const client = new Client({ connection, namespace: cluster.namespace, dataConverter: encryption.dataConverter });

    const sandbox = await startSandbox({ port: 0, accessKeys: { [TEST_KEY.id]: TEST_KEY.secret } });
    closers.push(() => sandbox.close());
    const quiet = new DefaultLogger('WARN', (entry) => log(`callbacks: ${entry.level} ${entry.message}`));
    const callbacks = await startCallbackService({ port: 0, secret: TEST_CALLBACK_SECRET, client, logger: quiet });
    closers.push(() => callbacks.close());

    const workers = new Set<WorkerProcess>();
    const liveWorkers = new Set<ProductionWorker>();
    closers.push(async () => {
      for (const worker of workers) await worker.stop();
    });
    return {
      cluster,
      client,
      sandbox,
      callbacks,
      async startWorker(name) {
        const metricsPort = await freePort();
        const worker = await startWorkerProcess({
          program: {
            args: [WORKER_PROGRAM],
            isReady: (line) => line.includes('Worker running on task queues'),
          },
          env: {
            NODE_ENV: 'production',
            TEMPORAL_ADDRESS: cluster.address,
            TEMPORAL_NAMESPACE: cluster.namespace,
            TEMPORAL_TASK_QUEUE: TASK_QUEUE,
            METRICS_PORT: String(metricsPort),
            ALIYUN_ENDPOINT: sandbox.url,
            ALIYUN_ACCESS_KEY_ID: TEST_KEY.id,
            ALIYUN_ACCESS_KEY_SECRET: TEST_KEY.secret,
            ALIYUN_TIMEOUT_MS: '5000',
            CALLBACK_PUBLIC_URL: callbacks.url,
            CALLBACK_SECRET: TEST_CALLBACK_SECRET,
            PAYLOAD_ENCRYPTION_KEYS: ENCRYPTION_KEYS,
            WORKER_SHUTDOWN_GRACE_MS: '1000',
            LOG_FORMAT: 'text',
          },
          output: (line) => log(`${name}: ${line}`),
        });
        workers.add(worker);
        const gone = () => {
          workers.delete(worker);
          liveWorkers.delete(production);
        };
        const production: ProductionWorker = {
          ...worker,
          name,
          metricsPort,
          kill: () => worker.kill().finally(gone),
          stop: () => worker.stop().finally(gone),
          async scrape() {
            const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
            return response.text();
          },
        };
        liveWorkers.add(production);
        return production;
      },
      restartService: (service) => restartService(layout, cluster.binaries, service),
      restartPostgres: () => restartPostgres(layout),
      pssMiB() {
        const mib = (kib: number) => Math.round(kib / 1024);
        const result: Record<string, number> = {};
        for (const service of TEMPORAL_SERVICES) {
          const record = readPid(layout.pidDir, `temporal-${service}`);
          if (record) result[`temporal ${service}`] = mib(pssKiB(record.pid));
        }
        const postmaster = Number(
          fs.readFileSync(path.join(layout.postgresDataDir, 'postmaster.pid'), 'utf8').split('\n')[0]
        );
        result['PostgreSQL (all its processes)'] = mib(treePssKiB(postmaster));
        for (const worker of liveWorkers) result[worker.name] = mib(pssKiB(worker.pid));
        return result;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
