import type { Redis } from 'ioredis';

import { ALIAS_PATTERN } from '../config/settings.js';
import { LockServiceError, errorMessage } from '../errors.js';
import { parseLockFields, type LockRecord } from './lock-record.js';
import { INSPECT_SCRIPT } from './lua-scripts.js';

/** Keys SCAN returns per round trip; a hint to Redis, not a limit. */
const SCAN_COUNT = 1000;

/** The lock state of one key, read in one atomic script call. */
export type InspectedLock =
  | { tenant: string; key: string; state: 'free'; nowMs: number }
  | { tenant: string; key: string; state: 'held'; nowMs: number; record: LockRecord }
  | { tenant: string; key: string; state: 'unreadable'; message: string };

/**
 * Lists the tenant aliases that have a key under the prefix, with SCAN (never KEYS, which blocks
 * Redis for the whole keyspace). Keys whose suffix is not a valid alias are not tenant locks (for
 * example the probe key of validate-config), so they are left out.
 */
export async function scanLockedTenants(client: Redis, prefix: string): Promise<string[]> {
  const tenants = new Set<string>();
  const pattern = `${escapeGlob(prefix)}*`;
  let cursor = '0';

  try {
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
      cursor = next;
      for (const key of keys) {
        const tenant = key.slice(prefix.length);
        if (key.startsWith(prefix) && ALIAS_PATTERN.test(tenant)) {
          tenants.add(tenant);
        }
      }
    } while (cursor !== '0');
  } catch (error) {
    throw new LockServiceError(`Redis failed to list the locks under "${prefix}": ${errorMessage(error)}`, { cause: error });
  }

  return [...tenants].sort();
}

/**
 * Reads the locks of many tenants in one pipelined round trip. Each read is one script call, so the
 * record and its age come from the same instant of the Redis clock.
 */
export async function inspectLocks(client: Redis, prefix: string, tenants: readonly string[]): Promise<InspectedLock[]> {
  if (tenants.length === 0) {
    return [];
  }

  let replies: Array<[Error | null, unknown]>;
  try {
    const sha = String(await client.script('LOAD', INSPECT_SCRIPT));
    const pipeline = client.pipeline();
    for (const tenant of tenants) {
      pipeline.evalsha(sha, 1, `${prefix}${tenant}`);
    }

    replies = ((await pipeline.exec()) ?? []) as Array<[Error | null, unknown]>;
  } catch (error) {
    throw new LockServiceError(`Redis failed to read the tenant locks: ${errorMessage(error)}`, { cause: error });
  }

  return tenants.map((tenant, index) => {
    const key = `${prefix}${tenant}`;
    const [error, reply] = replies[index] ?? [new Error('no reply'), undefined];
    if (error !== null) {
      // A command timeout or a lost connection fails every reply alike; only a per-key problem
      // such as a key of another type (WRONGTYPE) is reported per tenant.
      if (!/^WRONGTYPE|ERR/.test(error.message)) {
        throw new LockServiceError(`Redis failed to read the lock ${key}: ${error.message}`, { cause: error });
      }

      return { tenant, key, state: 'unreadable', message: `cannot be read as a lock: ${error.message}` };
    }

    return toInspected(tenant, key, reply);
  });
}

/** Turns an INSPECT_SCRIPT reply into a lock state. */
export function toInspected(tenant: string, key: string, reply: unknown): InspectedLock {
  const parts = Array.isArray(reply) ? reply : [];
  const nowMs = Number(parts[0]);
  if (parts.length < 3) {
    return { tenant, key, state: 'free', nowMs };
  }

  return { tenant, key, state: 'held', nowMs, record: parseLockFields(tenant, key, parts[1], nowMs, Number(parts[2])) };
}

/** Escapes the characters that SCAN's MATCH pattern treats as glob syntax. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\^]/g, (character) => `\\${character}`);
}
