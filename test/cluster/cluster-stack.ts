/**
 * The product on a real Temporal cluster, as an operator runs it: the cluster command's own steps (PostgreSQL, schema,
 * four service processes, namespace and search attributes) in a fresh state folder on free ports, production workers
 * (`node lib/worker.js`, NODE_ENV=production, payloads encrypted, each its own METRICS_PORT), the provider sandbox and
 * the callback service. A scenario can SIGKILL a worker and restart any Temporal service or PostgreSQL.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Client, Connection } from '@temporalio/client';
import { DefaultLogger } from '@temporalio/worker';

import { startWorkerProcess, type WorkerProcess } from '../../chaos/lib/worker-process';
import { startCallbackService, type RunningCallbackService } from '../../src/callbacks/service';
import { resolvePayloadEncryption } from '../../src/codec/setup';
import { loadSettings } from '../../src/config/settings';
import { clusterDown, clusterUp, type RunningCluster } from '../../src/dev/cluster/cluster';
import { clusterLayout, clusterPorts, type TemporalService } from '../../src/dev/cluster/layout';
import { restartPostgres } from '../../src/dev/cluster/postgres';
import { canConnect } from '../../src/dev/cluster/processes';
import { restartService } from '../../src/dev/cluster/temporal-services';
import { startSandbox, type RunningSandbox } from '../../src/sandbox';
import { PROJECT_ROOT } from '../../src/temporal/binaries';
import { freePort } from '../helpers/ports';
import { TEST_CALLBACK_SECRET, TEST_KEY } from '../helpers/relay-stack';

/** The queue docker-compose.yml's dynamic config gives one provider partition (`broadcast-relay-provider`). */
export const TASK_QUEUE = 'broadcast-relay';
/** A throwaway key for this suite's payload encryption (on, as in docker-compose.yml). */
const ENCRYPTION_KEYS = 'cluster-suite:OWRj708cR/fb6VN7/8jI/Vn5mkDcQAQ+0ObefnDWpiw=';
const WORKER_PROGRAM = path.join(PROJECT_ROOT, 'lib', 'worker.js');

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
  close(): Promise<void>;
}

/** A port offset at which every port of the cluster is free (the default ports may serve someone's `npm start`). */
async function freeOffset(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const offset = 10_000 + 10 * Math.floor(Math.random() * 2_000);
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
    closers.push(async () => fs.rmSync(stateDir, { recursive: true, force: true }));
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
        return {
          ...worker,
          name,
          metricsPort,
          kill: () => worker.kill().finally(() => workers.delete(worker)),
          stop: () => worker.stop().finally(() => workers.delete(worker)),
          async scrape() {
            const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
            return response.text();
          },
        };
      },
      restartService: (service) => restartService(layout, cluster.binaries, service),
      restartPostgres: () => restartPostgres(layout),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
