/**
 * Temporal connection settings from @temporalio/envconfig: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
 * TEMPORAL_TLS*, TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE and the TOML profiles they point at.
 */
import { loadClientConnectConfig, type ClientConnectConfig } from '@temporalio/envconfig';

export interface TemporalConnectConfig {
  /** Undefined when nothing is configured: `npm start` then runs an embedded dev server. */
  address?: string;
  namespace: string;
  connectionOptions: ClientConnectConfig['connectionOptions'];
}

export function loadTemporalConnectConfig(env: NodeJS.ProcessEnv = process.env): TemporalConnectConfig {
  const overrideEnvVars = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined)
  );
  const config = loadClientConnectConfig({ profile: env.TEMPORAL_PROFILE, overrideEnvVars });
  return {
    address: config.connectionOptions.address,
    namespace: config.namespace ?? 'default',
    // Without undefined entries, so `{ address, ...connectionOptions }` cannot silently reset a field to its default.
    connectionOptions: Object.fromEntries(
      Object.entries(config.connectionOptions).filter(([, value]) => value !== undefined)
    ) as ClientConnectConfig['connectionOptions'],
  };
}
