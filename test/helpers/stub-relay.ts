/**
 * The broadcast workflows with stub provider activities on the time-skipping server: milliseconds per decision, and
 * full control of what the provider answers and when.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';

import type { Activities } from '../../src/activities';
import type { EnsureTaskInput, TaskRef, TaskSnapshot } from '../../src/activities/relay-tasks';
import { validateBroadcastRequest } from '../../src/broadcast/validation';
import { DEFAULT_REGION } from '../../src/provider/schemas';
import { FailureTypes, type BroadcastRequest } from '../../src/shared/broadcast';
import { providerQueuePlan } from '../../src/shared/provider-queues';

export interface StubCall {
  name: string;
  input: unknown;
}

/** What the stub provider answers; each hook may wait (in real time) or throw. */
export interface StubBehaviour {
  describe?: (ref: TaskRef) => Promise<TaskSnapshot> | TaskSnapshot;
  stop?: (ref: TaskRef) => Promise<void>;
  restart?: (ref: TaskRef) => Promise<void>;
  update?: (input: TaskRef) => Promise<void>;
}

export class StubProvider {
  readonly calls: StubCall[] = [];
  behaviour: StubBehaviour = {};
  private nextId = 1;

  count(name: string): number {
    return this.calls.filter((c) => c.name === name).length;
  }

  activities(): Partial<Activities> {
    const record = (name: string, input: unknown) => void this.calls.push({ name, input });
    return {
      validateBroadcast: async (request: BroadcastRequest) =>
        validateBroadcastRequest(request, { defaultRegion: DEFAULT_REGION }),
      ensureRelayTask: async (input: EnsureTaskInput) => {
        record('ensureRelayTask', input);
        return { taskId: `stub-task-${this.nextId++}`, adopted: false };
      },
      describeRelayTask: async (ref: TaskRef) => {
        record('describeRelayTask', ref);
        return (await this.behaviour.describe?.(ref)) ?? { found: true, kind: 'running' };
      },
      restartRelayTask: async (ref: TaskRef) => {
        record('restartRelayTask', ref);
        await this.behaviour.restart?.(ref);
      },
      stopRelayTask: async (ref: TaskRef) => {
        record('stopRelayTask', ref);
        await this.behaviour.stop?.(ref);
      },
      updateRelayTask: async (input: TaskRef) => {
        record('updateRelayTask', input);
        await this.behaviour.update?.(input);
      },
      deleteRelayTask: async (ref: TaskRef) => {
        record('deleteRelayTask', ref);
        return true;
      },
      deleteOwnRelayTask: async (input: EnsureTaskInput) => {
        record('deleteOwnRelayTask', input);
        return false;
      },
    };
  }
}

/** A provider refusal as the real activities report one. */
export function providerRefusal(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, FailureTypes.providerPermanent);
}

/** Runs `fn` while a workflow worker and a provider-queue worker, both with the stub's activities, poll. */
export async function withStubWorkers<T>(
  env: TestWorkflowEnvironment,
  bundle: { code: string },
  taskQueue: string,
  stub: StubProvider,
  fn: () => Promise<T>
): Promise<T> {
  const activities = stub.activities();
  const common = { connection: env.nativeConnection, activities };
  const workflows = await Worker.create({ ...common, taskQueue, workflowBundle: bundle });
  const providers = await Promise.all(
    providerQueuePlan(taskQueue).map((queue) => Worker.create({ ...common, taskQueue: queue.taskQueue }))
  );
  const runAll = providers.reduce<() => Promise<T>>(
    (inner, worker) => () => worker.runUntil(inner),
    () => workflows.runUntil(fn)
  );
  return runAll();
}

/** Polls (real time) until `probe` passes, or fails naming what it waited for. */
export async function eventually<T>(probe: () => Promise<T> | T, ok: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
