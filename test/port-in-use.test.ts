/**
 * Every server the project starts names the port, its host and the variable or flag that sets it when the port is
 * taken (not only Node's `listen EADDRINUSE`). In-process; no Temporal server (the callback service's client is lazy).
 */
import net from 'node:net';

import { Client, Connection } from '@temporalio/client';

import { startCallbackService } from '../src/callbacks/service';
import { generateKeyEntry } from '../src/codec/keys';
import { startCodecServer } from '../src/codec/server';
import { codecFromKeys } from '../src/codec/setup';
import { metricsPortTakenMessage } from '../src/observability/metrics';
import { startSandbox } from '../src/dev-harness/sandbox';

describe('a port in use', () => {
  let taken: net.Server;
  let port: number;
  beforeAll(async () => {
    taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    port = (taken.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

  const inUse = (what: string, setting: string) =>
    `${what} cannot listen: port ${port} on 127.0.0.1 (${setting}) is already in use. Stop what runs there, or choose another port with`;

  it('codec server: CODEC_SERVER_PORT', async () => {
    const codec = codecFromKeys(generateKeyEntry('k'), 'test');
    await expect(
      startCodecServer({ codec, token: 'a-token-of-16-chars-or-more', allowedOrigins: [], port })
    ).rejects.toThrow(`${inUse('the codec server', `CODEC_SERVER_PORT=${port}`)} CODEC_SERVER_PORT.`);
  });

  it('callback service: CALLBACK_PORT', async () => {
    const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
    await expect(startCallbackService({ port, secret: 'callback-secret-for-test', client })).rejects.toThrow(
      `${inUse('the callback service', `CALLBACK_PORT=${port}`)} CALLBACK_PORT.`
    );
  });

  it('provider sandbox: SANDBOX_PORT under npm start, --port for npm run sandbox', async () => {
    await expect(startSandbox({ port })).rejects.toThrow(
      `${inUse('the provider sandbox', `SANDBOX_PORT=${port}`)} SANDBOX_PORT.`
    );
    await expect(startSandbox({ port, portSetting: '--port' })).rejects.toThrow(
      `${inUse('the provider sandbox', `--port ${port}`)} --port.`
    );
  });

  it('metrics endpoint: METRICS_PORT, from the runtime error that names neither', () => {
    const err = new Error('Failed to start prometheus metrics exporter: Address already in use (os error 98)');
    expect(metricsPortTakenMessage(err, { METRICS_PORT: String(port) })).toBe(
      `the metrics endpoint cannot listen: port ${port} on 127.0.0.1 (METRICS_PORT=${port}) is already in use. ` +
        'Another worker on this host? Give each worker process its own METRICS_PORT, or METRICS_PORT=0 to turn its ' +
        'metrics endpoint off.'
    );
    expect(metricsPortTakenMessage(new Error('something else'))).toBeUndefined();
  });
});
