/**
 * A CPU profile of this process's main thread while a bench measures (node's inspector), summarised as self time by
 * package or source file: enough to see whether the time goes to @temporalio/*, our src/*, or node itself.
 */
import inspector from 'node:inspector';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}

interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

/** Self time in ms of every node of `profile`, by the group its source belongs to. */
export function selfTimeByGroup(profile: Profile, root = process.cwd()): Map<string, number> {
  const groupOf = new Map<number, string>();
  for (const node of profile.nodes) groupOf.set(node.id, groupFor(node.callFrame, root));
  const totals = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time before sample i; attribute the gap after a sample to it.
    const ms = (deltas[i + 1] ?? 0) / 1000;
    const group = groupOf.get(samples[i] as number) ?? '?';
    totals.set(group, (totals.get(group) ?? 0) + ms);
  }
  return totals;
}

/** `@temporalio/worker`, `zod`, `src/workflows/campaign.ts`, `node:internal`, `(garbage collector)`, … */
export function groupFor(frame: { functionName: string; url: string }, root: string): string {
  const url = frame.url;
  // V8's own entries keep their names; other frames without a script are native code (V8 builtins, the SDK's Rust
  // bridge), whose sampled names are not reliable (the same bridge work showed up under different names).
  if (!url)
    return /^\((garbage collector|program|idle|root)\)$/.test(frame.functionName) ? frame.functionName : '(native)';
  if (url.startsWith('node:')) return 'node:internal';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const parts = url.slice(modules + 'node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? url);
  }
  // The workflow bundle is evaluated from a string: webpack's module ids keep our paths.
  const src = url.match(/(?:^|\/)(src\/[\w/.-]+)/);
  if (src) return src[1] as string;
  const file = url.replace(/^file:\/\//, '');
  return file.startsWith(root) ? path.relative(root, file) : file;
}

export interface RunningProfile {
  /** Stops the profile; resolves with self ms by group. */
  stop(): Promise<Map<string, number>>;
}

/**
 * Starts sampling this process's main thread (`intervalUs` between samples). Main thread only: the SDK runs workflow
 * code in worker threads, and attaching to those through the inspector's NodeWorker domain from inside the process
 * hung the bench (main thread blocked, every workflow stalled), so their share shows only in the per-thread CPU split.
 */
export async function startProfile(intervalUs = 1000): Promise<RunningProfile> {
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result)))
    );
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: intervalUs });
  await post('Profiler.start');
  return {
    async stop() {
      try {
        const { profile } = (await post('Profiler.stop')) as { profile: Profile };
        return selfTimeByGroup(profile);
      } finally {
        session.disconnect();
      }
    },
  };
}

/** The top `n` groups by self time, idle excluded, as `group 12.3 s (45%)`; percentages of the non-idle total. */
export function topGroups(groups: Map<string, number>, n = 8): string[] {
  const active = [...groups].filter(([g]) => g !== '(idle)');
  const total = active.reduce((sum, [, ms]) => sum + ms, 0) || 1;
  return active
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([g, ms]) => `${g} ${(ms / 1000).toFixed(1)} s (${Math.round((100 * ms) / total)}%)`);
}
