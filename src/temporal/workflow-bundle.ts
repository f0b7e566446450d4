/**
 * Chooses between the prebuilt workflow bundle (`npm run build` writes lib/workflow-bundle.js) and bundling the
 * workflow sources at start. Bundling costs seconds of CPU and ~100 MB, so production always uses the prebuilt one.
 */
import fs from 'node:fs';
import path from 'node:path';

import { bundleWorkflowCode, type Logger } from '@temporalio/worker';

import { PROJECT_ROOT } from '../config/project-root';

export const PREBUILT_BUNDLE_PATH = path.join(PROJECT_ROOT, 'lib', 'workflow-bundle.js');
export const WORKFLOWS_PATH = require.resolve('../workflows');

/** Bundles the relay's workflows (webpack: seconds of CPU); callers build it once and share it between workers. */
export function bundleRelayWorkflows(logger?: Logger): Promise<{ code: string }> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger });
}

export type WorkflowSource = { workflowBundle: { codePath: string } | { code: string } } | { workflowsPath: string };

export class WorkflowBundleError extends Error {
  override readonly name = 'WorkflowBundleError';
}

function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSourceMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

export interface WorkflowSourceOptions {
  production: boolean;
  /** Force bundling at start even when a prebuilt bundle exists. */
  bundleAtStart?: boolean;
  bundlePath?: string;
  log?: (line: string) => void;
}

export function chooseWorkflowSource(options: WorkflowSourceOptions): WorkflowSource {
  const bundlePath = options.bundlePath ?? PREBUILT_BUNDLE_PATH;
  const log = options.log ?? (() => undefined);
  const exists = fs.existsSync(bundlePath);
  if (options.production) {
    if (!exists) throw new WorkflowBundleError(`no prebuilt workflow bundle at ${bundlePath}: run \`npm run build\``);
    return { workflowBundle: { codePath: bundlePath } };
  }
  if (options.bundleAtStart || !exists) {
    log('bundling workflows at start (development; `npm run build` makes a prebuilt bundle)');
    return { workflowsPath: WORKFLOWS_PATH };
  }
  // In development a bundle older than the workflow sources would run stale code.
  const sourceDir = path.join(PROJECT_ROOT, 'src');
  if (fs.existsSync(sourceDir) && newestSourceMtime(sourceDir) > fs.statSync(bundlePath).mtimeMs) {
    log('prebuilt workflow bundle is older than src/: bundling at start');
    return { workflowsPath: WORKFLOWS_PATH };
  }
  log(`using prebuilt workflow bundle ${path.relative(PROJECT_ROOT, bundlePath)}`);
  return { workflowBundle: { codePath: bundlePath } };
}
