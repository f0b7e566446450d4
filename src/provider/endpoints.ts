/** Where the Live OpenAPI is reached, and which API version is spoken. */

export const API_VERSION = '2016-11-01';

/**
 * The official SDK's endpoint map sends every region to this host. An older Endpoints page lists separate hosts for
 * ap-southeast-1 and eu-central-1, and regional hosts like `live.cn-shanghai.aliyuncs.com` are unconfirmed: we follow
 * the SDK, and the client's explicit `endpoint` option covers any other host.
 */
export const DEFAULT_ENDPOINT = 'https://live.aliyuncs.com';

/** The endpoint URL for a region, unless an explicit endpoint URL is given. */
export function endpointFor(_region: string, explicitEndpoint?: string): string {
  return explicitEndpoint ?? DEFAULT_ENDPOINT;
}

export interface ParsedEndpoint {
  /** `scheme://host[:port]`, what the connection pool connects to. */
  origin: string;
  /** `host[:port]` exactly as written in the URL (port only if present): the signed V3 `host` header. */
  host: string;
}

/** Validates an endpoint URL (http or https, no path, query or credentials) and splits out what the client needs. */
export function parseEndpoint(endpoint: string): ParsedEndpoint {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(
      `endpoint must be a URL like https://live.aliyuncs.com or http://127.0.0.1:8480, got "${endpoint}"`
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('endpoint must use http or https');
  if (url.username || url.password) throw new Error('endpoint must not contain credentials');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new Error('endpoint must not have a path, query or fragment: RPC calls always go to /');
  }
  // URL drops a default port (`:443` on https); the SDK signs the host exactly as configured, so keep it as written.
  const authority = /^[a-z]+:\/\/([^/?#]+)/i.exec(endpoint)?.[1]?.toLowerCase() ?? url.host;
  return { origin: url.origin, host: authority };
}
