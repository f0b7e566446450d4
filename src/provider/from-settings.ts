import type { Settings } from '../config/settings';

import { LiveClient, type LiveClientOptions } from './client';

/**
 * The worker's provider client as the settings describe it: region, signature, timeout and the per-action quota
 * gate. `overrides` carries what the composition decides (sandbox endpoint and key, metrics hook, quota lease).
 */
export function liveClientFromSettings(settings: Settings, overrides: Partial<LiveClientOptions> = {}): LiveClient {
  return new LiveClient({
    accessKeyId: settings.ALIYUN_ACCESS_KEY_ID ?? '',
    accessKeySecret: settings.ALIYUN_ACCESS_KEY_SECRET ?? '',
    securityToken: settings.ALIYUN_SECURITY_TOKEN,
    region: settings.ALIYUN_REGION,
    endpoint: settings.ALIYUN_ENDPOINT,
    signatureVersion: settings.ALIYUN_SIGNATURE_VERSION,
    timeoutMs: settings.ALIYUN_TIMEOUT_MS,
    quotaPerSecond: settings.PROVIDER_RATE_LIMIT_PER_SECOND,
    quotaPerAction: settings.PROVIDER_RATE_LIMITS,
    ...overrides,
  });
}
