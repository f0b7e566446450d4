/**
 * Payload encryption keys from configuration: `PAYLOAD_ENCRYPTION_KEYS=id:base64key,id2:base64key2`. The first entry
 * is the current key (new payloads are encrypted with it); the others stay for decrypting history written before a
 * rotation. Problems name the entry by its id or position, never by its key material.
 */
import { randomBytes } from 'node:crypto';

export const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface EncryptionKey {
  /** Stored in each payload's metadata, so a reader knows which key to use. Not secret. */
  id: string;
  key: Buffer;
}

export interface ParsedKeys {
  keys: EncryptionKey[];
  /** One line per bad entry, naming the entry by id (or position when the id itself is bad). */
  problems: string[];
}

/** Parses `id:base64key,...`; every entry is checked, so one pass reports all bad entries. */
export function parseEncryptionKeys(raw: string, variable = 'PAYLOAD_ENCRYPTION_KEYS'): ParsedKeys {
  const keys: EncryptionKey[] = [];
  const problems: string[] = [];
  const entries = raw
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) problems.push(`${variable}: no key given (expected id:base64key[,id2:base64key2…])`);
  entries.forEach((entry, index) => {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon).trim();
    const material = colon < 0 ? '' : entry.slice(colon + 1).trim();
    const label = KEY_ID.test(id) ? `key "${id}"` : `entry ${index + 1}`;
    if (colon < 0) {
      problems.push(`${variable}: entry ${index + 1} must be id:base64key`);
      return;
    }
    if (!KEY_ID.test(id)) {
      problems.push(`${variable}: ${label} needs an id of 1-64 letters, digits, '.', '_' or '-'`);
      return;
    }
    if (keys.some((k) => k.id === id)) {
      problems.push(`${variable}: ${label} appears more than once`);
      return;
    }
    const key = BASE64.test(material) ? Buffer.from(material, 'base64') : undefined;
    if (!key || key.length !== KEY_BYTES) {
      problems.push(
        `${variable}: ${label} must be ${KEY_BYTES} bytes in base64 (44 characters; make one with \`openssl rand -base64 32\`)`
      );
      return;
    }
    keys.push({ id, key });
  });
  return { keys: problems.length === 0 ? keys : [], problems };
}

/** A fresh random key entry, `id:base64key`, for a development key file. */
export function generateKeyEntry(id: string): string {
  return `${id}:${randomBytes(KEY_BYTES).toString('base64')}`;
}
