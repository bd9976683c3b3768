/**
 * The passwords of the loaded configuration. Text about to leave the process (terminal output,
 * --json documents, audit records) is scrubbed against them as a last line of defense, because a
 * migration's own error message may quote a connection URL that tenantctl never formatted.
 */

/** Secrets shorter than this are not scrubbed, because replacing them would garble ordinary text. */
export const MIN_SECRET_LENGTH = 4;

export const SECRET_MASK = '****';

const forms = new Set<string>();

/** Remembers a secret in the spellings it can appear in: plain, percent-encoded and JSON-escaped. */
export function registerSecret(secret: string | undefined): void {
  if (secret === undefined || secret.length < MIN_SECRET_LENGTH) {
    return;
  }

  forms.add(secret);
  forms.add(encodeURIComponent(secret));
  forms.add(JSON.stringify(secret).slice(1, -1));
}

/** Replaces every registered secret in the text with a fixed mask. */
export function redactSecrets(text: string): string {
  let result = text;
  for (const form of forms) {
    if (result.includes(form)) {
      result = result.split(form).join(SECRET_MASK);
    }
  }

  return result;
}

/** Replaces registered secrets in every string of a JSON-like value, returning a copy when needed. */
export function redactValue<T>(value: T): T {
  if (forms.size === 0) {
    return value;
  }

  return redactAny(value) as T;
}

function redactAny(value: unknown): unknown {
  if (typeof value === 'string') {
    return redactSecrets(value);
  }

  if (Array.isArray(value)) {
    return value.map((item) => redactAny(item));
  }

  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactAny(item)]));
  }

  return value;
}
