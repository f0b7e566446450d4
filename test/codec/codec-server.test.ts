/** The codec server's HTTP contract over real HTTP, without Temporal: routes, methods, bad bodies, size limit. */
import { randomBytes } from 'node:crypto';

import { request } from 'undici';

import { AesGcmPayloadCodec } from '../../src/codec/encryption-codec';
import { startCodecServer, tokenEquals, type RunningCodecServer } from '../../src/codec/server';

const TOKEN = 'unit-codec-token-0123456789';

describe('codec server', () => {
  let server: RunningCodecServer;
  const codec = new AesGcmPayloadCodec([{ id: 'k1', key: randomBytes(32) }]);

  beforeAll(async () => {
    server = await startCodecServer({ codec, token: TOKEN, allowedOrigins: [], port: 0, maxBodyBytes: 4096 });
  });
  afterAll(() => server?.close());

  const call = async (path: string, body: string, method = 'POST') => {
    const res = await request(`${server.url}${path}`, {
      method: method as 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: method === 'POST' ? body : undefined,
    });
    return { status: res.statusCode, text: await res.body.text() };
  };

  it('round-trips payloads: what /encode returns, /decode turns back into the original', async () => {
    const original = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: 'eyJhIjoxfQ==' };
    const encoded = await call('/encode', JSON.stringify({ payloads: [original] }));
    expect(encoded.status).toBe(200);
    const sealed = JSON.parse(encoded.text) as { payloads: { metadata: Record<string, string> }[] };
    expect(Buffer.from(sealed.payloads[0]?.metadata.encoding ?? '', 'base64').toString()).toBe('binary/encrypted');
    const decoded = await call('/decode', encoded.text);
    expect(JSON.parse(decoded.text)).toEqual({ payloads: [original] });
  });

  // The Temporal CLI (`temporal workflow query --codec-endpoint …`) sends proto3 JSON, which leaves out an empty list.
  it('answers an empty body object ({}) as no payloads, as the Temporal CLI sends it', async () => {
    for (const path of ['/encode', '/decode']) {
      expect(await call(path, '{}')).toEqual({ status: 200, text: JSON.stringify({ payloads: [] }) });
    }
    expect((await call('/encode', '[]')).text).toMatch(/JSON object with a payloads array/);
  });

  it('answers 404, 405, 400 naming the field, and 413, never crashing', async () => {
    expect((await call('/elsewhere', '{}')).status).toBe(404);
    expect((await call('/decode', '', 'GET')).status).toBe(405);
    expect(await call('/decode', '{not json')).toEqual({
      status: 400,
      text: JSON.stringify({ error: 'body is not JSON' }),
    });
    expect((await call('/decode', '{"payloads":3}')).text).toMatch(/payloads must be an array/);
    expect((await call('/decode', '{"payloads":[{"data":"%%%"}]}')).text).toMatch(
      /payloads\[0\]\.data must be a base64/
    );
    expect((await call('/decode', '{"payloads":[{"metadata":{"encoding":7}}]}')).text).toMatch(
      /payloads\[0\]\.metadata\.encoding must be a base64/
    );
    expect((await call('/decode', JSON.stringify({ payloads: [], pad: 'x'.repeat(8192) }))).status).toBe(413);
    expect((await request(`${server.url}/healthz`)).statusCode).toBe(200);
  });

  it('compares tokens in constant time over equal-length digests, and refuses a short one at start', async () => {
    expect(tokenEquals(TOKEN, TOKEN)).toBe(true);
    expect(tokenEquals(TOKEN, `${TOKEN}x`)).toBe(false);
    expect(tokenEquals(TOKEN, undefined)).toBe(false);
    await expect(startCodecServer({ codec, token: 'short', allowedOrigins: [], port: 0 })).rejects.toThrow(/16/);
  });
});
