/**
 * Callback URLs carry an HMAC of the workflow ID, so the callback service only signals workflows whose URL it
 * issued. The secret stays in the worker and the callback service; neither the secret nor the URL enters history
 * (the URL is built inside the create activity).
 */
import crypto from 'node:crypto';

export const CALLBACK_PATH_PREFIX = '/callbacks/v1/';

export function callbackToken(secret: string, workflowId: string): string {
  return crypto.createHmac('sha256', secret).update(workflowId, 'utf8').digest('base64url');
}

export function callbackUrlFor(publicBaseUrl: string, secret: string, workflowId: string): string {
  const base = publicBaseUrl.replace(/\/+$/, '');
  return `${base}${CALLBACK_PATH_PREFIX}${encodeURIComponent(workflowId)}/${callbackToken(secret, workflowId)}`;
}

export function tokenMatches(secret: string, workflowId: string, token: string): boolean {
  const expected = Buffer.from(callbackToken(secret, workflowId));
  const given = Buffer.from(token);
  return expected.length === given.length && crypto.timingSafeEqual(expected, given);
}
