import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { loadConfiguration } from '../src/config/load';
import { ConfigError, loadSettings } from '../src/config/settings';

function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const variable = (problem: string) => problem.split(':')[0];

describe('settings', () => {
  it('has working defaults for local development', () => {
    const settings = loadSettings({});
    expect(settings.TEMPORAL_TASK_QUEUE).toBe('broadcast-relay');
    expect(settings.PROVIDER_RATE_LIMIT_PER_SECOND).toBe(10);
    expect(settings.ALIYUN_SIGNATURE_VERSION).toBe('v3');
    expect(settings.WORKER_STICKY_QUEUE_TIMEOUT_MS).toBe(10_000); // the SDK's: 60 s lost a broadcast to a worker SIGKILL
  });

  it('lists every bad variable with its rule in one error', () => {
    let error: ConfigError | undefined;
    try {
      loadSettings({
        DEV_SERVER_PORT: 'seventy',
        ALIYUN_REGION: 'mars-1',
        ALIYUN_ENDPOINT: 'ftp://example.com',
        CALLBACK_SECRET: 'short',
        PROVIDER_RATE_LIMIT_PER_SECOND: '-3',
        WORKER_STICKY_QUEUE_TIMEOUT_MS: '500',
      });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error?.name).toBe('ConfigError');
    const fields = error?.problems.map((p) => p.split(':')[0]);
    expect(fields).toEqual(
      expect.arrayContaining([
        'DEV_SERVER_PORT',
        'ALIYUN_REGION',
        'ALIYUN_ENDPOINT',
        'CALLBACK_SECRET',
        'PROVIDER_RATE_LIMIT_PER_SECOND',
        'WORKER_STICKY_QUEUE_TIMEOUT_MS',
      ])
    );
    expect(error?.message).not.toContain('short'); // the secret's value is never echoed
  });

  it('reads secrets from *_FILE variables and rejects both forms at once', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-')), 'secret');
    fs.writeFileSync(file, 'from-a-file-secret-value\n');
    expect(loadSettings({ CALLBACK_SECRET_FILE: file }).CALLBACK_SECRET).toBe('from-a-file-secret-value');
    expect(() => loadSettings({ CALLBACK_SECRET_FILE: file, CALLBACK_SECRET: 'x'.repeat(20) })).toThrow(
      /CALLBACK_SECRET_FILE: set either/
    );
    expect(() => loadSettings({ CALLBACK_SECRET_FILE: '/nonexistent/secret' })).toThrow(/cannot read/);
  });

  it('requires key id and secret together, and a callback secret in production', () => {
    expect(() => loadSettings({ ALIYUN_ACCESS_KEY_ID: 'id' })).toThrow(/set both or neither/);
    expect(() => loadSettings({ NODE_ENV: 'production' })).toThrow(/CALLBACK_SECRET: required/);
  });

  it('reports rules across variables together with invalid single values', () => {
    const problems = problemsOf(() =>
      loadSettings({ NODE_ENV: 'production', ALIYUN_ACCESS_KEY_ID: 'id', CALLBACK_PORT: 'http' })
    );
    expect(problems).toEqual([
      expect.stringMatching(/^CALLBACK_PORT: /),
      'ALIYUN_ACCESS_KEY_ID / ALIYUN_ACCESS_KEY_SECRET: set both or neither',
      'CALLBACK_SECRET: required when NODE_ENV=production',
    ]);
  });
});

describe('loadConfiguration (settings and Temporal connection together)', () => {
  it('returns both parts with defaults, and no address when none is configured', () => {
    const { settings, temporal } = loadConfiguration({ HOME: '/nonexistent' });
    expect(settings.DEV_SERVER_PORT).toBe(7233);
    expect(temporal).toEqual({ address: undefined, namespace: 'default', connectionOptions: {} });
  });

  it('passes TEMPORAL_* through envconfig', () => {
    const { temporal } = loadConfiguration({
      HOME: '/nonexistent',
      TEMPORAL_ADDRESS: 'temporal.example.com:7233',
      TEMPORAL_NAMESPACE: 'relay',
      TEMPORAL_API_KEY: 'key',
    });
    expect(temporal.address).toBe('temporal.example.com:7233');
    expect(temporal.namespace).toBe('relay');
    expect(temporal.connectionOptions).toMatchObject({ apiKey: 'key', tls: true });
    expect(Object.values(temporal.connectionOptions)).not.toContain(undefined);
  });

  it('lists bad project and TEMPORAL_* variables in one error', () => {
    const problems = problemsOf(() =>
      loadConfiguration({
        HOME: '/nonexistent',
        SANDBOX_PORT: '99999',
        LOG_LEVEL: 'LOUD',
        TEMPORAL_TLS: 'yes', // envconfig alone would read this as "off"
        TEMPORAL_ADDRESS: 'http://temporal.example.com',
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/nonexistent/ca.pem',
      })
    );
    expect(problems.map(variable).sort()).toEqual(
      ['LOG_LEVEL', 'SANDBOX_PORT', 'TEMPORAL_ADDRESS', 'TEMPORAL_TLS', 'TEMPORAL_TLS_SERVER_CA_CERT_PATH'].sort()
    );
  });

  it("reports an unknown profile in envconfig's words", () => {
    expect(problemsOf(() => loadConfiguration({ HOME: '/nonexistent', TEMPORAL_PROFILE: 'nope' }))).toEqual([
      expect.stringMatching(/^TEMPORAL_PROFILE \/ TEMPORAL_CONFIG_FILE: .*nope/),
    ]);
  });

  it('requires an address and credentials when the worker runs alone', () => {
    expect(problemsOf(() => loadConfiguration({ HOME: '/nonexistent' }, { embedded: false })).map(variable)).toEqual([
      'TEMPORAL_ADDRESS',
      'ALIYUN_ACCESS_KEY_ID / ALIYUN_ACCESS_KEY_SECRET',
    ]);
  });
});
