/**
 * Starting a broadcast workflow from a validated request, with the search attributes and Web UI metadata every
 * broadcast carries. Shared by the client script and the campaign tooling.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';

import type { BroadcastRequest } from '../shared/broadcast';
import { BroadcastStartKey, BroadcastStateKey, CampaignIdKey, RegionKey } from '../shared/search-attributes';
import type { broadcastWorkflow } from '../workflows/broadcast';

import { InvalidBroadcastRequestError, validateBroadcastRequest } from './validation';

export interface StartBroadcastOptions {
  client: Client;
  taskQueue: string;
  workflowId: string;
  request: BroadcastRequest;
  defaultRegion: string;
}

export class BroadcastAlreadyExistsError extends Error {
  override readonly name = 'BroadcastAlreadyExistsError';
}

/** The window and source of a request, in one line for the Web UI. */
export function summarize(request: BroadcastRequest): string {
  const spec = request.relay ?? request.legacy;
  const target =
    request.relay?.DstUrl.replace(/\?.*$/, '') ?? `${request.legacy?.DomainName}/${request.legacy?.AppName}`;
  return `${request.flavour ?? 'pull-to-push'} → ${target}, ${spec?.StartTime} → ${spec?.EndTime}`;
}

/** Validates (every violation at once) and starts the workflow; nothing starts if anything is invalid. */
export async function startBroadcast(
  options: StartBroadcastOptions
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof broadcastWorkflow>> {
  const { violations, normalized } = validateBroadcastRequest(options.request, {
    defaultRegion: options.defaultRegion,
  });
  if (!normalized || violations.length > 0) throw new InvalidBroadcastRequestError(violations);
  const spec = normalized.relay ?? normalized.legacy;
  const region = normalized.relay?.Region ?? normalized.legacy?.RegionId ?? options.defaultRegion;
  try {
    return await options.client.workflow.start('broadcastWorkflow', {
      taskQueue: options.taskQueue,
      workflowId: options.workflowId,
      args: [normalized],
      typedSearchAttributes: [
        { key: BroadcastStateKey, value: 'Scheduled' },
        { key: BroadcastStartKey, value: new Date(spec?.StartTime ?? 0) },
        { key: RegionKey, value: region },
        ...(normalized.campaignId ? [{ key: CampaignIdKey, value: normalized.campaignId }] : []),
      ],
      staticSummary: summarize(normalized),
      staticDetails: Object.entries(normalized.labels ?? {})
        .map(([k, v]) => `**${k}**: ${v}`)
        .join('\n'),
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new BroadcastAlreadyExistsError(`a broadcast with id ${options.workflowId} already exists`);
    }
    throw err;
  }
}
