/**
 * Which payload encryption a process uses: the keys in PAYLOAD_ENCRYPTION_KEYS (or its _FILE) when configured; else,
 * next to the embedded dev server's database, a per-machine development key (`npm start` creates it, the client
 * script reads it), so that encryption is on by default locally and history kept in `.data/` stays readable across
 * restarts; else off.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { PayloadCodec } from '@temporalio/common';

import { ConfigError } from '../config/errors';
import type { Settings } from '../config/settings';

import { AesGcmPayloadCodec } from './encryption-codec';
import { generateKeyEntry, parseEncryptionKeys } from './keys';

export interface PayloadEncryption {
  codec?: AesGcmPayloadCodec;
  /** For `new Client({ dataConverter })` and `Worker.create({ dataConverter })`; undefined when encryption is off. */
  dataConverter?: { payloadCodecs: PayloadCodec[] };
  /** Where the keys came from, for the start-up line (never the keys themselves). */
  description: string;
  /** Key material in the forms it is configured in (base64), for the log redactor. */
  secrets: string[];
}

/** What to do about the development key when no keys are configured. */
export type DevKeyMode = 'create' | 'read' | 'none';

/** The development key's file name, in devDataDir. */
export const DEV_KEY_FILE = 'payload-encryption-keys';
const DEV_TOKEN_FILE = 'codec-server-token';

/** The folder of the embedded dev server's database (`.data/` by default): development keys live with the data. */
export function devDataDir(settings: Pick<Settings, 'DEV_SERVER_DB_FILE'>): string {
  return path.dirname(path.resolve(settings.DEV_SERVER_DB_FILE));
}

/** A path as printed: relative to the working directory when inside it. */
export function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') ? relative : file;
}

/** Reads `file`, creating it first with `make()` (owner-only permissions) when `create` and it does not exist. */
function readOrCreate(file: string, create: boolean, make: () => string): string | undefined {
  if (create && !fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
      fs.writeFileSync(file, `${make()}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // another process created it first
    }
  }
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : undefined;
}

export function codecFromKeys(raw: string, variable: string): AesGcmPayloadCodec {
  const { keys, problems } = parseEncryptionKeys(raw, variable);
  if (problems.length > 0) throw new ConfigError(problems);
  return new AesGcmPayloadCodec(keys);
}

export function resolvePayloadEncryption(
  settings: Pick<Settings, 'PAYLOAD_ENCRYPTION_KEYS' | 'DEV_SERVER_DB_FILE'>,
  devKey: DevKeyMode
): PayloadEncryption {
  let codec: AesGcmPayloadCodec | undefined;
  let source = '';
  if (settings.PAYLOAD_ENCRYPTION_KEYS) {
    codec = codecFromKeys(settings.PAYLOAD_ENCRYPTION_KEYS, 'PAYLOAD_ENCRYPTION_KEYS');
    source = 'PAYLOAD_ENCRYPTION_KEYS';
  } else if (devKey !== 'none') {
    const file = path.join(devDataDir(settings), DEV_KEY_FILE);
    const id = `dev-${
      os
        .hostname()
        .replace(/[^A-Za-z0-9._-]/g, '')
        .slice(0, 32) || 'local'
    }`;
    const raw = readOrCreate(file, devKey === 'create', () => generateKeyEntry(id));
    if (raw !== undefined) {
      codec = codecFromKeys(raw, file);
      source = `the development key in ${shown(file)}`;
    }
  }
  if (!codec) return { description: 'payload encryption OFF (no PAYLOAD_ENCRYPTION_KEYS)', secrets: [] };
  return {
    codec,
    secrets: codec.keyMaterial(),
    dataConverter: { payloadCodecs: [codec] },
    description: `payload encryption ON, AES-256-GCM with key ids ${codec.keyIds.join(', ')} (current ${codec.keyIds[0]}) from ${source}`,
  };
}

/** CODEC_SERVER_TOKEN, or in development a per-machine token next to the development key. */
export function resolveCodecServerToken(
  settings: Pick<Settings, 'CODEC_SERVER_TOKEN' | 'DEV_SERVER_DB_FILE'>,
  devToken: DevKeyMode
): { token?: string; description: string } {
  if (settings.CODEC_SERVER_TOKEN) return { token: settings.CODEC_SERVER_TOKEN, description: 'CODEC_SERVER_TOKEN' };
  if (devToken === 'none') return { description: 'no CODEC_SERVER_TOKEN' };
  const file = path.join(devDataDir(settings), DEV_TOKEN_FILE);
  const token = readOrCreate(file, devToken === 'create', () => randomBytes(24).toString('base64url'));
  return token
    ? { token, description: `the development token in ${shown(file)}` }
    : { description: `no CODEC_SERVER_TOKEN and no ${file}` };
}
