/**
 * The product as fault scenarios run it: a real dev server, the workflow bundle built once, callback services, and
 * relay stacks (each with its own provider sandbox, task queue and both workers). `close()` ends all of it.
 */
import { randomUUID } from 'node:crypto';

import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';

import { startBroadcast } from '../../src/broadcast/start';
import { startCallbackService, type RunningCallbackService } from '../../src/callbacks/service';
import { DEFAULT_REGION } from '../../src/provider/schemas';
import type { BroadcastRequest } from '../../src/shared/broadcast';
import { bundleRelayWorkflows } from '../../src/temporal/workflow-bundle';
import {
  startRelayStack,
  TEST_CALLBACK_SECRET,
  type RelayStack,
  type RelayStackOptions,
} from '../../testkit/relay-stack';
import { createDevEnv } from '../../testkit/temporal';

export interface ChaosEnv {
  env: TestWorkflowEnvironment;
  /** A callback service signalling this environment's workflows; port 0 picks one (give a port to restart it). */
  callbackService(port?: number): Promise<RunningCallbackService>;
  /** A relay stack on a fresh task queue named after `label`. */
  relayStack(label: string, options: Omit<RelayStackOptions, 'taskQueue' | 'workflowBundle'>): Promise<RelayStack>;
  /** Starts a broadcast the way the client does (validation, search attributes) on the stack's queue. */
  startBroadcast(stack: RelayStack, request: BroadcastRequest, label: string): Promise<WorkflowHandle>;
  close(): Promise<void>;
}

const quietLogger = new DefaultLogger('WARN');

export async function startChaosEnv(): Promise<ChaosEnv> {
  const env = await createDevEnv();
  const closers: (() => Promise<void>)[] = [() => env.teardown()];
  try {
    const bundle = await bundleRelayWorkflows();
    return {
      env,
      async callbackService(port = 0) {
        const service = await startCallbackService({
          port,
          secret: TEST_CALLBACK_SECRET,
          client: env.client,
          logger: quietLogger, // hundreds of "callback delivered" lines would bury the scenario's own progress
        });
        closers.push(() => service.close().catch(() => undefined)); // a scenario may have closed it already
        return service;
      },
      async relayStack(label, options) {
        const stack = await startRelayStack(env, {
          ...options,
          taskQueue: `chaos-${label}-${randomUUID()}`,
          workflowBundle: bundle,
        });
        closers.push(() => stack.close());
        return stack;
      },
      startBroadcast(stack, request, label) {
        return startBroadcast({
          client: env.client,
          taskQueue: stack.taskQueue,
          workflowId: `chaos-${label}-${randomUUID()}`,
          request,
          defaultRegion: DEFAULT_REGION,
        });
      },
      async close() {
        for (const close of closers.reverse()) await close();
      },
    };
  } catch (err) {
    await env.teardown();
    throw err;
  }
}
