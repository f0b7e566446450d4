/**
 * Listening on a configured port, for every server the project starts (callback service, codec server, provider
 * sandbox; the metrics endpoint's message too). A taken port is reported with the port, the host and the variable or
 * flag that sets it, not only Node's `listen EADDRINUSE`.
 */
import type { Server } from 'node:net';

export interface ListenTarget {
  /** Who listens, for the message: "the callback service". */
  what: string;
  port: number;
  host: string;
  /** The variable or flag that sets the port: `CALLBACK_PORT`, `--port`. */
  setting: string;
}

export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(
    readonly target: ListenTarget,
    options?: ErrorOptions
  ) {
    super(portInUseMessage(target), options);
  }
}

/** `<setting>=<port>` for a variable, `<setting> <port>` for a flag. */
function assignment(setting: string, port: number): string {
  return setting.startsWith('-') ? `${setting} ${port}` : `${setting}=${port}`;
}

/** Which port, on which host, set by what; then `advice` (default: stop the other program or choose another port). */
export function portInUseMessage({ what, port, host, setting }: ListenTarget, advice?: string): string {
  return (
    `${what} cannot listen: port ${port} on ${host} (${assignment(setting, port)}) is already in use. ` +
    (advice ?? `Stop what runs there, or choose another port with ${setting}.`)
  );
}

/** `server.listen(port, host)`, rejecting a taken port with PortInUseError. */
export function listenOn(server: Server, target: ListenTarget): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new PortInUseError(target, { cause: err }) : err);
    server.once('error', onError);
    server.listen(target.port, target.host, () => {
      server.removeListener('error', onError);
      resolve();
    });
  });
}
