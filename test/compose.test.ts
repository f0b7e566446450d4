/**
 * No Docker engine runs here, so the production compose file is checked statically: it parses, the worker and
 * callback services get every variable the config module needs and the result validates, ports agree, and the
 * search attributes the stack registers are the ones the code upserts.
 */
import fs from 'node:fs';
import path from 'node:path';

import YAML from 'yaml';

import { resolvePayloadEncryption } from '../src/codec/setup';
import { loadSettings, SETTING_NAMES } from '../src/config/settings';
import { providerQueuePlan } from '../src/shared/provider-queues';
import { SEARCH_ATTRIBUTES } from '../src/shared/search-attributes';

const root = path.resolve(__dirname, '..');
const compose = YAML.parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<
    string,
    {
      environment?: Record<string, unknown>;
      ports?: string[];
      command?: string[];
      build?: unknown;
      image?: string;
      volumes?: string[];
      entrypoint?: string[];
    }
  >;
};

/** Resolves `${VAR:-default}`, `${VAR:?message}` and `${VAR}` the way compose would with the given shell env. */
function interpolate(value: unknown, shell: Record<string, string>): string {
  return String(value).replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_m, name: string, op?: string, arg?: string) => {
    const set = shell[name];
    if (set !== undefined && set !== '') return set;
    if (op === '?') throw new Error(`compose requires ${name}: ${arg}`);
    return op === '-' ? (arg ?? '') : '';
  });
}

function serviceEnv(name: string, shell: Record<string, string>): Record<string, string> {
  const env = compose.services[name]?.environment ?? {};
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(v, shell)]));
}

const operatorShell = {
  ALIYUN_ACCESS_KEY_ID: 'LTAI-example',
  ALIYUN_ACCESS_KEY_SECRET: 'example-secret',
  CALLBACK_SECRET: 'a-long-enough-callback-secret',
  CALLBACK_PUBLIC_URL: 'https://relay.example.com',
  CODEC_SERVER_TOKEN: 'a-long-enough-codec-server-token',
};

describe('docker-compose.yml', () => {
  it('has the production-shaped services', () => {
    for (const name of [
      'postgresql',
      'temporal-admin-tools',
      'temporal',
      'temporal-create-namespace',
      'temporal-ui',
      'worker',
      'callbacks',
    ]) {
      expect(compose.services[name]).toBeDefined();
    }
    expect(compose.services.worker?.build).toBe('.');
    expect(fs.existsSync(path.join(root, 'Dockerfile'))).toBe(true);
  });

  it.each(['worker', 'callbacks', 'codec-server'])('gives the %s service a configuration that validates', (name) => {
    const env = serviceEnv(name, operatorShell);
    const settings = loadSettings(env);
    expect(settings.NODE_ENV).toBe('production');
    expect(settings.ALIYUN_ACCESS_KEY_ID).toBe('LTAI-example');
    expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
    // Every project variable it sets is one the config module knows (catches typos).
    const temporalVars = /^TEMPORAL_(ADDRESS|NAMESPACE|API_KEY|TLS.*|PROFILE|CONFIG_FILE)$/;
    for (const key of Object.keys(env)) {
      expect(SETTING_NAMES.includes(key as never) || temporalVars.test(key)).toBe(true);
    }
  });

  it('refuses to start without the secrets an operator must supply', () => {
    expect(() => serviceEnv('worker', {})).toThrow(/ALIYUN_ACCESS_KEY_ID/);
    expect(() => serviceEnv('worker', { ...operatorShell, CALLBACK_SECRET: '' })).toThrow(/CALLBACK_SECRET/);
  });

  it('publishes the ports the services listen on', () => {
    const callbacks = loadSettings(serviceEnv('callbacks', operatorShell));
    expect(compose.services.callbacks?.ports).toContain(`${callbacks.CALLBACK_PORT}:${callbacks.CALLBACK_PORT}`);
    const temporalPort = serviceEnv('worker', operatorShell).TEMPORAL_ADDRESS?.split(':')[1];
    expect(compose.services.temporal?.ports).toContain(`${temporalPort}:${temporalPort}`);
    expect(serviceEnv('temporal-ui', {}).TEMPORAL_ADDRESS).toBe(`temporal:${temporalPort}`);
    expect(compose.services.callbacks?.command).toEqual(['node', 'lib/bin/callbacks.js']);
  });

  it('mounts only files that exist in the repository', () => {
    const mounts = Object.values(compose.services)
      .flatMap((service) => service.volumes ?? [])
      .filter((volume) => volume.startsWith('./'));
    expect(mounts.length).toBeGreaterThan(0);
    for (const volume of mounts) expect(fs.existsSync(path.join(root, volume.split(':')[0] ?? ''))).toBe(true);
    // Every script an entrypoint runs is one of those mounts.
    for (const service of Object.values(compose.services)) {
      const script = service.entrypoint?.find((arg) => arg.startsWith('/scripts/'));
      if (script) expect(service.volumes?.some((v) => v.split(':')[1] === script)).toBe(true);
    }
  });

  it('runs programs the image builds: lib/<x>.js from src/<x>.ts, all services from one image', () => {
    const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]?.split(/\s+/) ?? []);
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'src']));
    for (const source of copied) expect(fs.existsSync(path.join(root, source))).toBe(true);
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    const commands = ['worker', 'callbacks', 'sandbox', 'codec-server'].map(
      (name) => compose.services[name]?.command ?? []
    );
    commands.push(JSON.parse(cmd ?? '[]') as string[]);
    for (const command of commands) {
      expect(command[0]).toBe('node');
      const program = /^lib\/(.+)\.js$/.exec(command[1] ?? '')?.[1];
      expect(program).toBeDefined();
      expect(fs.existsSync(path.join(root, 'src', `${program}.ts`))).toBe(true);
    }
    const image = compose.services.worker?.image;
    expect(image).toBeDefined();
    for (const name of ['callbacks', 'sandbox', 'codec-server']) expect(compose.services[name]?.image).toBe(image);
  });

  it('publishes the Web UI and the sandbox on the ports they listen on', () => {
    expect(compose.services['temporal-ui']?.ports).toContain('8080:8080'); // the README's http://localhost:8080
    const sandbox = compose.services.sandbox?.command ?? [];
    const sandboxPort = sandbox[sandbox.indexOf('--port') + 1];
    expect(compose.services.sandbox?.ports).toContain(`${sandboxPort}:${sandboxPort}`);
  });

  it('encrypts payloads out of the box, with one key set for every service, and publishes the codec server', () => {
    const keysOf = (name: string) => resolvePayloadEncryption(loadSettings(serviceEnv(name, operatorShell)), 'none');
    const worker = keysOf('worker');
    expect(worker.codec?.keyIds.length).toBeGreaterThan(0); // ON in the example configuration
    for (const name of ['callbacks', 'codec-server']) expect(keysOf(name).codec?.keyIds).toEqual(worker.codec?.keyIds);
    const codec = loadSettings(serviceEnv('codec-server', operatorShell));
    expect(codec.CODEC_SERVER_TOKEN).toBe(operatorShell.CODEC_SERVER_TOKEN);
    expect(compose.services['codec-server']?.ports).toContain(`${codec.CODEC_SERVER_PORT}:${codec.CODEC_SERVER_PORT}`);
    expect(codec.CODEC_SERVER_CORS_ORIGINS).toBe('http://localhost:8080'); // the Web UI's origin, nothing else
    expect(() => serviceEnv('codec-server', { ...operatorShell, CODEC_SERVER_TOKEN: '' })).toThrow(
      /CODEC_SERVER_TOKEN/
    );
    // The example key is flagged for replacement where it is defined.
    expect(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')).toMatch(/REPLACE ME.*PUBLIC EXAMPLE KEY/);
  });

  it("gives each of the worker's provider queues one partition, so its rate limit is not split (the worker's queue names)", () => {
    const file = path.join(root, 'deploy/compose/dynamicconfig/development-sql.yaml');
    const config = YAML.parse(fs.readFileSync(file, 'utf8')) as Record<
      string,
      { value: unknown; constraints: { taskQueueName?: string } }[]
    >;
    const queues = providerQueuePlan(loadSettings(serviceEnv('worker', operatorShell)).TEMPORAL_TASK_QUEUE);
    for (const key of ['matching.numTaskqueueReadPartitions', 'matching.numTaskqueueWritePartitions']) {
      expect(config[key]).toEqual(queues.map((q) => ({ value: 1, constraints: { taskQueueName: q.taskQueue } })));
    }
  });

  it('sets up schema and namespace without hiding a failure (no `|| true`), waiting until the namespace is visible', () => {
    for (const name of ['setup-postgres.sh', 'create-namespace.sh']) {
      const script = fs.readFileSync(path.join(root, 'deploy/compose', name), 'utf8');
      expect(script).toMatch(/^set -eu$/m);
      const code = script.replace(/^\s*#.*$/gm, '');
      expect(code).not.toMatch(/\|\|\s*true/);
    }
    const namespace = fs.readFileSync(path.join(root, 'deploy/compose/create-namespace.sh'), 'utf8');
    const waitLine = namespace.indexOf('wait_for "namespace');
    expect(waitLine).toBeGreaterThan(0);
    expect(waitLine).toBeLessThan(namespace.indexOf('search-attribute create'));
  });

  it('registers exactly the search attributes the workflows upsert', () => {
    const script = fs.readFileSync(path.join(root, 'deploy/compose/create-namespace.sh'), 'utf8');
    const registered = /^SEARCH_ATTRIBUTES="([^"]+)"$/m.exec(script)?.[1]?.trim().split(/\s+/) ?? [];
    const expected = SEARCH_ATTRIBUTES.map((k) => `${k.name}=${k.type === 'DATETIME' ? 'Datetime' : 'Keyword'}`);
    expect(registered.sort()).toEqual(expected.sort());
  });
});
