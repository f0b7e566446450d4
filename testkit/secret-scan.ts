/**
 * The secret scan every end-to-end helper runs when it closes (relay-stack's close(), startCliStack's close()): each
 * workflow history its server holds for the stack's task queue, and every log line the helper captured, must not
 * contain any of the secrets the suite used (provider AccessKey secret, callback secret, encryption keys, codec
 * token). Jest runs suites in parallel, so each helper checks its own output and fails its own suite; nothing depends
 * on test order. What was scanned is also written to test-artifacts/secret-scan/<label>/ for inspection.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export const SCAN_ARTIFACTS_DIR = path.resolve(__dirname, '..', 'test-artifacts', 'secret-scan');

export interface NamedSecret {
  /** How a finding names it (the value itself is never printed). */
  name: string;
  value: string;
}

export interface ScannedText {
  /** Where the text came from: `history <workflowId>`, `log <source>`. */
  source: string;
  text: string;
}

export interface Finding {
  secret: string;
  source: string;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The text of a history as JSON plus every base64 string in it decoded (payload data and metadata are base64 in
 * proto JSON), decoded again when the result is itself base64 JSON, so a secret inside a payload is found.
 */
export function expandedText(json: string): string {
  const parts = [json];
  const visit = (value: unknown, depth: number): void => {
    if (typeof value === 'string') {
      if (value.length >= 4 && BASE64.test(value)) {
        const decoded = Buffer.from(value, 'base64').toString('utf8');
        parts.push(decoded);
        if (depth < 3 && /^[[{]/.test(decoded)) {
          try {
            visit(JSON.parse(decoded), depth + 1);
          } catch {
            // not JSON: the decoded text above is enough
          }
        }
      }
    } else if (Array.isArray(value)) value.forEach((v) => visit(v, depth));
    else if (value && typeof value === 'object') Object.values(value).forEach((v) => visit(v, depth));
  };
  visit(JSON.parse(json), 0);
  return parts.join('\n');
}

/** Every (secret, source) pair where the secret occurs, as itself or base64-encoded. */
export function findSecrets(texts: readonly ScannedText[], secrets: readonly NamedSecret[]): Finding[] {
  const findings: Finding[] = [];
  for (const { source, text } of texts) {
    for (const secret of secrets) {
      const forms = [secret.value, Buffer.from(secret.value, 'utf8').toString('base64')];
      if (forms.some((form) => form.length > 0 && text.includes(form))) findings.push({ secret: secret.name, source });
    }
  }
  return findings;
}

const GRPC_UNIMPLEMENTED = 12;

/** Proto JSON of one history (bytes as base64, as `temporal workflow show` prints it). */
async function historyJson(client: Client, workflowId: string, runId: string): Promise<ScannedText> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const json = JSON.stringify(
    temporal.api.history.v1.History.toObject(history as temporal.api.history.v1.History, {
      longs: String,
      bytes: String,
    })
  );
  return { source: `history ${workflowId} (run ${runId})`, text: json };
}

/** Executions from the time-skipping server's open and closed lists (it has no visibility queries), page by page. */
async function listWithoutVisibility(
  client: Client,
  taskQueue: string
): Promise<{ workflowId: string; runId: string }[]> {
  const { workflowService } = client.connection;
  type Page = { executions: temporal.api.workflow.v1.IWorkflowExecutionInfo[]; nextPageToken?: Uint8Array | null };
  const lists = [
    (token?: Uint8Array) => workflowService.listOpenWorkflowExecutions(pageRequest(token)),
    (token?: Uint8Array) => workflowService.listClosedWorkflowExecutions(pageRequest(token)),
  ];
  function pageRequest(nextPageToken?: Uint8Array) {
    return { namespace: client.options.namespace, maximumPageSize: 1000, nextPageToken };
  }
  const runs: { workflowId: string; runId: string }[] = [];
  for (const list of lists) {
    let token: Uint8Array | undefined;
    do {
      const page = (await list(token)) as Page;
      for (const info of page.executions) {
        // The server belongs to one suite, but several stacks may share it: keep this stack's queues when known.
        if (info.taskQueue && !info.taskQueue.startsWith(taskQueue)) continue;
        if (info.execution?.workflowId && info.execution.runId) {
          runs.push({ workflowId: info.execution.workflowId, runId: info.execution.runId });
        }
      }
      token = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (token);
  }
  return runs;
}

/** Every history of the workflows on `taskQueue` and the queues named after it (`<queue>-campaigns`). */
export async function historiesOf(client: Client, taskQueue: string): Promise<ScannedText[]> {
  let runs: { workflowId: string; runId: string }[] = [];
  try {
    for await (const execution of client.workflow.list({ query: `TaskQueue STARTS_WITH "${taskQueue}"` })) {
      runs.push(execution);
    }
  } catch (err) {
    if ((err as { cause?: { code?: number } }).cause?.code !== GRPC_UNIMPLEMENTED) throw err;
    runs = await listWithoutVisibility(client, taskQueue);
  }
  // A few fetches at a time: a 1,000-broadcast campaign has 1,000 histories.
  const texts: ScannedText[] = [];
  for (let i = 0; i < runs.length; i += 16) {
    const batch = runs.slice(i, i + 16);
    texts.push(...(await Promise.all(batch.map((run) => historyJson(client, run.workflowId, run.runId)))));
  }
  return texts;
}

export interface ScanOptions {
  /** Folder name under test-artifacts/secret-scan/ (usually the task queue). */
  label: string;
  histories: readonly ScannedText[];
  logs?: readonly ScannedText[];
  secrets: readonly NamedSecret[];
  /** When fetching began (Date.now()), so summary.json records how long the scan took. */
  startedAt?: number;
}

/** Writes what was scanned to test-artifacts and throws, naming secret and source, if any secret was found. */
export function assertNoSecrets(options: ScanOptions): { histories: number; logs: number } {
  const dir = path.join(SCAN_ARTIFACTS_DIR, options.label.replace(/[^A-Za-z0-9._-]/g, '_'));
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'histories.jsonl'),
    options.histories.map((h) => JSON.stringify({ source: h.source, history: JSON.parse(h.text) })).join('\n')
  );
  fs.writeFileSync(path.join(dir, 'logs.txt'), (options.logs ?? []).map((l) => `## ${l.source}\n${l.text}`).join('\n'));
  const expanded = options.histories.map((h) => ({ source: h.source, text: expandedText(h.text) }));
  const findings = findSecrets([...expanded, ...(options.logs ?? [])], options.secrets);
  const summary = {
    histories: options.histories.length,
    logs: options.logs?.length ?? 0,
    secrets: options.secrets.map((s) => s.name),
    findings: findings.length,
    ...(options.startedAt ? { ms: Date.now() - options.startedAt } : {}),
  };
  fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summary, null, 2));
  if (findings.length > 0) {
    throw new Error(
      `secret scan (${options.label}): ${findings.map((f) => `${f.secret} found in ${f.source}`).join('; ')} ` +
        `(scanned material in ${dir})`
    );
  }
  return { histories: options.histories.length, logs: options.logs?.length ?? 0 };
}
