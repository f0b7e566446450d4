/**
 * Temporal connection settings from @temporalio/envconfig: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
 * TEMPORAL_TLS*, TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE and the TOML profiles they point at.
 *
 * envconfig itself is lenient (TEMPORAL_TLS=yes means "off", a missing TEMPORAL_CONFIG_FILE is skipped), so the
 * values it would misread are checked here first and reported together as one ConfigError.
 */
import fs from 'node:fs';

import { loadClientConnectConfig, type ClientConnectConfig } from '@temporalio/envconfig';

import { ConfigError } from '../config/errors';

export interface TemporalConnectConfig {
  /** Undefined when nothing is configured: `npm start` then runs an embedded dev server. */
  address?: string;
  namespace: string;
  connectionOptions: ClientConnectConfig['connectionOptions'];
}

const BOOLEAN_VARS = ['TEMPORAL_TLS', 'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION'] as const;
const FILE_VARS = [
  'TEMPORAL_CONFIG_FILE',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
] as const;

function readable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Problems with the TEMPORAL_* variables, one line per variable. */
export function temporalEnvProblems(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  for (const name of BOOLEAN_VARS) {
    const value = env[name];
    if (value !== undefined && value !== '' && !['true', 'false', '1', '0'].includes(value)) {
      problems.push(`${name}: must be true, false, 1 or 0`);
    }
  }
  for (const name of FILE_VARS) {
    const value = env[name];
    if (value !== undefined && value !== '' && !readable(value)) problems.push(`${name}: cannot read ${value}`);
  }
  const address = env.TEMPORAL_ADDRESS;
  if (address !== undefined && address !== '' && !/^[^\s:/]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(address)) {
    problems.push('TEMPORAL_ADDRESS: must be host:port, e.g. temporal.example.com:7233');
  }
  return problems;
}

export function loadTemporalConnectConfig(env: NodeJS.ProcessEnv = process.env): TemporalConnectConfig {
  const problems = temporalEnvProblems(env);
  if (problems.length > 0) throw new ConfigError(problems);
  const overrideEnvVars = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '')
  );
  let config: ClientConnectConfig;
  try {
    config = loadClientConnectConfig({ profile: env.TEMPORAL_PROFILE || undefined, overrideEnvVars });
  } catch (err) {
    throw new ConfigError([`TEMPORAL_PROFILE / TEMPORAL_CONFIG_FILE: ${(err as Error).message}`]);
  }
  return {
    address: config.connectionOptions.address,
    namespace: config.namespace ?? 'default',
    // Without undefined entries, so `{ address, ...connectionOptions }` cannot silently reset a field to its default.
    connectionOptions: Object.fromEntries(
      Object.entries(config.connectionOptions).filter(([, value]) => value !== undefined)
    ) as ClientConnectConfig['connectionOptions'],
  };
}
