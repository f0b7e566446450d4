/**
 * The production worker, `node lib/worker.js` (the image's command, as in docker-compose): everything from the
 * environment, nothing embedded, connected to the configured Temporal cluster. The workers themselves are built in
 * src/temporal/relay-workers.ts; `npm start` (src/main.ts) runs the same start-up with a dev server, sandbox and
 * callback service around it.
 */
import { metricsPortTakenMessage } from './observability/metrics';
import { runMain } from './main';

if (require.main === module) {
  runMain({ embedded: false }).catch((err: unknown) => {
    process.stderr.write(`${metricsPortTakenMessage(err) ?? (err instanceof Error ? err.message : String(err))}\n`);
    process.exit(1);
  });
}
