import path from 'node:path';

/** The project folder: two levels above this file both as source (src/config) and as build output (lib/config). */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
