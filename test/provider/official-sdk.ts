/** The official SDK's (`@alicloud/openapi-core`) description of one Live action, as its generated client builds it. */
import OpenApi, { $OpenApiUtil, OpenApiUtil } from '@alicloud/openapi-core';
import * as $dara from '@darabonba/typescript';

import { HTTP_METHODS, type ActionName } from '../../src/provider/schemas';

export function officialParams(action: ActionName): $OpenApiUtil.Params {
  return new $OpenApiUtil.Params({
    action,
    version: '2016-11-01',
    protocol: 'HTTPS',
    pathname: '/',
    method: HTTP_METHODS[action],
    authType: 'AK',
    style: 'RPC',
    reqBodyType: 'formData',
    bodyType: 'json',
  });
}

export interface OfficialAnswer {
  statusCode: number;
  body: Record<string, unknown>;
}

/** The error openapi-core throws for a service error answer (ClientError/ServerError/ThrottlingError). */
export interface OfficialError {
  code?: string;
  statusCode?: number;
  message?: string;
  data?: Record<string, unknown>;
}

/**
 * An openapi-core client pointed at a local server (the sandbox), calling an action as the generated Live client
 * does: PascalCase parameters in the query, lists as one JSON array string. V3 unless `v1`.
 */
export function officialClient(baseUrl: string, key: { id: string; secret: string }, opts: { v1?: boolean } = {}) {
  const client = new OpenApi(
    new $OpenApiUtil.Config({
      accessKeyId: key.id,
      accessKeySecret: key.secret,
      endpoint: new URL(baseUrl).host,
      protocol: 'http',
      ...(opts.v1 ? { signatureAlgorithm: 'v2' } : {}),
    })
  );
  const call = async (action: ActionName, params: Record<string, unknown>): Promise<OfficialAnswer> => {
    const query: Record<string, unknown> = { ...params };
    for (const [name, value] of Object.entries(params)) {
      if (Array.isArray(value)) query[name] = OpenApiUtil.arrayToStringWithSpecifiedStyle(value, name, 'json');
    }
    const request = new $OpenApiUtil.OpenApiRequest({ query: OpenApiUtil.query(query) });
    return (await client.callApi(officialParams(action), request, new $dara.RuntimeOptions({}))) as OfficialAnswer;
  };
  /** The service error of a call that must fail (the test fails if it succeeds). */
  const failure = async (action: ActionName, params: Record<string, unknown>): Promise<OfficialError> => {
    const outcome = await call(action, params).then(
      () => undefined,
      (err: unknown) => err as OfficialError
    );
    if (!outcome) throw new Error(`${action} succeeded, expected a service error`);
    return outcome;
  };
  return { call, failure };
}
