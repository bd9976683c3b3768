import { ALIAS_PATTERN, ALIAS_RULE } from '../config/settings.js';
import { TenantAliasError } from '../errors.js';

/** Default namespace of tenant cache keys; a key is `tenant:<alias>:<encoded key>`. */
export const DEFAULT_CACHE_PREFIX = 'tenant:';

/**
 * Percent-encodes every byte outside [A-Za-z0-9._-] of the UTF-8 form of a key part. The output
 * contains no ':' (the separator), no glob character of SCAN patterns and no '{' (Redis Cluster
 * hash tags), so one tenant's key can never spell another tenant's prefix.
 */
export function encodeKeyPart(part: string): string {
  let encoded = '';
  for (const byte of Buffer.from(part, 'utf8')) {
    const char = String.fromCharCode(byte);
    encoded += /[A-Za-z0-9._-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }

  return encoded;
}

/** Reverses encodeKeyPart. */
export function decodeKeyPart(encoded: string): string {
  return decodeURIComponent(encoded);
}

/** Escapes the characters that Redis glob patterns (SCAN MATCH) treat specially. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\^]/g, (char) => `\\${char}`);
}

/** Throws TenantAliasError unless the alias has the shape every configured alias has. */
export function checkAlias(alias: string): void {
  if (typeof alias !== 'string' || !ALIAS_PATTERN.test(alias)) {
    const shown = JSON.stringify(String(alias).slice(0, 80));
    throw new TenantAliasError(String(alias), `tenant alias ${shown} is invalid; an alias is ${ALIAS_RULE}`);
  }
}

/** Returns the key prefix all keys of one tenant share: `<prefix><alias>:`. */
export function tenantKeyPrefix(prefix: string, alias: string): string {
  checkAlias(alias);
  return `${prefix}${encodeKeyPart(alias)}:`;
}

/** Returns the Redis key of one tenant's cache key. */
export function tenantKey(prefix: string, alias: string, key: string): string {
  if (typeof key !== 'string') {
    throw new TypeError(`a cache key must be a string, got ${typeof key}`);
  }

  return `${tenantKeyPrefix(prefix, alias)}${encodeKeyPart(key)}`;
}

/**
 * Returns the Redis hash that stores hit and miss counters. Its name ends in `_stats`, and no tenant
 * prefix can equal `<prefix>_stats` because an alias starts with a letter.
 */
export function statsKey(prefix: string): string {
  return `${prefix}_stats`;
}
