/**
 * Every published signing vector of the reference (§4.1–4.3), reproduced with our signing functions. Pure functions:
 * no server needed.
 */
import {
  EMPTY_BODY_SHA256,
  percentEncode,
  sha256Hex,
  signV1,
  signV3,
  v1StringToSign,
} from '../../src/provider/signing';

describe('V1 (HMAC-SHA1) — published vectors', () => {
  const describeRegions = {
    AccessKeyId: 'testid',
    Action: 'DescribeRegions',
    Format: 'XML',
    SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
    SignatureVersion: '1.0',
    Timestamp: '2016-02-23T12:46:24Z',
    Version: '2014-05-26',
  };

  it('DescribeRegions GET: string to sign and signature', () => {
    expect(v1StringToSign('GET', describeRegions)).toBe(
      'GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1' +
        '%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0' +
        '%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26'
    );
    expect(signV1('GET', describeRegions, 'testsecret')).toBe('OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
  });

  it('the old doc copy spelling the key TimeStamp is a different request with a different signature', () => {
    const { Timestamp, ...rest } = describeRegions;
    expect(signV1('GET', { ...rest, TimeStamp: Timestamp }, 'testsecret')).toBe('CT9X0VtwR86fNWSnsc6v8YGOjuE=');
  });

  it('the same parameters with POST sign differently (the real HTTP method is signed)', () => {
    expect(signV1('POST', describeRegions, 'testsecret')).toBe('MxbnVAM4w6sft9xjVpe/GCKueuk=');
  });

  it('ignores a Signature parameter already present', () => {
    expect(signV1('GET', { ...describeRegions, Signature: 'whatever' }, 'testsecret')).toBe(
      'OLeaidS1JvxuMvnyHOwuJ+uX5qY='
    );
  });

  it('DescribeDedicatedHosts GET (newer V2/RPC doc)', () => {
    const params = {
      AccessKeyId: 'testid',
      Action: 'DescribeDedicatedHosts',
      Format: 'JSON',
      RegionId: 'cn-beijing',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: 'edb2b34af0af9a6d14deaf7c1a5315eb',
      SignatureVersion: '1.0',
      Timestamp: '2023-03-13T08:34:30Z',
      Version: '2014-05-26',
    };
    expect(signV1('GET', params, 'testsecret')).toBe('9NaGiOspFP5UPcwX8Iwt2YJXXuk=');
  });

  it("openapi-core unit test: getRPCSignature({test:'ok'}, '', 'accessKeySecret')", () => {
    expect(signV1('', { test: 'ok' }, 'accessKeySecret')).toBe('jHx/oHoHNrbVfhncHEvPdHXZwHU=');
  });
});

describe('V3 (ACS3-HMAC-SHA256) — published vectors', () => {
  it('RunInstances fixed-values example: canonical request, its hash and Authorization', () => {
    const signed = signV3({
      method: 'POST',
      pathname: '/',
      query: { ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd', RegionId: 'cn-shanghai' },
      headers: {
        host: 'ecs.cn-shanghai.aliyuncs.com',
        'x-acs-action': 'RunInstances',
        'x-acs-version': '2014-05-26',
        'x-acs-date': '2023-10-26T10:22:32Z',
        'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
        'x-acs-content-sha256': EMPTY_BODY_SHA256,
        // Not signed: only host, content-type and x-acs-* are.
        accept: 'application/json',
        'user-agent': 'test',
      },
      hashedPayload: EMPTY_BODY_SHA256,
      accessKeyId: 'YourAccessKeyId',
      accessKeySecret: 'YourAccessKeySecret',
    });
    expect(signed.canonicalRequest).toBe(
      [
        'POST',
        '/',
        'ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai',
        'host:ecs.cn-shanghai.aliyuncs.com',
        'x-acs-action:RunInstances',
        `x-acs-content-sha256:${EMPTY_BODY_SHA256}`,
        'x-acs-date:2023-10-26T10:22:32Z',
        'x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d',
        'x-acs-version:2014-05-26',
        '',
        'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version',
        EMPTY_BODY_SHA256,
      ].join('\n')
    );
    expect(sha256Hex(signed.canonicalRequest)).toBe('7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259');
    expect(signed.authorization).toBe(
      'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,' +
        'SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,' +
        'Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0'
    );
  });

  // openapi-core's own unit tests call getAuthorization on a bare request: method and pathname unset, which the SDK
  // turns into the literal "undefined" (string concatenation) and "" (`pathname || ""`). Same inputs here.
  const degenerate = {
    method: String(undefined),
    pathname: '',
    hashedPayload: '55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23',
    accessKeyId: 'acesskey',
    accessKeySecret: 'secret',
  };

  it('openapi-core degenerate vector: duplicate header names merged, empty query value kept', () => {
    const signed = signV3({
      ...degenerate,
      query: { test: 'ok', empty: '' },
      headers: { 'x-acs-TEST': 'https', 'x-acs-test': 'http' },
    });
    expect(signed.canonicalRequest).toBe(
      ['undefined', '', 'empty=&test=ok', 'x-acs-test:http,https', '', 'x-acs-test', degenerate.hashedPayload].join(
        '\n'
      )
    );
    expect(signed.authorization).toBe(
      'ACS3-HMAC-SHA256 Credential=acesskey,SignedHeaders=x-acs-test,' +
        'Signature=0f2d549523cf082c83bb8135b5863614f7fe16ca7c2c7fc537e74d67374eeeac'
    );
  });

  it('openapi-core degenerate vector: no query, no headers', () => {
    const signed = signV3({ ...degenerate, query: {}, headers: {} });
    expect(signed.authorization).toBe(
      'ACS3-HMAC-SHA256 Credential=acesskey,SignedHeaders=,' +
        'Signature=608b887e491f3e88e85276b188a4d24e29230a559464685ccbf2dcc458e1fde8'
    );
  });
});

describe('derived vectors for CreateLivePullToPush (reference §4.3)', () => {
  const business = {
    CallbackUrl: 'http://127.0.0.1:9000/cb',
    DstUrl: 'rtmp://push.example.com/app/stream',
    EndTime: '2026-01-02T00:00:00Z',
    Region: 'cn-shanghai',
    SourceProtocol: 'rtmp',
    SourceType: 'live',
    SourceUrls: '["rtmp://src.example.com/app/s"]',
    StartTime: '2026-01-01T00:00:00Z',
    TaskName: 'test',
  };
  const nonce = '0123456789abcdef0123456789abcdef';
  const date = '2026-01-01T00:00:00Z';

  it('V3 POST: canonical query, hashed canonical request and signature', () => {
    const signed = signV3({
      method: 'POST',
      pathname: '/',
      query: business,
      headers: {
        host: '127.0.0.1:8080',
        'x-acs-action': 'CreateLivePullToPush',
        'x-acs-version': '2016-11-01',
        'x-acs-date': date,
        'x-acs-signature-nonce': nonce,
        'x-acs-content-sha256': EMPTY_BODY_SHA256,
      },
      hashedPayload: EMPTY_BODY_SHA256,
      accessKeyId: 'testid',
      accessKeySecret: 'testsecret',
    });
    expect(signed.canonicalRequest.split('\n')[2]).toBe(
      'CallbackUrl=http%3A%2F%2F127.0.0.1%3A9000%2Fcb&DstUrl=rtmp%3A%2F%2Fpush.example.com%2Fapp%2Fstream' +
        '&EndTime=2026-01-02T00%3A00%3A00Z&Region=cn-shanghai&SourceProtocol=rtmp&SourceType=live' +
        '&SourceUrls=%5B%22rtmp%3A%2F%2Fsrc.example.com%2Fapp%2Fs%22%5D&StartTime=2026-01-01T00%3A00%3A00Z&TaskName=test'
    );
    expect(sha256Hex(signed.canonicalRequest)).toBe('8b409f1862321152ed0a33dfc0572362393662b7d5cae9faa30d04409bb29b30');
    expect(signed.signature).toBe('e741ed9bbca3d8fc9309d68be65e4c302c35952b7bb63b95fa080364c69f5c32');
  });

  const v1Params = {
    ...business,
    Action: 'CreateLivePullToPush',
    Format: 'JSON',
    Version: '2016-11-01',
    AccessKeyId: 'testid',
    SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: nonce,
    SignatureVersion: '1.0',
    Timestamp: date,
  };

  it('V1 GET', () => {
    expect(signV1('GET', v1Params, 'testsecret')).toBe('dx7TB27xYg3dus/FnSkhjG32w+8=');
  });

  it('V1 POST', () => {
    expect(signV1('POST', v1Params, 'testsecret')).toBe('QTWYMo+asRh0OPQUHqqB1AF3EsE=');
  });
});

describe('percentEncode (RFC 3986, as the SDK)', () => {
  it.each([
    [' ', '%20'],
    ["!'()*", '%21%27%28%29%2A'],
    ['~-_.', '~-_.'],
    ['a+b=c&d/e:f', 'a%2Bb%3Dc%26d%2Fe%3Af'],
    ['Fête 直播', 'F%C3%AAte%20%E7%9B%B4%E6%92%AD'],
  ])('%j → %s', (input, encoded) => {
    expect(percentEncode(input)).toBe(encoded);
  });
});
