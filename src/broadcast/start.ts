/**
 * Starting a broadcast workflow from a validated request, with the search attributes and Web UI metadata every
 * broadcast carries. Shared by the client script and the campaign tooling.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';

import type { SearchAttributePair } from '@temporalio/common';

import { workflowTypeFor, type BroadcastRequest } from '../shared/broadcast';
import { BroadcastStartKey, BroadcastStateKey, CampaignIdKey, RegionKey } from '../shared/search-attributes';
import type { relayBroadcastWorkflow } from '../workflows/broadcast/relay';

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

/** Where a request sends its stream, without the query (ingest URLs may carry an auth token there). */
export function destinationOf(request: Pick<BroadcastRequest, 'relay' | 'legacy' | 'flavour'>): string {
  const target =
    request.relay?.DstUrl.replace(/\?.*$/, '') ?? `${request.legacy?.DomainName}/${request.legacy?.AppName}`;
  return `${request.flavour ?? 'pull-to-push'} → ${target}`;
}

/** The window and source of a request, in one line for the Web UI. */
export function summarize(request: BroadcastRequest): string {
  const spec = request.relay ?? request.legacy;
  return `${destinationOf(request)}, ${spec?.StartTime} → ${spec?.EndTime}`;
}

/** Workflow options every broadcast starts with: its search attributes and the Web UI summary. */
export function broadcastStartOptions(
  request: BroadcastRequest,
  ids: { workflowId: string; taskQueue: string; defaultRegion: string }
) {
  const spec = request.relay ?? request.legacy;
  const region = request.relay?.Region ?? request.legacy?.RegionId ?? ids.defaultRegion;
  return {
    taskQueue: ids.taskQueue,
    workflowId: ids.workflowId,
    args: [request] as [BroadcastRequest],
    typedSearchAttributes: [
      { key: BroadcastStateKey, value: 'Scheduled' },
      { key: BroadcastStartKey, value: new Date(spec?.StartTime ?? 0) },
      { key: RegionKey, value: region },
      ...(request.campaignId ? [{ key: CampaignIdKey, value: request.campaignId }] : []),
    ] as SearchAttributePair[],
    staticSummary: summarize(request),
    staticDetails: Object.entries(request.labels ?? {})
      .map(([k, v]) => `**${k}**: ${v}`)
      .join('\n'),
  };
}

/** Validates (every violation at once) and starts the workflow; nothing starts if anything is invalid. */
export async function startBroadcast(
  options: StartBroadcastOptions
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof relayBroadcastWorkflow>> {
  const { violations, normalized } = validateBroadcastRequest(options.request, {
    defaultRegion: options.defaultRegion,
  });
  if (!normalized || violations.length > 0) throw new InvalidBroadcastRequestError(violations);
  try {
    // Both broadcast workflow types take a request and answer the same queries and updates.
    return await options.client.workflow.start<typeof relayBroadcastWorkflow>(workflowTypeFor(normalized), {
      ...broadcastStartOptions(normalized, options),
      args: [normalized as Parameters<typeof relayBroadcastWorkflow>[0]],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new BroadcastAlreadyExistsError(`a broadcast with id ${options.workflowId} already exists`);
    }
    throw err;
  }
}
