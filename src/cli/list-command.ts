/** `client list`: standalone broadcasts and campaigns, or one campaign's broadcasts, from Temporal visibility. */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { Option, type Command } from 'commander';

import { campaignBroadcastsQuery } from '../campaign/submit';
import { BROADCAST_TYPES_QUERY } from '../shared/broadcast';
import { BroadcastStateKey } from '../shared/search-attributes';
import { campaignStatusQuery, type CampaignStatus } from '../workflows/campaign-messages';

import { printJson, UsageError, withClient } from './common';

export const CAMPAIGN_WORKFLOW_TYPE = 'campaignWorkflow';

export interface ListRow {
  kind: 'broadcast' | 'campaign';
  id: string;
  /** The broadcast's BroadcastState, or the campaign's phase as `campaign status` reports it. */
  state: string;
  /** Temporal's execution status (RUNNING, COMPLETED, …): a cancelled broadcast or campaign may still be COMPLETED. */
  status: string;
  start: string;
}

/** The broadcasts of one campaign; else every campaign and every broadcast started on its own (no CampaignId). */
export function listQuery(campaignId?: string): string {
  return campaignId
    ? campaignBroadcastsQuery(campaignId)
    : `WorkflowType = "${CAMPAIGN_WORKFLOW_TYPE}" OR (${BROADCAST_TYPES_QUERY} AND CampaignId IS NULL)`;
}

/**
 * A campaign's own phase: a running one answers its status query, a completed one returned its status; otherwise
 * (failed, terminated, timed out, or no worker to answer) Temporal's status, in lower case.
 */
async function campaignPhase(client: Client, wf: WorkflowExecutionInfo): Promise<string> {
  const handle = client.workflow.getHandle(wf.workflowId, wf.runId);
  try {
    if (wf.status.name === 'RUNNING') return (await handle.query(campaignStatusQuery)).phase;
    if (wf.status.name === 'COMPLETED') return ((await handle.result()) as CampaignStatus).phase;
  } catch {
    // Fall through to the execution status: the list still shows the campaign.
  }
  return wf.status.name.toLowerCase();
}

async function rowFor(client: Client, wf: WorkflowExecutionInfo): Promise<ListRow> {
  const campaign = wf.type === CAMPAIGN_WORKFLOW_TYPE;
  const broadcastState = wf.typedSearchAttributes.get(BroadcastStateKey);
  return {
    kind: campaign ? 'campaign' : 'broadcast',
    id: wf.workflowId,
    state: campaign ? await campaignPhase(client, wf) : (broadcastState ?? wf.status.name.toLowerCase()),
    status: wf.status.name,
    start: wf.startTime.toISOString(),
  };
}

export function formatListTable(rows: readonly ListRow[], scope: string): string {
  if (rows.length === 0) return `no ${scope}`;
  const header: ListRow = { kind: 'KIND' as ListRow['kind'], id: 'ID', state: 'STATE', status: '', start: 'STARTED' };
  const idWidth = Math.max(...[header, ...rows].map((r) => r.id.length));
  const stateWidth = Math.max(...[header, ...rows].map((r) => r.state.length));
  return [header, ...rows]
    .map((r) => `${r.kind.padEnd(9)}  ${r.id.padEnd(idWidth)}  ${r.state.padEnd(stateWidth)}  ${r.start}`)
    .join('\n');
}

export function addListCommand(program: Command): void {
  program
    .command('list')
    .description("broadcasts started on their own and campaigns (or one campaign's broadcasts), newest first")
    .option('--campaign <campaignId>', 'list the broadcasts of this campaign')
    .option('--limit <n>', 'at most this many rows', '50')
    .addOption(new Option('--json', 'machine-readable output'))
    .action(async (flags: { campaign?: string; limit: string; json?: boolean }) => {
      const limit = Number(flags.limit);
      if (!/^\d+$/.test(flags.limit) || limit < 1) throw new UsageError('--limit: a positive integer');
      const { rows, namespace } = await withClient(async ({ client, namespace }) => {
        const found: WorkflowExecutionInfo[] = [];
        for await (const wf of client.workflow.list({ query: listQuery(flags.campaign), pageSize: 100 })) {
          found.push(wf);
          if (found.length >= limit) break;
        }
        return { rows: await Promise.all(found.map((wf) => rowFor(client, wf))), namespace };
      });
      if (flags.json) return printJson(rows);
      const scope = flags.campaign ? `broadcasts in campaign "${flags.campaign}"` : 'broadcasts or campaigns';
      process.stdout.write(`${formatListTable(rows, `${scope} found in namespace ${namespace}`)}\n`);
    });
}
