/**
 * The sandbox's state on disk, so that `npm start` keeps its relay tasks across restarts like the dev server keeps
 * its workflows: a running broadcast still has its task afterwards. One JSON file, replaced atomically (write to a
 * temporary file, then rename); writes are coalesced, and close() flushes the last one.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { LegacyPullSpec } from '../../shared/broadcast';

import type { SandboxTask } from './tasks';

/** A legacy pull config as AddLivePullStreamInfoConfig was given it. */
export type LegacyConfig = LegacyPullSpec;

export interface SandboxState {
  tasks: SandboxTask[];
  configs: LegacyConfig[];
}

interface StateFile extends SandboxState {
  version: 1;
}

/** Coalesces changes for this long before writing: a burst of creates writes the file once. */
const WRITE_DELAY_MS = 50;

/** The state saved in `file`; empty when there is none. A file that cannot be read as state is an error naming it. */
export function loadSandboxState(file: string): SandboxState {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { tasks: [], configs: [] };
    throw err;
  }
  const parsed = JSON.parse(text) as Partial<StateFile>;
  if (parsed.version !== 1 || !Array.isArray(parsed.tasks) || !Array.isArray(parsed.configs)) {
    throw new Error(`${file}: not a sandbox state file (delete it to start empty)`);
  }
  return { tasks: parsed.tasks, configs: parsed.configs };
}

/** Writes `snapshot()` to `file` shortly after each change() and at flush(). */
export class StateWriter {
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly file: string,
    private readonly snapshot: () => SandboxState
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  }

  change(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => this.flush(), WRITE_DELAY_MS);
    this.#timer.unref();
  }

  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const state: StateFile = { version: 1, ...this.snapshot() };
    const temporary = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify(state));
    fs.renameSync(temporary, this.file);
  }
}
