import { randomBytes } from 'node:crypto';

import { Redis } from 'ioredis';

/** URL of the Redis server the tests use; TEST_REDIS_URL overrides it. */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Returns a lock key prefix that no other test run shares. */
export function uniqueLockPrefix(label = 'test'): string {
  return `tenantctl-test:${label}:${randomBytes(4).toString('hex')}:`;
}

export function createRedis(url = REDIS_URL): Redis {
  return new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
}

/** Deletes every key under the prefix (SCAN, never KEYS). */
export async function deleteKeys(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) {
      await client.del(...keys);
    }
  } while (cursor !== '0');
}
