/**
 * `npm start` holds the sandbox's and the callback service's ports while the embedded dev server starts, because the
 * dev server picks random free ports for its own services (seen in the suite: its metrics endpoint took the port
 * chosen for the sandbox, and `npm start` exited). What the hold must guarantee: nobody else binds a held port, on
 * the loopback address the dev server uses, until it is released; then the service binds it.
 */
import net from 'node:net';

import { holdPorts } from '../src/dev-harness/tcp';
import { freePort } from '../testkit/ports';

function listen(port: number, host = '127.0.0.1'): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

const close = (server: net.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('holdPorts', () => {
  it('keeps a held port from anyone binding it on loopback, and frees it on release', async () => {
    const port = await freePort();
    const release = await holdPorts([port, 0, port]);
    await expect(listen(port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await release();
    const service = await listen(port);
    await close(service);
  });

  it('leaves a port that is already taken to the service that will report it', async () => {
    const owner = await listen(0, '0.0.0.0');
    const { port } = owner.address() as net.AddressInfo;
    const release = await holdPorts([port]);
    await release();
    // Still the owner's: the hold neither took nor closed it.
    await expect(listen(port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await close(owner);
  });
});
