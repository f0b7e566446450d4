/**
 * The whole start-up configuration: the project's settings (./settings.ts) and the Temporal connection
 * (@temporalio/envconfig), validated together so that one ConfigError lists every bad variable.
 */
import { loadTemporalConnectConfig, type TemporalConnectConfig } from '../temporal/connection';

import { ConfigError } from './errors';
import { loadSettings, usesSandbox, type Settings } from './settings';

export interface Configuration {
  settings: Settings;
  temporal: TemporalConnectConfig;
}

export interface LoadConfigurationOptions {
  /**
   * Whether a dev server and the provider sandbox may be started when nothing is configured (`npm start`). Without
   * them (`node lib/worker.js`), TEMPORAL_ADDRESS and the provider credentials are required. @default true
   */
  embedded?: boolean;
}

export function loadConfiguration(
  env: NodeJS.ProcessEnv = process.env,
  options: LoadConfigurationOptions = {}
): Configuration {
  const problems: string[] = [];
  const attempt = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
      return undefined;
    }
  };
  const settings = attempt(() => loadSettings(env));
  const temporal = attempt(() => loadTemporalConnectConfig(env));
  if (options.embedded === false) {
    if (temporal && !temporal.address) {
      problems.push('TEMPORAL_ADDRESS: required when the worker runs alone (no embedded dev server)');
    }
    if (settings && usesSandbox(settings)) {
      problems.push(
        'ALIYUN_ACCESS_KEY_ID / ALIYUN_ACCESS_KEY_SECRET: required when the worker runs alone (no sandbox)'
      );
    }
  }
  if (problems.length > 0 || !settings || !temporal) throw new ConfigError(problems);
  return { settings, temporal };
}
