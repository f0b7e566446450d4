/**
 * A second worker on one host whose METRICS_PORT is taken: the stand-alone worker (`node lib/worker.js`, here its
 * source through ts-node) and `npm start` exit 1 saying which port and which variable, not only the runtime's "Address already in
 * use". No Temporal server is needed: the metrics endpoint starts before the worker connects.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

jest.setTimeout(60_000);

const ROOT = path.join(__dirname, '..');

it.each([
  ['the stand-alone worker (node lib/worker.js)', 'src/worker.ts'],
  ['npm start', 'src/bin/start.ts'],
])('%s names the port and METRICS_PORT when the metrics port is taken', async (_name, entry) => {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as net.AddressInfo).port;
  try {
    const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', entry],
        {
          cwd: ROOT,
          timeout: 50_000,
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            TEMPORAL_ADDRESS: '127.0.0.1:1', // never reached
            METRICS_PORT: String(port),
            ALIYUN_ACCESS_KEY_ID: 'metrics-port-test-id',
            ALIYUN_ACCESS_KEY_SECRET: 'metrics-port-test-secret',
          },
        },
        (error, _stdout, stderr) => resolve({ code: typeof error?.code === 'number' ? error.code : 0, stderr })
      );
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`port ${port} on 127.0.0.1 (METRICS_PORT=${port}) is already in use`);
    expect(result.stderr).toContain('Give each worker process its own METRICS_PORT');
  } finally {
    taken.close();
  }
});
