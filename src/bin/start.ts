/**
 * `npm start`: the whole product on one machine. With no Temporal address configured it runs an embedded dev server
 * (persistent, Web UI on); with no provider credentials it runs the local provider sandbox; then the callback
 * service and the worker (src/dev-harness/local-services.ts). Ctrl-C drains the worker and stops everything it
 * started, in reverse order.
 */
import { localServices } from '../dev-harness/local-services';
import { reportStartFailure, runWorker } from '../temporal/run-worker';

if (require.main === module) runWorker({ localServices }).catch(reportStartFailure);
