/** The ApsaraVideo Live pull-to-push provider: request rules, signed client, error taxonomy, per-action quota, signing. */
export * from './client';
export * from './endpoints';
export * from './errors';
export * from './quota-gate';
export * from './schemas';
export * from './signing';
