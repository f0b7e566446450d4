/**
 * AES-256-GCM payload codec. Each payload is serialized whole (metadata included, so its original encoding is hidden
 * too), encrypted with the current key under a fresh random 12-byte IV, and stored as `iv | ciphertext | tag` with
 * metadata `encoding: binary/encrypted` and `encryption-key-id: <id>`. Decoding uses whichever configured key the id
 * names, so history written before a key rotation stays readable while the old key is kept. Payloads that are not
 * encrypted pass through unchanged (history written before encryption was turned on).
 *
 * Runs in the worker's main thread and in clients, never in the workflow sandbox (node:crypto).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

import type { EncryptionKey } from './keys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const utf8 = (text: string) => Buffer.from(text, 'utf8');
const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

/** A payload names a key this process does not have, or its ciphertext does not verify. */
export class PayloadDecryptionError extends Error {
  override readonly name = 'PayloadDecryptionError';
}

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly current: EncryptionKey;
  private readonly byId: Map<string, Buffer>;

  /** @param keys the current key first, then older keys kept for decryption only. */
  constructor(keys: readonly EncryptionKey[]) {
    const [current] = keys;
    if (!current) throw new Error('AesGcmPayloadCodec needs at least one key');
    this.current = current;
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  /** Ids of the configured keys, current first. */
  get keyIds(): string[] {
    return [...this.byId.keys()];
  }

  /** Each key in base64, as configured: only for registering with the log redactor. */
  keyMaterial(): string[] {
    return [...this.byId.values()].map((key) => key.toString('base64'));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decrypt(payload));
  }

  private encrypt(payload: Payload): Payload {
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    // The key id is authenticated: a payload relabelled with another id fails to decrypt instead of misreading.
    cipher.setAAD(utf8(this.current.id));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return {
      metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(this.current.id) },
      data: Buffer.concat([iv, body, cipher.getAuthTag()]),
    };
  }

  private decrypt(payload: Payload): Payload {
    if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
    const keyId = text(payload.metadata?.[KEY_ID_METADATA]);
    if (!keyId) throw new PayloadDecryptionError(`encrypted payload has no ${KEY_ID_METADATA} in its metadata`);
    const key = this.byId.get(keyId);
    if (!key) {
      throw new PayloadDecryptionError(
        `payload is encrypted with key id "${keyId}", which is not configured (configured: ${this.keyIds.join(', ')}); ` +
          'add that key to PAYLOAD_ENCRYPTION_KEYS (after the current one) to read it'
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw new PayloadDecryptionError(`encrypted payload (key id "${keyId}") is too short to be valid`);
    }
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAAD(utf8(keyId));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(
        `payload does not decrypt with key id "${keyId}": the configured key of that id is not the one it was written with, or the payload was altered`
      );
    }
    return temporal.api.common.v1.Payload.decode(plain);
  }
}
