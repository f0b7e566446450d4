/** Recording workflow histories as replay fixtures, and scanning them for secrets. */
import fs from 'node:fs';
import path from 'node:path';

import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export const HISTORIES_DIR = path.resolve(__dirname, '..', 'histories');

/**
 * Fetches a finished workflow's history. With RECORD_HISTORIES=1 it is also written to test/histories/<name>.json,
 * where the replay suite picks it up (commit the file).
 */
export async function historyOf(handle: WorkflowHandle, name: string): Promise<string> {
  const history = await handle.fetchHistory();
  const json = JSON.stringify(
    temporal.api.history.v1.History.toObject(history as temporal.api.history.v1.History, {
      longs: String,
      bytes: String,
    })
  );
  if (process.env.RECORD_HISTORIES === '1') {
    fs.mkdirSync(HISTORIES_DIR, { recursive: true });
    fs.writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), json);
  }
  return json;
}

/** Reads a history written by historyOf. */
export function readHistory(file: string): temporal.api.history.v1.History {
  return temporal.api.history.v1.History.fromObject(JSON.parse(fs.readFileSync(file, 'utf8')));
}

/** Every payload in a history is base64 JSON: decode them so the scan sees what the Web UI would show. */
export function decodedHistoryText(json: string): string {
  const decoded: string[] = [json];
  for (const match of json.matchAll(/"data"\s*:\s*"([A-Za-z0-9+/=]+)"/g)) {
    decoded.push(Buffer.from(match[1] ?? '', 'base64').toString('utf8'));
  }
  return decoded.join('\n');
}
