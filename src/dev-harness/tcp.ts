import net from 'node:net';

/** Whether something accepts TCP connections on `host:port`: how the harness tells that a server it started is up. */
export function canConnect(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Listens on each port (all interfaces) until the returned function is called. `npm start` holds the ports of the
 * services it starts after the dev server while that server starts: the dev server picks random free ports for its
 * internal services and metrics, and one of them could otherwise be the sandbox's or the callback service's port,
 * which then fails to bind. Port 0 is skipped. A port already taken is left alone: its owner is reported when the
 * service itself tries to listen.
 */
export async function holdPorts(ports: readonly number[]): Promise<() => Promise<void>> {
  const held = await Promise.all(
    [...new Set(ports.filter((p) => p > 0))].map(
      (port) =>
        new Promise<net.Server | undefined>((resolve) => {
          const server = net.createServer();
          server.once('error', () => resolve(undefined));
          server.listen(port, () => resolve(server));
        })
    )
  );
  return async () => {
    await Promise.all(
      held.map((server) => (server ? new Promise<void>((resolve) => server.close(() => resolve())) : undefined))
    );
  };
}
