import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ConfigError, loadSettings } from '../src/config/settings';

describe('settings', () => {
  it('has working defaults for local development', () => {
    const settings = loadSettings({});
    expect(settings.TEMPORAL_TASK_QUEUE).toBe('broadcast-relay');
    expect(settings.PROVIDER_RATE_LIMIT_PER_SECOND).toBe(10);
    expect(settings.ALIYUN_SIGNATURE_VERSION).toBe('v3');
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
});
