/**
 * Processes the cluster command starts and stops: detached (they outlive `up`), output to a log file, and a pid file
 * each, so `down` stops exactly what `up` started and nothing else of the same name.
 */
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { ClusterError } from './layout';

export interface PidRecord {
  pid: number;
  /** Text the process's command line contains (its config file path): a reused pid is never mistaken for ours. */
  marker: string;
}

function pidFile(pidDir: string, name: string): string {
  return path.join(pidDir, `${name}.json`);
}

export function readPid(pidDir: string, name: string): PidRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(pidFile(pidDir, name), 'utf8')) as PidRecord;
  } catch {
    return undefined;
  }
}

/** True if the pid is alive and still runs the command it was recorded for. */
export function isOurs(record: PidRecord | undefined): record is PidRecord {
  if (!record) return false;
  try {
    const cmdline = fs.readFileSync(`/proc/${record.pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    return cmdline.includes(record.marker);
  } catch {
    return false;
  }
}

/**
 * Starts a detached process writing to `<logDir>/<name>.log` and records its pid. `exited()` tells whether it has
 * ended: right after spawn, /proc/<pid>/cmdline may still be ours (before exec), so isOurs cannot tell yet.
 */
export function startDetached(options: {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  logDir: string;
  pidDir: string;
  marker: string;
}): PidRecord & { exited(): boolean } {
  fs.mkdirSync(options.logDir, { recursive: true });
  fs.mkdirSync(options.pidDir, { recursive: true });
  const log = fs.openSync(path.join(options.logDir, `${options.name}.log`), 'a');
  try {
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', log, log],
    });
    if (child.pid === undefined) throw new ClusterError(`could not start ${options.name} (${options.command})`);
    child.unref();
    const record = { pid: child.pid, marker: options.marker };
    fs.writeFileSync(pidFile(options.pidDir, options.name), JSON.stringify(record));
    return { ...record, exited: () => child.exitCode !== null || child.signalCode !== null };
  } finally {
    fs.closeSync(log);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. Removes the pid file. */
export async function stopByPid(pidDir: string, name: string, graceMs = 20_000): Promise<'stopped' | 'not running'> {
  const record = readPid(pidDir, name);
  const ours = isOurs(record);
  if (ours) {
    process.kill(record.pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isOurs(record) && Date.now() < deadline) await sleep(100);
    if (isOurs(record)) process.kill(record.pid, 'SIGKILL');
    while (isOurs(record)) await sleep(50);
  }
  fs.rmSync(pidFile(pidDir, name), { force: true });
  return ours ? 'stopped' : 'not running';
}

/** Polls `check` until it is true or `timeoutMs` passed; then fails with `failure()` (which names the logs). */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  failure: () => string
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new ClusterError(failure());
    await sleep(200);
  }
}

/** Runs a command to completion; a non-zero exit is a ClusterError with the command's last output lines. */
export function run(what: string, command: string, args: string[], options: SpawnSyncOptions = {}): string {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  const output = `${String(result.stdout ?? '')}${String(result.stderr ?? '')}`.trim();
  if (result.error) throw new ClusterError(`${what}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new ClusterError(`${what} failed (exit ${result.status ?? result.signal}):\n${lastLines(output, 15)}`);
  }
  return output;
}

export function lastLines(text: string, count: number): string {
  return text.split('\n').slice(-count).join('\n');
}
