/**
 * Activities around one pull-to-push task. Every one is safe to run more than once: creation looks the task up by
 * its deterministic TaskName before a retry creates again and after any ambiguous failure, and deletion treats
 * "not found" as done. Each logs its outcome with the provider's TaskId through the activity logger, which adds
 * the workflowId, runId and activityType; never a URL (destination URLs may carry an auth_key, callback URLs carry
 * a token).
 */
import { Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';

import { callbackUrlFor } from '../callbacks/tokens';
import type { LiveClient } from '../provider/client';
import { LIST_TASK_ID_PATTERN } from '../provider/schemas';
import { FailureTypes, TASK_STATUS_KINDS, type RelaySpec, type TaskEventKind } from '../shared/broadcast';

import { isNotFound, isProviderError, providerCall, toActivityFailure } from './failures';

export interface RelayTaskDeps {
  provider: LiveClient;
  /** Base URL under which the provider reaches our callback service; undefined disables callbacks. */
  callbackBaseUrl?: string;
  /** Secret of callback URL tokens. Never passed to or returned from an activity. */
  callbackSecret?: string;
}

export interface EnsureTaskInput {
  workflowId: string;
  taskName: string;
  relay: RelaySpec & { Region: string };
  /**
   * An earlier run of this workflow may have created the task (the workflow was reset, or this run follows another
   * in its chain): look it up before creating, even in the first attempt. @default false
   */
  lookupFirst?: boolean;
}

export interface EnsureTaskResult {
  taskId: string;
  /** True when the task already existed (an earlier attempt created it) and was adopted. */
  adopted: boolean;
}

export interface TaskRef {
  taskId: string;
  region: string;
  /**
   * The task's TaskName: lets absence be confirmed by name when the TaskId does not fit the List's TaskId filter.
   * @default none (the TaskId filter alone)
   */
  taskName?: string;
}

export interface TaskSnapshot {
  found: boolean;
  kind?: TaskEventKind;
  /** TaskInvalidReason when offline, TaskExitReason when exited. */
  reason?: string;
}

/** The List's largest page ([1, 100]). */
const LIST_PAGE_SIZE = 100;

/** True in the first attempt of an activity; false in retries and outside an activity (direct calls in tests). */
function isFirstAttempt(): boolean {
  try {
    return Context.current().info.attempt === 1;
  } catch {
    return false;
  }
}

export function createRelayTaskActivities(deps: RelayTaskDeps) {
  const { provider } = deps;

  /** Our task for this broadcast, if one exists: same TaskName and same destination. */
  async function findOwnTask(input: EnsureTaskInput): Promise<string | undefined> {
    const page = await provider.describeLivePullToPushList({
      Region: input.relay.Region,
      TaskName: input.taskName,
      DstUrl: input.relay.DstUrl,
      PageSize: LIST_PAGE_SIZE,
    });
    const match = (page.TaskList ?? []).find(
      (t) => t.TaskInfo?.TaskName === input.taskName && t.TaskInfo?.DstUrl === input.relay.DstUrl && t.TaskStatus !== -1
    );
    return match?.TaskId;
  }

  /**
   * Whether the provider no longer lists the task. Assumption (seeds silent): DescribeLivePullToPushList lists every
   * task of the account in the Region that has not exited, and its fuzzy TaskId filter matches a full id. Confirmed
   * this way, absence does not rest on the spelling of the provider's not-found code.
   */
  async function isUnlisted(ref: TaskRef): Promise<boolean> {
    const filter = LIST_TASK_ID_PATTERN.test(ref.taskId)
      ? { TaskId: ref.taskId }
      : ref.taskName
        ? { TaskName: ref.taskName }
        : undefined;
    if (!filter) return false; // nothing to look it up by: cannot confirm
    for (let page = 1; ; page++) {
      const listed = await provider.describeLivePullToPushList({
        Region: ref.region,
        ...filter,
        PageNumber: page,
        PageSize: LIST_PAGE_SIZE,
      });
      if (listed.TaskList.some((t) => t.TaskId === ref.taskId && t.TaskStatus !== -1)) return false;
      if (page * LIST_PAGE_SIZE >= listed.Total || listed.TaskList.length === 0) return true;
    }
  }

  /**
   * True when a Describe or Delete of the task failed because the task is gone: a not-found code, or any other
   * permanent refusal after which the List no longer shows the task (a differently spelt not-found code). Anything
   * else, and a List that fails too, leaves the call's own error standing.
   */
  async function isGone(err: unknown, ref: TaskRef): Promise<boolean> {
    if (isNotFound(err)) return true;
    if (!isProviderError(err) || err.kind !== 'permanent') return false;
    const unlisted = await isUnlisted(ref).catch(() => false);
    if (unlisted) log.info('relay task not listed any more: gone', { taskId: ref.taskId, code: err.code });
    return unlisted;
  }

  async function deleteTask(ref: TaskRef): Promise<boolean> {
    try {
      await provider.deleteLivePullToPush({ Region: ref.region, TaskId: ref.taskId });
      log.info('relay task deleted', { taskId: ref.taskId, region: ref.region });
      return true;
    } catch (err) {
      if (!(await isGone(err, ref))) throw toActivityFailure(err);
      log.info('relay task already gone', { taskId: ref.taskId, region: ref.region });
      return false;
    }
  }

  function adopted(taskId: string, input: EnsureTaskInput): EnsureTaskResult {
    log.info('relay task adopted', { taskId, taskName: input.taskName, region: input.relay.Region });
    return { taskId, adopted: true };
  }

  function callbackUrl(workflowId: string): string | undefined {
    if (!deps.callbackBaseUrl || !deps.callbackSecret) return undefined;
    return callbackUrlFor(deps.callbackBaseUrl, deps.callbackSecret, workflowId);
  }

  return {
    /** Creates the relay task, or adopts the one an earlier attempt already created. */
    async ensureRelayTask(input: EnsureTaskInput): Promise<EnsureTaskResult> {
      // A first attempt has no earlier attempt whose task it could adopt, so it spends its one call of the quota on
      // the create. A retry looks first (the earlier attempt's create may have gone through), and so does a run
      // after a reset: whether the provider refuses a second task for one DstUrl (CodeConfigAlreadyExists, which
      // adopts) is unconfirmed for this API, so we do not rely on it where an earlier task is likely.
      const lookFirst = input.lookupFirst === true || !isFirstAttempt();
      const existing = lookFirst ? await providerCall(() => findOwnTask(input)) : undefined;
      if (existing) return adopted(existing, input);
      try {
        const created = await provider.createLivePullToPush({
          ...input.relay,
          TaskName: input.taskName,
          CallbackUrl: callbackUrl(input.workflowId),
        });
        log.info('relay task created', {
          taskId: created.TaskId,
          taskName: input.taskName,
          region: input.relay.Region,
        });
        return { taskId: created.TaskId, adopted: false };
      } catch (err) {
        const ambiguous = isProviderError(err) && (err.ambiguous || err.code === 'CodeConfigAlreadyExists');
        if (ambiguous) {
          // The create may have succeeded before the answer was lost, or a previous attempt's did.
          const found = await providerCall(() => findOwnTask(input));
          if (found) return adopted(found, input);
        }
        if (isProviderError(err) && err.code === 'CodeConfigAlreadyExists') {
          throw ApplicationFailure.nonRetryable(
            // Failure messages are not payloads: they stay in clear text in history even with encryption on, so the
            // URL (which may carry an auth key) is not repeated here; the request shows it to whoever may see it.
            'the destination (DstUrl) is already used by another pull-to-push task (not ours): ' +
              'choose another DstUrl or delete that task',
            FailureTypes.destinationTaken
          );
        }
        throw toActivityFailure(err);
      }
    },

    /** Current state of the task as the provider sees it; `found: false` once it has been deleted. */
    async describeRelayTask(ref: TaskRef): Promise<TaskSnapshot> {
      try {
        const task = await provider.describeLivePullToPush({ Region: ref.region, TaskId: ref.taskId });
        const snapshot: TaskSnapshot = {
          found: true,
          kind: TASK_STATUS_KINDS[task.TaskStatus],
          reason: task.TaskInvalidReason || task.TaskExitReason || undefined,
        };
        log.info('relay task described', { taskId: ref.taskId, ...snapshot });
        return snapshot;
      } catch (err) {
        if (!(await isGone(err, ref))) throw toActivityFailure(err);
        log.info('relay task described', { taskId: ref.taskId, found: false });
        return { found: false };
      }
    },

    /** Deletes the task; true if it existed. "Not found" is success: the task may have ended by itself. */
    async deleteRelayTask(ref: TaskRef): Promise<boolean> {
      return deleteTask(ref);
    },

    /** Compensation when creation was interrupted: deletes our task, found by name and destination, if any. */
    async deleteOwnRelayTask(input: EnsureTaskInput): Promise<boolean> {
      const taskId = await providerCall(() => findOwnTask(input));
      if (taskId) return deleteTask({ taskId, region: input.relay.Region });
      log.info('no relay task to delete', { taskName: input.taskName, region: input.relay.Region });
      return false;
    },

    async stopRelayTask(ref: TaskRef): Promise<void> {
      await providerCall(() => provider.stopLivePullToPush({ Region: ref.region, TaskId: ref.taskId }));
      log.info('relay task stopped', { taskId: ref.taskId });
    },

    async restartRelayTask(ref: TaskRef): Promise<void> {
      await providerCall(() => provider.restartLivePullToPush({ Region: ref.region, TaskId: ref.taskId }));
      log.info('relay task restarted', { taskId: ref.taskId });
    },

    /**
     * Puts another source on air: UpdateLivePullToPush with its SourceUrls (a live task switches at once, reference
     * §2.1), then, for a stopped task, RestartLivePullToPush (a stopped task takes the new list on restart).
     */
    async switchRelaySource(input: TaskRef & { SourceUrls: string[]; restart: boolean }): Promise<void> {
      await providerCall(() =>
        provider.updateLivePullToPush({ Region: input.region, TaskId: input.taskId, SourceUrls: input.SourceUrls })
      );
      if (input.restart) {
        await providerCall(() => provider.restartLivePullToPush({ Region: input.region, TaskId: input.taskId }));
      }
      log.info('relay source switched', { taskId: input.taskId, restarted: input.restart });
    },

    async updateRelayTask(input: TaskRef & { StartTime?: string; EndTime?: string }): Promise<void> {
      await providerCall(() =>
        provider.updateLivePullToPush({
          Region: input.region,
          TaskId: input.taskId,
          StartTime: input.StartTime,
          EndTime: input.EndTime,
        })
      );
      log.info('relay task rescheduled', { taskId: input.taskId, startTime: input.StartTime, endTime: input.EndTime });
    },
  };
}
