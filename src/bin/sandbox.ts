/**
 * `npm run sandbox -- --port N [--host H] [--time-scale X] [--running-event LivePullToPushRunning]
 * [--faults '{"errorRates":{"InternalError":0.1}}']`: the provider sandbox alone. Access keys come from
 * SANDBOX_ACCESS_KEYS (`id:secret,id2:secret2`), else the demo pair, which is printed.
 */
import { parseArgs } from 'node:util';

import { DEMO_ACCESS_KEY, parseAccessKeys, parseFaultConfig, startSandbox } from '../dev-harness/sandbox';

const RUNNING_EVENTS = ['LivePullToPushRuning', 'LivePullToPushRunning'] as const;

const USAGE = `npm run sandbox -- [options]: the Alibaba Cloud Live provider sandbox alone

  --port N                 port to listen on (default 8480; 0 picks a free one)
  --host H                 address to listen on (default 127.0.0.1)
  --time-scale X           divides a task's durations (until start, start to end, retry interval) (default 1)
  --running-event NAME     the running callback's spelling: ${RUNNING_EVENTS.join(' (as the seed documents it) or ')}
  --faults JSON            injected faults, e.g. '{"errorRates":{"InternalError":0.1}}' (docs/sandbox.md)
  --help                   this text

Access keys come from SANDBOX_ACCESS_KEYS (id:secret,id2:secret2), else the demo pair, which is printed.
`;

async function run(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8480' },
      host: { type: 'string', default: '127.0.0.1' },
      'time-scale': { type: 'string', default: '1' },
      'running-event': { type: 'string', default: RUNNING_EVENTS[0] },
      faults: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const port = Number(values.port);
  const timeScale = Number(values['time-scale']);
  const runningEvent = RUNNING_EVENTS.find((e) => e === values['running-event']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port: an integer 0-65535');
  if (!(timeScale > 0)) throw new Error('--time-scale: a positive number');
  if (!runningEvent) throw new Error(`--running-event: one of ${RUNNING_EVENTS.join(', ')}`);
  let faults;
  try {
    faults = values.faults === undefined ? undefined : parseFaultConfig(JSON.parse(values.faults));
  } catch (err) {
    throw new Error(`--faults: ${(err as Error).message}`);
  }
  const configured = parseAccessKeys(process.env.SANDBOX_ACCESS_KEYS);
  const sandbox = await startSandbox({
    port,
    host: values.host,
    portSetting: '--port',
    timeScale,
    accessKeys: configured,
    runningEventSpelling: runningEvent,
    faults,
  });
  // One write: whoever waits for the "sandbox on" line (a supervisor, a test) gets the whole banner with it.
  const banner = [
    `[sandbox] Alibaba Cloud Live pull-to-push sandbox on ${sandbox.url}`,
    configured
      ? `[sandbox] access keys: ${Object.keys(configured).join(', ')} (from SANDBOX_ACCESS_KEYS)`
      : `[sandbox] demo access key: ${DEMO_ACCESS_KEY.id} / ${DEMO_ACCESS_KEY.secret}`,
    ...(faults ? [`[sandbox] faults: ${JSON.stringify(faults)}`] : []),
  ];
  process.stdout.write(`${banner.join('\n')}\n`);
  const stop = () => void sandbox.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

run().catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
});
