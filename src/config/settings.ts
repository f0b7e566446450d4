/**
 * The project's own settings, read once from the environment and validated with zod.
 * Temporal connection settings (address, namespace, TLS, API key, profiles) are NOT here: they come from
 * @temporalio/envconfig (see ../temporal/connection.ts), so the standard TEMPORAL_* variables keep their meaning.
 * ./load.ts validates both together, so start-up reports every problem in one message.
 *
 * Secrets (provider AccessKey secret, callback secret) are read from the environment or from a file named by the
 * matching `*_FILE` variable, never from code, and are kept out of anything that is logged or sent to Temporal.
 */
import fs from 'node:fs';
import path from 'node:path';

import { z } from 'zod';

import { parseEncryptionKeys } from '../codec/keys';
import type { ActionBudgets } from '../provider/quota-gate';
import { ACTIONS, DEFAULT_REGION, REGIONS } from '../provider/schemas';

import { ConfigError } from './errors';
import { PROJECT_ROOT } from './project-root';

export { ConfigError };

const PORT_RULE = 'must be a port number, an integer from 1 to 65535';
const port = z.coerce
  .number({ error: PORT_RULE })
  .int({ error: PORT_RULE })
  .min(1, { error: PORT_RULE })
  .max(65535, { error: PORT_RULE });
const POSITIVE_INT_RULE = 'must be a positive integer';
const positiveInt = z.coerce
  .number({ error: POSITIVE_INT_RULE })
  .int({ error: POSITIVE_INT_RULE })
  .positive({ error: POSITIVE_INT_RULE });
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Every variable the project reads, with its default. Keep docs/configuration.md in step with this. */
const settingsSchema = z.object({
  /**
   * Task queue of the broadcast and campaign workflows. Provider calls run on `<this>-provider`, rate limited for the
   * whole fleet. @default 'broadcast-relay'
   */
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('broadcast-relay'),
  /**
   * Calls per second of each provider action across all workers (the quota is per action: seed 000's "up to 10 calls
   * per second per user" is per API). The client's gate and the provider queues' server-side limits use it. @default 10
   */
  PROVIDER_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().max(1000).default(10),
  /**
   * Budgets of single actions over the default, `Action=n,Action2=m`, e.g. `DescribeLivePullStreamConfig=50`.
   * @default none
   */
  PROVIDER_RATE_LIMITS: z
    .string()
    .optional()
    .transform((text, ctx) => {
      const { budgets, problems } = parseActionBudgets(text ?? '');
      for (const problem of problems) ctx.addIssue({ code: 'custom', message: problem });
      return budgets;
    }),

  /** Port of the embedded dev server's frontend when no TEMPORAL_ADDRESS is configured. @default 7233 */
  DEV_SERVER_PORT: port.default(7233),
  /** Port of the embedded dev server's Web UI. @default 8233 */
  DEV_SERVER_UI_PORT: port.default(8233),
  /** SQLite file of the embedded dev server, so a restart keeps running workflows. @default .data/temporal-dev.db */
  DEV_SERVER_DB_FILE: z
    .string()
    .min(1)
    .default(path.join(PROJECT_ROOT, '.data', 'temporal-dev.db')),

  /** Alibaba region in which tasks run. @default 'cn-shanghai' */
  ALIYUN_REGION: z.enum(REGIONS).default(DEFAULT_REGION),
  /** Explicit provider endpoint URL (e.g. the sandbox's `http://127.0.0.1:8480`). Default: derived from the region. */
  ALIYUN_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  ALIYUN_ACCESS_KEY_ID: z.string().min(1).optional(),
  ALIYUN_ACCESS_KEY_SECRET: z.string().min(1).optional(),
  /** STS security token, when the key pair is temporary. */
  ALIYUN_SECURITY_TOKEN: z.string().min(1).optional(),
  /** Request signature: 'v3' (ACS3-HMAC-SHA256, the SDK default) or 'v1' (HMAC-SHA1). @default 'v3' */
  ALIYUN_SIGNATURE_VERSION: z.enum(['v3', 'v1']).default('v3'),
  /** Provider HTTP timeout in milliseconds. @default 10000 */
  ALIYUN_TIMEOUT_MS: positiveInt.default(10_000),

  /** Port of the local provider sandbox started by `npm start` when no real credentials are configured. @default 8480 */
  SANDBOX_PORT: port.default(8480),
  /** Time scale of the sandbox's task clock: 60 plays a minute of broadcast per second. @default 1 */
  SANDBOX_TIME_SCALE: z.coerce.number().positive().default(1),

  /** Port of the callback service. @default 8490 */
  CALLBACK_PORT: port.default(8490),
  /** Interface the callback service binds. @default 0.0.0.0 in production, else 127.0.0.1 */
  CALLBACK_HOST: z.string().min(1).optional(),
  /** Public base URL under which the provider reaches the callback service. @default http://127.0.0.1:<CALLBACK_PORT> */
  CALLBACK_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** HMAC secret for callback URL tokens. Required outside local development. */
  CALLBACK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),

  /**
   * Payload encryption keys, `id:base64key,…` (32 bytes each; the first encrypts, all decrypt: rotate by putting a new
   * key first). Unset: encryption off, except that `npm start` with its embedded dev server makes a development key.
   */
  PAYLOAD_ENCRYPTION_KEYS: z.string().min(1).optional(),
  /** Port of the codec server (`/encode`, `/decode`) the Web UI and CLI use to show decrypted payloads. @default 8491 */
  CODEC_SERVER_PORT: port.default(8491),
  /** Interface the codec server binds. @default 0.0.0.0 in production, else 127.0.0.1 */
  CODEC_SERVER_HOST: z.string().min(1).optional(),
  /** Bearer token the codec server requires. Development: generated into the dev server's data folder. */
  CODEC_SERVER_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Web UI origins allowed to call the codec server from a browser. @default the embedded dev server's Web UI */
  CODEC_SERVER_CORS_ORIGINS: z.string().min(1).optional(),

  /**
   * Workflows kept in the worker's cache. Each cached broadcast holds memory, and a waiting one gains little from the
   * cache (its next task comes much later), so a small cache keeps a worker with thousands of waiting broadcasts
   * small (BENCHMARKS.md, memory, measures it). @default 200
   */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(200),
  /**
   * How long a workflow task may wait on this worker's sticky queue before the server moves it to the shared queue, in
   * milliseconds (the SDK's stickyQueueScheduleToStartTimeout, 10 s by default there). When many broadcasts are due
   * together the backlog is longer than 10 s on a small machine: each task that timed out went to the back of the
   * shared queue and was replayed from its full history, which made the burst later still (BENCHMARKS.md, timers).
   * The cost of a longer wait: tasks already queued for a worker that crashed wait this long. With 60 s as the
   * default, the cluster chaos suite (worker SIGKILL) lost a broadcast whose create waited past its EndTime, so the
   * default stays the SDK's 10 s; raise it for workers that take large bursts of due broadcasts. @default 10000
   */
  WORKER_STICKY_QUEUE_TIMEOUT_MS: z.coerce.number().int().min(1000).default(10_000),
  /** How long in-flight activities may finish on shutdown, in milliseconds. @default 10000 */
  WORKER_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  /** Use a freshly bundled workflow even if a prebuilt bundle exists. @default false */
  WORKFLOW_BUNDLE_AT_START: bool.default(false),

  /** Port of the Prometheus endpoint (/metrics): SDK worker metrics and the project's own; 0 turns it off. @default 9464 */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** Interface the metrics endpoint binds. @default 127.0.0.1 */
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),

  /** Log level of worker and services. @default 'INFO' */
  LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  /**
   * Log lines on stdout: 'json' (one object per line with workflowId, runId, taskId… for a log collector), 'text'
   * (for a terminal; the `[relay]` start-up lines as they always were), or 'auto': text when stdout is a terminal,
   * json when it is piped or collected (containers, supervisors, `| jq`). Secrets are masked in all. @default 'auto'
   */
  LOG_FORMAT: z.enum(['auto', 'json', 'text']).default('auto'),
  NODE_ENV: z.string().default('development'),
});

/** `Action=n,Action2=m` → budgets; every bad entry is a problem naming it and the rule. */
export function parseActionBudgets(text: string): { budgets: Partial<ActionBudgets>; problems: string[] } {
  const budgets: Partial<ActionBudgets> = {};
  const problems: string[] = [];
  for (const entry of text.split(',').map((e) => e.trim())) {
    if (entry === '') continue;
    const [name = '', value = ''] = entry.split('=').map((part) => part.trim());
    const action = ACTIONS.find((a) => a === name);
    const perSecond = Number(value);
    if (!action) problems.push(`"${name}" is not a provider action (one of ${ACTIONS.join(', ')})`);
    else if (!(/^\d+$/.test(value) && perSecond >= 1 && perSecond <= 1000)) {
      problems.push(`${action}: must be a whole number of calls per second from 1 to 1000`);
    } else budgets[action] = perSecond;
  }
  return { budgets, problems };
}

export type Settings = z.infer<typeof settingsSchema>;

/** Names of every variable above; the compose test checks the compose file against it. */
export const SETTING_NAMES = Object.keys(settingsSchema.shape) as (keyof Settings)[];

/** Secrets that may be given as `<NAME>_FILE` pointing at a file instead of inline. */
const FILE_BACKED = [
  'ALIYUN_ACCESS_KEY_ID',
  'ALIYUN_ACCESS_KEY_SECRET',
  'ALIYUN_SECURITY_TOKEN',
  'CALLBACK_SECRET',
  'PAYLOAD_ENCRYPTION_KEYS',
  'CODEC_SERVER_TOKEN',
] as const;

/**
 * Reads and validates every setting at once. Throws a ConfigError listing every bad variable and its rule;
 * the message never contains a secret's value.
 */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const problems: string[] = [];
  const input: Record<string, string | undefined> = {};
  for (const name of SETTING_NAMES) {
    const value = env[name];
    input[name] = value === '' ? undefined : value;
  }
  for (const name of FILE_BACKED) {
    const file = env[`${name}_FILE`];
    if (!file) continue;
    if (input[name] !== undefined) {
      problems.push(`${name}_FILE: set either ${name} or ${name}_FILE, not both`);
      continue;
    }
    try {
      input[name] = fs.readFileSync(file, 'utf8').trim();
    } catch (err) {
      problems.push(`${name}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  const parsed = settingsSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.')}: ${issue.message}`);
  }
  // Rules across variables look at the raw values, so they are reported even when another variable is invalid.
  // A secret whose *_FILE could not be read counts as given: that problem is reported above.
  const given = (name: (typeof FILE_BACKED)[number]) => input[name] !== undefined || Boolean(env[`${name}_FILE`]);
  if (given('ALIYUN_ACCESS_KEY_ID') !== given('ALIYUN_ACCESS_KEY_SECRET')) {
    problems.push('ALIYUN_ACCESS_KEY_ID / ALIYUN_ACCESS_KEY_SECRET: set both or neither');
  }
  if (input.NODE_ENV === 'production' && !given('CALLBACK_SECRET')) {
    problems.push('CALLBACK_SECRET: required when NODE_ENV=production');
  }
  // Each bad key entry by its id, never its material.
  if (input.PAYLOAD_ENCRYPTION_KEYS !== undefined) {
    problems.push(...parseEncryptionKeys(input.PAYLOAD_ENCRYPTION_KEYS).problems);
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return parsed.data;
}

/** True when the worker should talk to the local sandbox instead of the real cloud. */
export function usesSandbox(settings: Settings): boolean {
  return !settings.ALIYUN_ACCESS_KEY_ID;
}

/**
 * Where `npm start`'s sandbox keeps its tasks: next to the dev server's database, so a restart keeps both the running
 * broadcasts and their relays.
 */
export function sandboxStateFile(settings: Settings): string {
  return path.join(path.dirname(settings.DEV_SERVER_DB_FILE), 'sandbox-state.json');
}
