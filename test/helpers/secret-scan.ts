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

export const SCAN_ARTIFACTS_DIR = path.resolve(__dirname, '..', '..', 'test-artifacts', 'secret-scan');

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

/**
 * Every history of the workflows on `taskQueue` and the queues named after it. The time-skipping test server has no
 * visibility queries, so there the open and closed lists of the whole namespace are read instead (its server belongs
 * to one suite).
 */
export async function historiesOf(client: Client, taskQueue: string): Promise<ScannedText[]> {
  const runs: { workflowId: string; runId: string }[] = [];
  try {
    // STARTS_WITH: also the stack's derived queues (campaign workflows run on `<queue>-campaigns`).
    const query = `TaskQueue STARTS_WITH "${taskQueue}"`;
    for await (const execution of client.workflow.list({ query })) runs.push(execution);
  } catch (err) {
    if ((err as { cause?: { code?: number } }).cause?.code !== GRPC_UNIMPLEMENTED) throw err;
    const { workflowService } = client.connection;
    const request = { namespace: client.options.namespace, maximumPageSize: 1000 };
    type Listed = { executions: temporal.api.workflow.v1.IWorkflowExecutionInfo[] };
    const open = (await workflowService.listOpenWorkflowExecutions(request)) as Listed;
    const closed = (await workflowService.listClosedWorkflowExecutions(request)) as Listed;
    for (const info of [...open.executions, ...closed.executions]) {
      if (info.execution?.workflowId && info.execution.runId) {
        runs.push({ workflowId: info.execution.workflowId, runId: info.execution.runId });
      }
    }
  }
  return Promise.all(runs.map((run) => historyJson(client, run.workflowId, run.runId)));
}

export interface ScanOptions {
  /** Folder name under test-artifacts/secret-scan/ (usually the task queue). */
  label: string;
  histories: readonly ScannedText[];
  logs?: readonly ScannedText[];
  secrets: readonly NamedSecret[];
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
  if (findings.length > 0) {
    throw new Error(
      `secret scan (${options.label}): ${findings.map((f) => `${f.secret} found in ${f.source}`).join('; ')} ` +
        `(scanned material in ${dir})`
    );
  }
  return { histories: options.histories.length, logs: options.logs?.length ?? 0 };
}
