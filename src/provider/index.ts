/** The ApsaraVideo Live pull-to-push provider: request rules, signed client, error taxonomy, signing. */
export * from './client';
export * from './endpoints';
export * from './errors';
export * from './schemas';
export * from './signing';
