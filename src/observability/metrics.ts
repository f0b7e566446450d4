/**
 * The project's own Prometheus metrics, exported by the SDK's runtime on the same endpoint as its worker metrics
 * (`METRICS_PORT`, path /metrics). Workflows count their transitions through the workflow `metricMeter` (replay-safe:
 * nothing is recorded while replaying); provider calls and callbacks are counted here.
 */
import type { MetricMeter } from '@temporalio/common';
import { Runtime, type TelemetryOptions } from '@temporalio/worker';

import { loadSettings } from '../config/settings';
import { portInUseMessage } from '../http/listen';
import type { CallEvent } from '../provider/client';

/** Metric names, one place: dashboards and the metrics test refer to them. */
export const METRIC_NAMES = {
  providerCalls: 'relay_provider_calls',
  providerLatency: 'relay_provider_call_latency',
  providerQuotaWait: 'relay_provider_quota_wait',
  callbacks: 'relay_callbacks',
  broadcastTransitions: 'relay_broadcast_transitions',
} as const;

/** Runtime telemetry with a Prometheus endpoint; `port` 0 turns it off. */
export function prometheusTelemetry(host: string, port: number): TelemetryOptions | undefined {
  if (port === 0) return undefined;
  return { metrics: { prometheus: { bindAddress: `${host}:${port}` } } };
}

const METRICS_PORT_ADVICE =
  'Another worker on this host? Give each worker process its own METRICS_PORT, or METRICS_PORT=0 to turn its ' +
  'metrics endpoint off.';

/**
 * The runtime refuses a taken metrics port with "Failed to start prometheus metrics exporter: Address already in use",
 * naming neither the port nor the setting; a second worker on one host hits it first. Returns the message that says
 * both (undefined for any other error).
 */
export function metricsPortTakenMessage(err: unknown, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const message = err instanceof Error ? err.message : String(err);
  if (!/prometheus metrics exporter/i.test(message) || !/address already in use/i.test(message)) return undefined;
  let settings;
  try {
    settings = loadSettings(env);
  } catch {
    // Settings were valid when the runtime was configured; keep the general wording if they no longer load.
    return `the metrics endpoint cannot listen: METRICS_HOST:METRICS_PORT is already in use. ${METRICS_PORT_ADVICE}`;
  }
  const { METRICS_PORT: port, METRICS_HOST: host } = settings;
  return portInUseMessage({ what: 'the metrics endpoint', port, host, setting: 'METRICS_PORT' }, METRICS_PORT_ADVICE);
}

export interface RelayMetrics {
  /**
   * For `LiveClient`'s `onCall`: one count by action and outcome code (`OK` on success), the latency, and the time
   * the call waited for a quota slot.
   */
  onProviderCall(event: CallEvent): void;
  /** For the callback service's `onOutcome`. */
  onCallback(outcome: string): void;
}

export function createRelayMetrics(meter: MetricMeter = Runtime.instance().metricMeter): RelayMetrics {
  const calls = meter.createCounter(METRIC_NAMES.providerCalls, 'calls', 'Provider API calls by action and code');
  const latency = meter.createHistogram(METRIC_NAMES.providerLatency, 'int', 'ms', 'Provider API call latency');
  const quotaWait = meter.createHistogram(
    METRIC_NAMES.providerQuotaWait,
    'int',
    'ms',
    'Time a provider call waited for a quota slot before it was sent'
  );
  const callbacks = meter.createCounter(METRIC_NAMES.callbacks, 'requests', 'Callback requests by outcome');
  return {
    onProviderCall({ action, code, durationMs, quotaWaitMs }) {
      calls.withTags({ action, code: code ?? 'OK' }).add(1);
      latency.withTags({ action }).record(durationMs);
      quotaWait.withTags({ action }).record(quotaWaitMs);
    },
    onCallback(outcome) {
      callbacks.withTags({ outcome }).add(1);
    },
  };
}
