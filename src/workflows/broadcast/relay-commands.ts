/** Carries out the lifecycle's provider commands with the relay activities, and reports each outcome. */
import type { BroadcastStatus, RelaySpec } from '../../shared/broadcast';

import type { CallResult, Command } from './lifecycle';
import { describeFailure, type ProviderCall } from './provider-calls';
import { sourceLabel } from './sources';

export interface RelayCommandContext {
  call: ProviderCall;
  workflowId: string;
  relay: RelaySpec & { Region: string };
  status: () => BroadcastStatus;
  maxRestarts: number;
  /** SourceUrls of each source: the primary (the request's), then each backup. */
  sources: string[][];
}

/** Runs one command; a provider failure (after the activity's retries) is an outcome, a cancellation is thrown. */
export async function performRelayCommand(ctx: RelayCommandContext, command: Command): Promise<CallResult> {
  try {
    return await perform(ctx, command);
  } catch (err) {
    return { ok: false, failure: describeFailure(err) };
  }
}

async function perform(
  { call, workflowId, relay, status, maxRestarts, sources }: RelayCommandContext,
  command: Command
): Promise<CallResult> {
  const { taskId = '', taskName, restarts, startTime, endTime } = status();
  const ref = { taskId, region: relay.Region, taskName };
  switch (command.kind) {
    case 'create': {
      const created = await call('ensureRelayTask', 'create pull-to-push task', {
        workflowId,
        taskName,
        relay: { ...relay, StartTime: startTime, EndTime: endTime },
        ...(command.lookupFirst ? { lookupFirst: true } : {}),
      });
      return { ok: true, ...created };
    }
    case 'describe':
      return { ok: true, snapshot: await call('describeRelayTask', `${command.why}: DescribeLivePullToPush`, ref) };
    case 'restart':
      await call('restartRelayTask', `restart ${restarts + 1}/${maxRestarts}`, ref);
      break;
    case 'userRestart':
      await call('restartRelayTask', 'restart relay (user)', ref);
      break;
    case 'stop':
      await call('stopRelayTask', 'stop relay (user)', ref);
      break;
    case 'update':
      await call('updateRelayTask', 'reschedule relay', { ...ref, ...command.changes });
      break;
    case 'switchSource': {
      const summary = `switch to ${sourceLabel(command.to)}${command.requestId === undefined ? '' : ' (user)'}`;
      const SourceUrls = sources[command.to] ?? [];
      await call('switchRelaySource', summary, { ...ref, SourceUrls, restart: command.restart });
      break;
    }
    case 'delete':
      await call(
        'deleteRelayTask',
        command.why === 'pastEnd' ? 'delete task past EndTime' : 'delete relay task (compensation)',
        ref
      );
      break;
    case 'deleteOwn':
      await call('deleteOwnRelayTask', 'find and delete relay task (compensation)', { workflowId, taskName, relay });
      break;
  }
  return { ok: true };
}
