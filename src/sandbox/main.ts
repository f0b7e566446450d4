/** `npm run sandbox -- --port N [--host H] [--time-scale X]`: the provider sandbox alone. */
import { parseArgs } from 'node:util';

import { DEMO_ACCESS_KEY, parseAccessKeys, startSandbox } from './index';

async function run(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '8480' }, host: { type: 'string', default: '127.0.0.1' }, 'time-scale': { type: 'string', default: '1' } },
  });
  const port = Number(values.port);
  const timeScale = Number(values['time-scale']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port: an integer 0-65535');
  if (!(timeScale > 0)) throw new Error('--time-scale: a positive number');
  const configured = parseAccessKeys(process.env.SANDBOX_ACCESS_KEYS);
  const sandbox = await startSandbox({ port, host: values.host, timeScale, accessKeys: configured });
  process.stdout.write(`[sandbox] Alibaba Cloud Live pull-to-push sandbox on ${sandbox.url}\n`);
  process.stdout.write(
    configured
      ? `[sandbox] access keys: ${Object.keys(configured).join(', ')} (from SANDBOX_ACCESS_KEYS)\n`
      : `[sandbox] demo access key: ${DEMO_ACCESS_KEY.id} / ${DEMO_ACCESS_KEY.secret}\n`
  );
  const stop = () => void sandbox.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

run().catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
});
