/**
 * A local sandbox of the ApsaraVideo Live pull-to-push API: the ten actions with the real wire format, signature
 * checks (V1 and V3), validation with the provider schemas, the 10 calls/s quota of each action, a task clock with callbacks, fault
 * injection, and admin endpoints under /_sandbox/ for audits. State is in memory, and in a state file when given one
 * (`npm start`); no input can crash it.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { BodyTooLarge, readBody } from '../../http/body';
import { listenOn } from '../../http/listen';
import { API_VERSION } from '../../provider/endpoints';
import { actionBudgets, type ActionBudgets } from '../../provider/quota-gate';
import { ACTIONS, fromWireParams, type ActionName } from '../../provider/schemas';

import { Authenticator, SandboxError } from './auth';
import { CallbackSender } from './callbacks';
import { ERROR_MESSAGES, ERROR_STATUS, parseFaultConfig, pickApiFault, type FaultConfig } from './faults';
import { StateWriter, loadSandboxState, type LegacyConfig } from './persistence';
import { DEFAULT_CONFIG_NOT_FOUND, TaskStore, type NotFoundAnswer, type SandboxTask } from './tasks';

export { parseFaultConfig, type FaultConfig } from './faults';
export type { NotFoundAnswer, SandboxTask } from './tasks';

/** The documented demo key pair, used when SANDBOX_ACCESS_KEYS is not set. Never valid on the real cloud. */
export const DEMO_ACCESS_KEY = { id: 'sandbox-demo-id', secret: 'sandbox-demo-secret' };

export interface SandboxOptions {
  /** 0 picks a free port. @default 8480 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** The variable or flag that sets `port`, named when the port is taken. @default 'SANDBOX_PORT' */
  portSetting?: string;
  /** @default SANDBOX_ACCESS_KEYS (`id:secret,id2:secret2`), else the demo pair */
  accessKeys?: Record<string, string>;
  /** Divides a task's schedule durations (creation→start, start→end, RetryInterval). @default 1 */
  timeScale?: number;
  /** Accepted calls of each action per access key in any 1000 ms (the quota is per action). @default 10 */
  quotaPerSecond?: number;
  /** Budgets of single actions, over `quotaPerSecond`. @default none */
  quotaPerAction?: Partial<ActionBudgets>;
  /** @default 'LivePullToPushRuning' (the official sample's spelling) */
  runningEventSpelling?: 'LivePullToPushRunning' | 'LivePullToPushRuning';
  faults?: FaultConfig;
  /** Live tasks one access key may hold; beyond it Create answers CodeNotEnoughResource. @default no limit */
  maxLiveTasksPerKey?: number;
  /**
   * How a missing task or legacy config is answered, to check that nothing depends on the code's spelling.
   * @default InvalidTaskId.NotFound / InvalidConfig.NotFound, HTTP 404
   */
  notFound?: NotFoundAnswer;
  /**
   * File that keeps the tasks and legacy configs across restarts (`npm start` puts it next to the dev server's
   * database). @default none: state in memory only
   */
  stateFile?: string;
  /** @default 15 minutes */
  clockSkewToleranceMs?: number;
  /** Random source for faults. @default Math.random */
  random?: () => number;
}

export interface SandboxCall {
  at: string;
  action: string;
  accessKeyId?: string;
  version?: 'v1' | 'v3';
  code: string;
  status: number;
  durationMs: number;
}

export interface RunningSandbox {
  url: string;
  port: number;
  close(): Promise<void>;
  setFaults(faults: FaultConfig): void;
  tasks(): SandboxTask[];
  calls(): SandboxCall[];
  failTask(taskId: string, kind: 'pull' | 'push', opts?: { recoverAfterRetries?: number }): void;
  /** A source URL stops delivering (tasks pulling it fail on the pull side), or delivers again. */
  failSource(url: string): void;
  healSource(url: string): void;
  reset(): void;
}

/** `id:secret,id2:secret2` (the secret may contain `:`); undefined when unset; throws on a malformed pair. */
export function parseAccessKeys(text: string | undefined): Record<string, string> | undefined {
  if (!text?.trim()) return undefined;
  const keys: Record<string, string> = {};
  for (const [index, pair] of text.split(',').entries()) {
    const at = pair.indexOf(':');
    const id = pair.slice(0, at).trim();
    const secret = pair.slice(at + 1).trim();
    if (at <= 0 || !id || !secret) {
      throw new Error(`SANDBOX_ACCESS_KEYS: pair ${index + 1} must be id:secret (pairs separated by commas)`);
    }
    keys[id] = secret;
  }
  return keys;
}

const MAX_BODY = 64 * 1024;
/** V1 common parameters: not business parameters, so not validated as such. */
const COMMON = [
  'Action',
  'Format',
  'Version',
  'AccessKeyId',
  'SignatureMethod',
  'SignatureNonce',
  'SignatureVersion',
  'Timestamp',
  'Signature',
  'SecurityToken',
];

function decode(search: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(search)) out[k] = v;
  return out;
}

function view(task: SandboxTask) {
  return {
    TaskId: task.TaskId,
    TaskStatus: task.status,
    ...(task.status === 3 && task.invalidReason ? { TaskInvalidReason: task.invalidReason } : {}),
    ...(task.status === -1 ? { TaskExitReason: task.exitReason, TaskExitTime: task.exitTime } : {}),
    CurrentFileIndex: task.FileIndex,
    CurrentOffset: task.Offset,
    TaskInfo: {
      TaskId: task.TaskId,
      TaskName: task.TaskName,
      StartTime: task.StartTime,
      EndTime: task.EndTime,
      SourceType: task.SourceType,
      SourceProtocol: task.SourceProtocol?.toUpperCase(),
      SourceUrls: task.SourceUrls,
      DstUrl: task.DstUrl,
      CallbackURL: task.CallbackUrl ?? '',
      RepeatNumber: task.RepeatNumber,
      FileIndex: task.FileIndex,
      Offset: task.Offset,
      RetryCount: task.RetryCount,
      RetryInterval: task.RetryInterval,
    },
  };
}

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const keys = options.accessKeys ??
    parseAccessKeys(process.env.SANDBOX_ACCESS_KEYS) ?? { [DEMO_ACCESS_KEY.id]: DEMO_ACCESS_KEY.secret };
  const timeScale = options.timeScale ?? 1;
  const budgets = actionBudgets(options.quotaPerSecond, options.quotaPerAction);
  const random = options.random ?? Math.random;
  let faults: FaultConfig = parseFaultConfig(options.faults ?? {});
  const auth = new Authenticator(keys, options.clockSkewToleranceMs ?? 15 * 60_000);
  const callbacks = new CallbackSender({
    runningEvent: options.runningEventSpelling ?? 'LivePullToPushRuning',
    timeScale,
    faults: () => faults,
    random,
  });
  const configs = new Map<string, LegacyConfig>();
  const saved = options.stateFile ? loadSandboxState(options.stateFile) : undefined;
  const writer = options.stateFile
    ? new StateWriter(options.stateFile, () => ({ tasks: store.live(), configs: [...configs.values()] }))
    : undefined;
  const changed = () => writer?.change();
  const store = new TaskStore(timeScale, callbacks, options.maxLiveTasksPerKey, options.notFound, changed);
  const configNotFound = options.notFound ?? DEFAULT_CONFIG_NOT_FOUND;
  const calls: SandboxCall[] = [];
  const accepted = new Map<string, number[]>();
  const host = options.host ?? '127.0.0.1';
  const hostId = 'live.aliyuncs.com';
  if (saved) {
    for (const config of saved.configs) configs.set(legacyKey(config), config);
    store.restore(saved.tasks);
  }

  /** Each action has its own budget per access key (see actionBudgets). */
  function throttle(accessKeyId: string, action: ActionName): void {
    const now = Date.now();
    const key = `${accessKeyId}\n${action}`;
    const recent = (accepted.get(key) ?? []).filter((t) => now - t < 1000);
    if (recent.length >= budgets[action]) {
      accepted.set(key, recent);
      throw new SandboxError('Throttling.User', ERROR_MESSAGES['Throttling.User'] ?? 'throttled');
    }
    recent.push(now);
    accepted.set(key, recent);
  }

  function legacyKey(p: { DomainName?: unknown; AppName?: unknown; StreamName?: unknown }): string {
    return `${p.DomainName}/${p.AppName}/${p.StreamName}`;
  }

  function perform(action: ActionName, p: Record<string, unknown>, accessKeyId: string): object {
    const ok = { RetCode: 0, Description: 'OK' };
    // Tasks belong to the access key that created them and to their Region (see Scope in tasks.ts).
    const scope = { owner: accessKeyId, region: p.Region as string | undefined };
    const taskId = p.TaskId as string;
    switch (action) {
      case 'CreateLivePullToPush':
        return { ...ok, TaskId: store.create(p, accessKeyId).TaskId };
      case 'UpdateLivePullToPush':
        store.update(p, scope);
        return ok;
      case 'DeleteLivePullToPush':
        store.delete(taskId, scope);
        return ok;
      case 'DescribeLivePullToPush':
        return { ...ok, ...view(store.get(taskId, scope)) };
      case 'StopLivePullToPush':
        store.stop(taskId, scope);
        return { TaskId: taskId };
      case 'RestartLivePullToPush':
        store.restart(taskId, scope);
        return { TaskId: taskId };
      case 'DescribeLivePullToPushList': {
        // Fuzzy filters: case-sensitive substring match (the service's exact matching rule is unconfirmed).
        const contains = (value: string, filter: unknown) => filter === undefined || value.includes(String(filter));
        const matches = store
          .listed(scope)
          .filter(
            (t) => contains(t.TaskId, p.TaskId) && contains(t.TaskName, p.TaskName) && contains(t.DstUrl, p.DstUrl)
          );
        const pageNumber = (p.PageNumber as number | undefined) ?? 1;
        const pageSize = (p.PageSize as number | undefined) ?? 10;
        return {
          PageNumber: pageNumber,
          PageSize: pageSize,
          Total: matches.length,
          TaskList: matches.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map(view),
        };
      }
      case 'AddLivePullStreamInfoConfig': {
        const key = legacyKey(p);
        const existing = configs.get(key);
        if (existing && Date.parse(existing.EndTime) > Date.now()) {
          throw new SandboxError('CodeConfigAlreadyExists', 'Code Config Already Exists');
        }
        configs.set(key, p as unknown as LegacyConfig);
        changed();
        return {};
      }
      case 'DeleteLivePullStreamInfoConfig':
        if (!configs.delete(legacyKey(p))) {
          throw new SandboxError(
            configNotFound.code,
            'The specified pull stream config does not exist.',
            configNotFound.status
          );
        }
        changed();
        return {};
      case 'DescribeLivePullStreamConfig':
        return {
          LiveAppRecordList: {
            LiveAppRecord: [...configs.values()]
              .filter((c) => c.DomainName === p.DomainName)
              .map((c) => ({ ...c, SourceUsing: c.SourceUrl.split(';')[0] })),
          },
        };
    }
  }

  async function api(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = Date.now();
    const requestId = randomUUID().toUpperCase();
    const record: SandboxCall = { at: new Date().toISOString(), action: '?', code: 'OK', status: 200, durationMs: 0 };
    calls.push(record);
    const send = (status: number, body: object) => {
      record.status = status;
      record.durationMs = Date.now() - started;
      if (!res.destroyed) {
        res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' });
        res.end(JSON.stringify({ RequestId: requestId, ...body }));
      }
    };
    try {
      const url = new URL(req.url ?? '/', 'http://sandbox');
      const body = await readBody(req, MAX_BODY).catch((err: unknown) => {
        throw err instanceof BodyTooLarge ? new SandboxError('InvalidParameter', 'request body too large', 413) : err;
      });
      const query = decode(url.search);
      const form = /x-www-form-urlencoded/.test(req.headers['content-type'] ?? '') ? decode(body.toString('utf8')) : {};
      const method = req.method ?? 'GET';
      const who = auth.check({ req, method, query, form, body });
      record.action = who.action;
      record.accessKeyId = who.accessKeyId;
      record.version = who.version;
      // Missing{Param} is the confirmed gateway pattern; the code for a wrong version (InvalidVersion) is unconfirmed.
      if (!who.apiVersion) throw new SandboxError('MissingVersion', 'Version is mandatory for this action.');
      if (who.apiVersion !== API_VERSION) {
        throw new SandboxError('InvalidVersion', `Specified parameter Version ${who.apiVersion} is not valid.`);
      }
      if (!(ACTIONS as readonly string[]).includes(who.action)) {
        throw new SandboxError('InvalidAction.NotFound', `Specified api ${who.action} is not found.`, 404);
      }
      throttle(who.accessKeyId, who.action as ActionName);
      const fault = pickApiFault(faults, who.action, random);
      // Unref'd: a pending latency must not keep a closed sandbox's process alive.
      if (faults.latencyMs) await new Promise((r) => setTimeout(r, faults.latencyMs).unref());
      if (fault.kind === 'hang') {
        record.code = 'Hung (fault)';
        return; // never answered; the socket closes when the client gives up
      }
      if (fault.kind === 'reset') {
        record.code = 'Reset (fault)';
        req.socket.destroy();
        return;
      }
      if (fault.kind === 'error') {
        throw new SandboxError(
          fault.code,
          ERROR_MESSAGES[fault.code] ?? `${fault.code} (injected fault)`,
          ERROR_STATUS[fault.code] ?? 400
        );
      }
      const raw = Object.fromEntries(Object.entries({ ...query, ...form }).filter(([k]) => !COMMON.includes(k)));
      const action = who.action as ActionName;
      const parsed = fromWireParams(action, raw);
      if (!parsed.ok) {
        const missing = parsed.violations.find((v) => v.missing);
        if (missing)
          throw new SandboxError(`Missing${missing.field}`, `${missing.field} is mandatory for this action.`);
        // A rule with a code of its own in the seed (StartTime ≥ EndTime) answers that code, with the seed's message.
        const coded = parsed.violations.find((v) => v.code !== undefined);
        if (coded?.code) throw new SandboxError(coded.code, ERROR_MESSAGES[coded.code] ?? coded.rule);
        throw new SandboxError(
          'InvalidParameter',
          `Invalid parameter: ${parsed.violations.map((v) => `${v.field} ${v.rule}`).join('; ')}`
        );
      }
      const result = perform(action, parsed.value as Record<string, unknown>, who.accessKeyId);
      if (action === 'CreateLivePullToPush' && faults.createThenFailRate && random() < faults.createThenFailRate) {
        throw new SandboxError('InternalError', ERROR_MESSAGES.InternalError ?? 'internal error', 500);
      }
      send(200, result);
    } catch (err) {
      const e =
        err instanceof SandboxError ? err : new SandboxError('InternalError', ERROR_MESSAGES.InternalError ?? '', 500);
      record.code = e.code;
      send(e.status, { HostId: hostId, Code: e.code, Message: e.message });
    }
  }

  function admin(req: http.IncomingMessage, res: http.ServerResponse, path: string): void {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const withBody = (fn: (body: Record<string, unknown>) => void) =>
      readBody(req, MAX_BODY)
        .then((b) => fn(b.length ? (JSON.parse(b.toString('utf8')) as Record<string, unknown>) : {}))
        .catch((err: Error) => json(400, { error: err.message }));
    if (req.method === 'GET' && path === '/_sandbox/health') return json(200, { ok: true });
    if (req.method === 'GET' && path === '/_sandbox/tasks') {
      return json(
        200,
        store.all().map((t) => ({ ...t, deliveries: callbacks.deliveries.filter((d) => d.taskId === t.TaskId) }))
      );
    }
    if (req.method === 'GET' && path === '/_sandbox/calls') return json(200, calls);
    if (req.method === 'POST' && path === '/_sandbox/faults') {
      return void withBody((b) => {
        faults = parseFaultConfig(b);
        json(200, faults);
      });
    }
    if (req.method === 'POST' && path === '/_sandbox/reset') {
      running.reset();
      return json(200, { ok: true });
    }
    const source = /^\/_sandbox\/sources\/(fail|heal)$/.exec(path);
    if (req.method === 'POST' && source) {
      return void withBody((b) => {
        if (typeof b.url !== 'string') return json(400, { error: 'url: required, the source URL' });
        if (source[1] === 'fail') store.failSource(b.url);
        else store.healSource(b.url);
        json(200, { ok: true });
      });
    }
    const fail = /^\/_sandbox\/tasks\/([^/]+)\/fail$/.exec(path);
    if (req.method === 'POST' && fail) {
      return void withBody((b) => {
        try {
          const recoverAfter = typeof b.recoverAfterRetries === 'number' ? b.recoverAfterRetries : undefined;
          store.fail(decodeURIComponent(fail[1] ?? ''), b.kind === 'push' ? 'push' : 'pull', recoverAfter);
          json(200, { ok: true });
        } catch (err) {
          json(err instanceof SandboxError ? err.status : 400, { error: (err as Error).message });
        }
      });
    }
    json(404, { error: 'unknown admin endpoint' });
  }

  const server = http.createServer((req, res) => {
    try {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (path.startsWith('/_sandbox/')) admin(req, res, path);
      else void api(req, res);
    } catch {
      res.destroy();
    }
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await listenOn(server, {
    what: 'the provider sandbox',
    port: options.port ?? 8480,
    host,
    setting: options.portSetting ?? 'SANDBOX_PORT',
  });
  const { port } = server.address() as AddressInfo;

  const running: RunningSandbox = {
    url: `http://${host}:${port}`,
    port,
    async close() {
      store.close();
      writer?.flush();
      callbacks.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
    setFaults(f) {
      faults = f;
    },
    tasks: () => store.all(),
    calls: () => calls,
    failTask: (taskId, kind, opts) => store.fail(taskId, kind, opts?.recoverAfterRetries),
    failSource: (url) => store.failSource(url),
    healSource: (url) => store.healSource(url),
    reset() {
      store.reset();
      configs.clear();
      changed();
      calls.length = 0;
      accepted.clear();
      faults = {};
    },
  };
  return running;
}
