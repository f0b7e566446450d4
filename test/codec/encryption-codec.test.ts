/** The AES-256-GCM payload codec and its key configuration, alone (pure unit: no server). */
import { randomBytes } from 'node:crypto';

import { defaultPayloadConverter } from '@temporalio/common';

import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../../src/codec/encryption-codec';
import { parseEncryptionKeys, type EncryptionKey } from '../../src/codec/keys';
import { loadSettings } from '../../src/config/settings';

const keyA: EncryptionKey = { id: 'key-a', key: randomBytes(32) };
const keyB: EncryptionKey = { id: 'key-b', key: randomBytes(32) };
const URL = 'rtmp://ingest.example.com/app/stream?auth_key=1700000000-0-0-0123456789abcdef';
const payloadOf = (value: unknown) => defaultPayloadConverter.toPayload(value);
const meta = (p: { metadata?: Record<string, Uint8Array> | null }, k: string) =>
  Buffer.from(p.metadata?.[k] ?? new Uint8Array()).toString();

describe('AesGcmPayloadCodec', () => {
  it('encrypts with the current key under a fresh IV each time, and decrypts back to the original payload', async () => {
    const codec = new AesGcmPayloadCodec([keyA]);
    const original = payloadOf({ DstUrl: URL });
    const [first, second] = await codec.encode([original, original]);
    expect(meta(first!, 'encoding')).toBe(ENCRYPTED_ENCODING);
    expect(meta(first!, KEY_ID_METADATA)).toBe('key-a');
    expect(Buffer.from(first!.data!).toString('latin1')).not.toContain('rtmp://');
    expect(Buffer.from(first!.data!).equals(Buffer.from(second!.data!))).toBe(false); // random IV
    const [decoded] = await codec.decode([first!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({ DstUrl: URL });
    expect(meta(decoded!, 'encoding')).toBe('json/plain');
  });

  it('after rotation encrypts with the new key and still reads payloads written with the old one', async () => {
    const [written] = await new AesGcmPayloadCodec([keyA]).encode([payloadOf('before rotation')]);
    const rotated = new AesGcmPayloadCodec([keyB, keyA]);
    const [decoded] = await rotated.decode([written!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toBe('before rotation');
    const [fresh] = await rotated.encode([payloadOf('after')]);
    expect(meta(fresh!, KEY_ID_METADATA)).toBe('key-b');
  });

  it('names the key id it does not have, and refuses a payload whose key or id was tampered with', async () => {
    const [written] = await new AesGcmPayloadCodec([keyA]).encode([payloadOf('x')]);
    await expect(new AesGcmPayloadCodec([keyB]).decode([written!])).rejects.toThrow(
      /key id "key-a", which is not configured \(configured: key-b\)/
    );
    const impostor = new AesGcmPayloadCodec([{ id: 'key-a', key: keyB.key }]);
    await expect(impostor.decode([written!])).rejects.toThrow(/does not decrypt with key id "key-a"/);
    const relabelled = { ...written!, metadata: { ...written!.metadata, [KEY_ID_METADATA]: Buffer.from('key-b') } };
    await expect(new AesGcmPayloadCodec([keyA, keyB]).decode([relabelled])).rejects.toThrow(/key id "key-b"/);
  });

  it('passes payloads that were never encrypted through unchanged (history from before encryption)', async () => {
    const plain = payloadOf({ a: 1 });
    expect(await new AesGcmPayloadCodec([keyA]).decode([plain])).toEqual([plain]);
  });
});

describe('PAYLOAD_ENCRYPTION_KEYS', () => {
  const b64 = (bytes: number) => randomBytes(bytes).toString('base64');

  it('takes id:base64key entries, the first being current', () => {
    const { keys, problems } = parseEncryptionKeys(`new:${b64(32)}, old:${b64(32)}`);
    expect(problems).toEqual([]);
    expect(keys.map((k) => k.id)).toEqual(['new', 'old']);
  });

  it('reports every bad entry by id, never printing key material', () => {
    const short = b64(16);
    const raw = `good:${b64(32)},short:${short},good:${b64(32)},no-colon,bad id!:${b64(32)},nonb64:${'*'.repeat(44)}`;
    const { keys, problems } = parseEncryptionKeys(raw);
    expect(keys).toEqual([]);
    expect(problems).toEqual([
      expect.stringMatching(/key "short" must be 32 bytes in base64/),
      expect.stringMatching(/key "good" appears more than once/),
      expect.stringMatching(/entry 4 must be id:base64key/),
      expect.stringMatching(/entry 5 needs an id/),
      expect.stringMatching(/key "nonb64" must be 32 bytes/),
    ]);
    expect(problems.join('\n')).not.toContain(short);
  });

  it('is validated with the other settings: one error lists the bad keys by id', () => {
    const bad = b64(31);
    let message = '';
    try {
      loadSettings({ PAYLOAD_ENCRYPTION_KEYS: `k1:${bad}`, CALLBACK_PORT: 'x' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/CALLBACK_PORT/);
    expect(message).toMatch(/PAYLOAD_ENCRYPTION_KEYS: key "k1" must be 32 bytes/);
    expect(message).not.toContain(bad);
  });
});
