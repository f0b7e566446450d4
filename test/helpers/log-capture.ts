/**
 * Everything the test process logs — the SDK runtime's worker, workflow and activity records, the callback service —
 * as JSON records in one in-memory collector, for assertions and secret scans (`collector.text()`).
 */
import type { LogLevel } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';

import { configureLogging, coreLogForwarding, LogCollector, sdkLogger } from '../../src/observability/logging';

/**
 * Call once per test file, before anything creates the Temporal Runtime (createDevEnv, createTimeSkippingEnv and
 * Worker.create do): the Runtime's logger is fixed when it is created.
 */
export function captureLogs(level: LogLevel = 'DEBUG'): LogCollector {
  const collector = new LogCollector();
  configureLogging({ format: 'json', level, destination: collector });
  Runtime.install({ logger: sdkLogger(), telemetryOptions: { logging: coreLogForwarding() } });
  return collector;
}
