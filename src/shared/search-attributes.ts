/**
 * Custom search attributes shown and filterable in the Web UI. Registered automatically by the embedded dev server;
 * in production register them once (docs/cluster.md, "Search attributes").
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const BroadcastStateKey = defineSearchAttributeKey('BroadcastState', SearchAttributeType.KEYWORD);
export const CampaignIdKey = defineSearchAttributeKey('CampaignId', SearchAttributeType.KEYWORD);
export const BroadcastStartKey = defineSearchAttributeKey('BroadcastStart', SearchAttributeType.DATETIME);
export const RegionKey = defineSearchAttributeKey('Region', SearchAttributeType.KEYWORD);
export const TaskIdKey = defineSearchAttributeKey('TaskId', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [BroadcastStateKey, CampaignIdKey, BroadcastStartKey, RegionKey, TaskIdKey];

/** `Name=Type` pairs in the form `temporal server start-dev --search-attribute` takes. */
export function searchAttributeFlags(): string[] {
  const typeNames: Record<string, string> = {
    [SearchAttributeType.KEYWORD]: 'Keyword',
    [SearchAttributeType.DATETIME]: 'Datetime',
  };
  return SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${typeNames[key.type]}`]);
}
