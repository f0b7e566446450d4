/**
 * The production worker, `node lib/worker.js` (the image's command, as in docker-compose): everything from the
 * environment, nothing embedded, connected to the configured Temporal cluster. Its start-up and stop are in
 * src/temporal/run-worker.ts, the workers themselves in src/temporal/relay-workers.ts; `npm start`
 * (src/bin/start.ts) runs the same start-up with a dev server, sandbox and callback service around it.
 */
import { reportStartFailure, runWorker } from './temporal/run-worker';

if (require.main === module) runWorker().catch(reportStartFailure);
