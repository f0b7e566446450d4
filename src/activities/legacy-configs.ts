/**
 * Activities of the legacy flavour (AddLivePullStreamInfoConfig): a scheduled pull into Alibaba's own live
 * center, keyed by DomainName/AppName/StreamName. That API has no callbacks, so the workflow polls
 * DescribeLivePullStreamConfig. A config has no TaskId: logs name it by domain/app/stream (never its SourceUrl, which
 * may carry an auth_key).
 */
import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';

import type { LiveClient } from '../provider/client';
import { FailureTypes, type LegacyPullSpec } from '../shared/broadcast';

import { isNotFound, isProviderError, providerCall, toActivityFailure } from './failures';

export interface LegacyConfigSnapshot {
  found: boolean;
  startTime?: string;
  endTime?: string;
}

/** The identity of a pull config in log records. */
function configFields(spec: LegacyPullSpec) {
  return { domainName: spec.DomainName, appName: spec.AppName, streamName: spec.StreamName, region: spec.RegionId };
}

export function createLegacyConfigActivities(provider: LiveClient) {
  async function find(spec: LegacyPullSpec) {
    try {
      const result = await provider.describeLivePullStreamConfig({
        DomainName: spec.DomainName,
        RegionId: spec.RegionId,
      });
      return (result.LiveAppRecordList?.LiveAppRecord ?? []).find(
        (r) => r.AppName === spec.AppName && r.StreamName === spec.StreamName
      );
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * A delete refused because the config is gone: a not-found code, or any other permanent refusal after which
   * DescribeLivePullStreamConfig no longer shows it (the real not-found code is unconfirmed; see docs/assumptions.md).
   */
  async function isGone(err: unknown, spec: LegacyPullSpec): Promise<boolean> {
    if (isNotFound(err)) return true;
    if (!isProviderError(err) || err.kind !== 'permanent') return false;
    return find(spec).then(
      (record) => record === undefined,
      () => false
    );
  }

  return {
    /** Adds the config, or adopts an identical one an earlier attempt already added. */
    async ensureLegacyPullConfig(spec: LegacyPullSpec): Promise<{ adopted: boolean }> {
      const existing = await providerCall(() => find(spec));
      const same = (r: NonNullable<typeof existing>) => r.SourceUrl === spec.SourceUrl;
      if (existing && same(existing)) {
        log.info('pull config adopted', configFields(spec));
        return { adopted: true };
      }
      if (existing) {
        throw ApplicationFailure.nonRetryable(
          `${spec.DomainName}/${spec.AppName}/${spec.StreamName} already has a pull config with another source`,
          FailureTypes.destinationTaken
        );
      }
      try {
        await provider.addLivePullStreamInfoConfig(spec);
        log.info('pull config added', configFields(spec));
        return { adopted: false };
      } catch (err) {
        if (isProviderError(err) && err.ambiguous) {
          const adopted = await providerCall(() => find(spec));
          if (adopted && same(adopted)) {
            log.info('pull config adopted', configFields(spec));
            return { adopted: true };
          }
        }
        throw toActivityFailure(err);
      }
    },

    async describeLegacyPullConfig(spec: LegacyPullSpec): Promise<LegacyConfigSnapshot> {
      const record = await providerCall(() => find(spec));
      log.info('pull config described', { ...configFields(spec), found: record !== undefined });
      return record ? { found: true, startTime: record.StartTime, endTime: record.EndTime } : { found: false };
    },

    /** Deletes the config; "not found" counts as done. */
    async deleteLegacyPullConfig(spec: LegacyPullSpec): Promise<boolean> {
      try {
        await provider.deleteLivePullStreamInfoConfig({
          DomainName: spec.DomainName,
          AppName: spec.AppName,
          StreamName: spec.StreamName,
          RegionId: spec.RegionId,
        });
        log.info('pull config deleted', configFields(spec));
        return true;
      } catch (err) {
        if (!(await isGone(err, spec))) throw toActivityFailure(err);
        log.info('pull config already gone', configFields(spec));
        return false;
      }
    },
  };
}
