/**
 * Payload encryption for the client script. A client without keys still recognises encrypted payloads, so reading one
 * says which key is missing and how to configure it, instead of the SDK's `Unknown encoding: binary/encrypted`.
 */
import path from 'node:path';

import type { Payload, PayloadCodec } from '@temporalio/common';

import type { Settings } from '../config/settings';

import { ENCRYPTED_ENCODING, KEY_ID_METADATA, PayloadDecryptionError } from './encryption-codec';
import { devDataDir, DEV_KEY_FILE, resolvePayloadEncryption, shown, type PayloadEncryption } from './setup';

const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

/** The message for an encrypted payload read by a process that has no keys at all. */
export function noKeysMessage(keyId: string | undefined, devKeyFile: string): string {
  return (
    `payload is encrypted${keyId ? ` with key id "${keyId}"` : ''} and this client has no payload encryption keys: ` +
    'set PAYLOAD_ENCRYPTION_KEYS (or PAYLOAD_ENCRYPTION_KEYS_FILE) to the keys the workers use; ' +
    `for the \`npm start\` dev server, PAYLOAD_ENCRYPTION_KEYS_FILE=${devKeyFile}`
  );
}

/** Without keys: writes plain payloads, and refuses encrypted ones with noKeysMessage. */
export class NoKeysPayloadCodec implements PayloadCodec {
  constructor(private readonly devKeyFile: string) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads;
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    for (const payload of payloads) {
      if (text(payload.metadata?.encoding) === ENCRYPTED_ENCODING) {
        throw new PayloadDecryptionError(noKeysMessage(text(payload.metadata?.[KEY_ID_METADATA]), this.devKeyFile));
      }
    }
    return payloads;
  }
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** `host:port` names the `npm start` dev server: a local host on DEV_SERVER_PORT. */
export function isDevServerAddress(address: string, devServerPort: number): boolean {
  const colon = address.lastIndexOf(':');
  return LOCAL_HOSTS.has(address.slice(0, colon).toLowerCase()) && address.slice(colon + 1) === String(devServerPort);
}

/**
 * The client's encryption: PAYLOAD_ENCRYPTION_KEYS when set; for the `npm start` dev server (no TEMPORAL_ADDRESS, or
 * one naming it), its development key when that exists; else none, with a codec that explains encrypted payloads.
 */
export function clientPayloadEncryption(
  settings: Pick<Settings, 'PAYLOAD_ENCRYPTION_KEYS' | 'DEV_SERVER_DB_FILE' | 'DEV_SERVER_PORT'>,
  address: string | undefined
): PayloadEncryption {
  const devServer = address === undefined || isDevServerAddress(address, settings.DEV_SERVER_PORT);
  const encryption = resolvePayloadEncryption(settings, devServer ? 'read' : 'none');
  if (encryption.codec) return encryption;
  const devKeyFile = shown(path.join(devDataDir(settings), DEV_KEY_FILE));
  return { ...encryption, dataConverter: { payloadCodecs: [new NoKeysPayloadCodec(devKeyFile)] } };
}
