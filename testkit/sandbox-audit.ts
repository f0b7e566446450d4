/** Audits of what the sandbox saw: API calls by action, tasks ever created, tasks still alive. */
import type { RunningSandbox, SandboxTask } from '../src/dev-harness/sandbox';

/** Successful calls of an action (or of any action). */
export function countCalls(sandbox: RunningSandbox, action?: string): number {
  return sandbox.calls().filter((c) => c.status === 200 && (action === undefined || c.action === action)).length;
}

export function tasksCreated(sandbox: RunningSandbox): SandboxTask[] {
  return sandbox.tasks();
}

export function liveTasks(sandbox: RunningSandbox): SandboxTask[] {
  return sandbox.tasks().filter((t) => !t.deleted);
}
