/**
 * CPU accounting for benches (Linux /proc): CPU seconds of a process, of this process's threads by name, and of this
 * process's reaped children, so a scenario can show which process (dev server, worker, client script) did the work.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

let ticksPerSecond: number | undefined;

/** Clock ticks per second of /proc's utime/stime (`getconf CLK_TCK`; 100 on every Linux we run on). */
export function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** The fields of a /proc stat line after `(comm)`: index 0 is the state (field 3 of proc(5)). */
function statFields(text: string): { comm: string; rest: string[] } {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  return {
    comm: text.slice(open + 1, close),
    rest: text
      .slice(close + 2)
      .trim()
      .split(/\s+/),
  };
}

interface ProcStat {
  comm: string;
  ppid: number;
  /** utime + stime, seconds. */
  cpuSeconds: number;
  /** cutime + cstime (reaped children), seconds. */
  childrenCpuSeconds: number;
  /** Start time after boot, ticks. */
  startTicks: number;
}

function readStat(file: string): ProcStat | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined; // gone
  }
  const { comm, rest } = statFields(text);
  const n = (i: number) => Number(rest[i] ?? 0);
  const hz = clockTicks();
  // proc(5) fields 4 ppid, 14 utime, 15 stime, 16 cutime, 17 cstime, 22 starttime; rest[0] is field 3.
  return {
    comm,
    ppid: n(1),
    cpuSeconds: (n(11) + n(12)) / hz,
    childrenCpuSeconds: (n(13) + n(14)) / hz,
    startTicks: n(19),
  };
}

/** utime + stime of a process (all its threads), in seconds; undefined once it has exited. */
export function processCpuSeconds(pid: number): number | undefined {
  return readStat(`/proc/${pid}/stat`)?.cpuSeconds;
}

/**
 * CPU seconds of this process's children that have exited and been waited for (cutime + cstime): a client script run
 * with execFile lands here once it exits.
 */
export function reapedChildrenCpuSeconds(): number {
  return readStat('/proc/self/stat')?.childrenCpuSeconds ?? 0;
}

/**
 * The newest live descendant of this process whose command line matches `pattern`, e.g. the dev server the SDK
 * spawned (`temporal server start-dev …`; TestWorkflowEnvironment exposes no pid).
 */
export function findDescendant(pattern: RegExp): number | undefined {
  const stats = new Map<number, ProcStat>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(`/proc/${entry}/stat`);
    if (stat) stats.set(Number(entry), stat);
  }
  const isDescendant = (pid: number): boolean => {
    for (let p = stats.get(pid)?.ppid, hops = 0; p !== undefined && p > 1 && hops < 20; hops++) {
      if (p === process.pid) return true;
      p = stats.get(p)?.ppid;
    }
    return false;
  };
  let best: { pid: number; start: number } | undefined;
  for (const [pid, stat] of stats) {
    if (!isDescendant(pid)) continue;
    let cmdline = '';
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    if (pattern.test(cmdline) && (!best || stat.startTicks > best.start)) best = { pid, start: stat.startTicks };
  }
  return best?.pid;
}

/**
 * CPU seconds of this process's threads grouped by thread name (`node` = the main thread, `WorkflowWorker`-style
 * names for worker threads, `tokio-runtime-w` for the SDK core's Rust threads, …). Threads that exited are missing.
 */
export function threadCpuSeconds(): Map<string, number> {
  const byName = new Map<string, number>();
  let tids: string[] = [];
  try {
    tids = fs.readdirSync('/proc/self/task');
  } catch {
    return byName;
  }
  for (const tid of tids) {
    const stat = readStat(`/proc/self/task/${tid}/stat`);
    if (!stat) continue;
    // The main thread is the one whose tid is the pid.
    const name = Number(tid) === process.pid ? 'main' : stat.comm;
    byName.set(name, (byName.get(name) ?? 0) + stat.cpuSeconds);
  }
  return byName;
}

/** CPU seconds used since `start()`, per process of interest. */
export interface CpuSplit {
  devServer: number;
  worker: number;
  clientScript: number;
  /** This process's CPU by thread name (live threads only), sorted, largest first. */
  threads: [string, number][];
  /**
   * Share of the machine's CPU time the hypervisor gave to others (/proc/stat steal), 0–1: on a shared VM the same
   * phase ran 81 s and 125 s; this says how much of a slow phase was the machine.
   */
  stealShare: number;
}

/** The machine's CPU ticks (all cores) from /proc/stat: total and steal. */
function machineTicks(): { total: number; steal: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
  return { total: ticks.slice(0, 8).reduce((a, b) => a + b, 0), steal: ticks[7] ?? 0 };
}

/** Starts measuring; `stop()` returns the CPU seconds used since by the dev server, this process and reaped children. */
export function startCpuMeter(devServerPid: number | undefined): { stop(): CpuSplit } {
  const server0 = devServerPid === undefined ? undefined : processCpuSeconds(devServerPid);
  const self0 = process.cpuUsage();
  const children0 = reapedChildrenCpuSeconds();
  const threads0 = threadCpuSeconds();
  const machine0 = machineTicks();
  return {
    stop() {
      const machine1 = machineTicks();
      const machineTotal = machine1.total - machine0.total;
      const server1 = devServerPid === undefined ? undefined : processCpuSeconds(devServerPid);
      const self = process.cpuUsage(self0);
      const threads = [...threadCpuSeconds()]
        .map(([name, s]): [string, number] => [name, s - (threads0.get(name) ?? 0)])
        .filter(([, s]) => s > 0)
        .sort((a, b) => b[1] - a[1]);
      return {
        devServer: server0 === undefined || server1 === undefined ? NaN : server1 - server0,
        worker: (self.user + self.system) / 1e6,
        clientScript: reapedChildrenCpuSeconds() - children0,
        threads,
        stealShare: machineTotal > 0 ? (machine1.steal - machine0.steal) / machineTotal : 0,
      };
    },
  };
}
