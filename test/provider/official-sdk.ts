/** The official SDK's (`@alicloud/openapi-core`) description of one Live action, as its generated client builds it. */
import { $OpenApiUtil } from '@alicloud/openapi-core';

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
