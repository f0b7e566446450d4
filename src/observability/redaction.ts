/**
 * What keeps secrets out of log lines, applied to every field (nested ones too) and to the message:
 * - a field whose name looks secret (secret, token, password, signature, authorization, credential, key material…)
 *   keeps its name, its value becomes `[redacted]`;
 * - any configured secret value (AccessKey secret, callback secret, encryption keys) is masked wherever it occurs
 *   inside a string, belt and braces for the names the rule above cannot foresee;
 * - the HMAC token of a callback URL and URL query parameters with secret-looking names (`auth_key` of Alibaba
 *   ingest URLs, `Signature`, `token`) are masked, so a URL that slips into an error message leaks nothing.
 */
import { CALLBACK_PATH_PREFIX } from '../callbacks/tokens';

export const REDACTED = '[redacted]';

/** Values shorter than this are not masked by value: they would blank out ordinary words. */
export const MIN_SECRET_LENGTH = 8;

const SECRET_NAME =
  /secret|token|passw(or)?d|passphrase|signature|authori[sz]ation|credential|cookie|(private|encryption|api|auth|hmac|signing|master|session|data|crypto)[-_]?key|key[-_]?material|^keys?$/i;

/** True for field names whose values must never be logged (`accessKeySecret`, `taskToken`, `Authorization`, …). */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

const ESCAPED_PREFIX = CALLBACK_PATH_PREFIX.replace(/[/]/g, '\\/');
/** `/callbacks/v1/<workflowId>/<token>`: the token is the capability, the workflow ID is not secret. */
const CALLBACK_TOKEN = new RegExp(`(${ESCAPED_PREFIX}[^/\\s?#"']+/)[^/\\s?#"']+`, 'g');
const QUERY_PARAMETER = /([?&])([^=&\s#"']+)=([^&\s#"']*)/g;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Masks secrets in log records; build one per set of configured secret values. */
export class Redactor {
  private valuePattern?: RegExp;
  private readonly secrets = new Set<string>();

  constructor(secrets: readonly (string | undefined)[] = []) {
    this.addSecrets(secrets);
  }

  /** Adds values to mask wherever they appear; undefined and values under MIN_SECRET_LENGTH are ignored. */
  addSecrets(values: readonly (string | undefined)[]): void {
    for (const value of values) if (value && value.length >= MIN_SECRET_LENGTH) this.secrets.add(value);
    // Longest first, so a secret that contains another one is masked whole.
    const sorted = [...this.secrets].sort((a, b) => b.length - a.length);
    this.valuePattern = sorted.length > 0 ? new RegExp(sorted.map(escapeRegExp).join('|'), 'g') : undefined;
  }

  /** A string with every configured secret, callback token and secret-named query parameter masked. */
  redactText(text: string): string {
    let result = this.valuePattern ? text.replace(this.valuePattern, REDACTED) : text;
    if (result.includes(CALLBACK_PATH_PREFIX)) result = result.replace(CALLBACK_TOKEN, `$1${REDACTED}`);
    if (result.includes('=')) {
      result = result.replace(QUERY_PARAMETER, (whole, sep: string, name: string) =>
        isSecretName(name) ? `${sep}${name}=${REDACTED}` : whole
      );
    }
    return result;
  }

  /** A JSON-safe copy of `value` with secrets masked (errors become {name, message, stack}; bigints strings). */
  redactValue(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
    if (typeof value === 'string') return this.redactText(value);
    if (typeof value === 'bigint') return value.toString();
    if (value === null || typeof value !== 'object') return typeof value === 'function' ? undefined : value;
    if (seen.has(value)) return '[circular]';
    if (depth >= 8) return '[too deep]';
    seen.add(value);
    if (value instanceof Error) {
      const { name, message, stack } = value;
      // `type` of an ApplicationFailure (and failures wrapping one in `cause`) says which failure it was.
      const { type, cause } = value as { type?: unknown; cause?: unknown };
      return this.redactFields(
        { name, type: typeof type === 'string' ? type : undefined, message, stack, cause },
        depth,
        seen
      );
    }
    if (Array.isArray(value)) return value.map((item) => this.redactValue(item, depth + 1, seen));
    if (value instanceof Date) return value.toISOString();
    return this.redactFields(value as Record<string, unknown>, depth, seen);
  }

  /** Fields with secret-looking names masked and every value redacted; undefined values are dropped. */
  redactFields(fields: Record<string, unknown>, depth = 0, seen = new WeakSet<object>()): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      result[name] = isSecretName(name) ? REDACTED : this.redactValue(value, depth + 1, seen);
    }
    return result;
  }
}
