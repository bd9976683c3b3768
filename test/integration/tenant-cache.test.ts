import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { decodeKeyPart, encodeKeyPart, escapeGlob, statsKey } from '../../src/cache/cache-keys.js';
import { readCacheStats, TenantCache } from '../../src/cache/tenant-cache.js';
import { runWithTenant } from '../../src/context/tenant-context.js';
import { CacheServiceError, TenantAliasError, TenantContextError } from '../../src/errors.js';
import { createRedis, deleteKeys, uniqueLockPrefix } from '../helpers/redis.js';

// Keys that look like another tenant's key, a glob, a hash tag or the prefix itself.
const TRICKY_KEYS = [
  'user:1',
  'globex:user:1',
  'tenant:globex:user:1',
  '*',
  'user:*',
  '?',
  '[a-z]*',
  '{globex}',
  '\\*',
  '',
  'ü:🙂',
  '%3A',
  ':',
];

// One base prefix per run, and a fresh prefix under it per test, so tests see only their own keys.
const basePrefix = uniqueLockPrefix('cache');
let testNumber = 0;
let redis: Redis;
let prefix: string;

beforeAll(() => {
  redis = createRedis();
});

beforeEach(async () => {
  testNumber += 1;
  prefix = `${basePrefix}${testNumber}:tenant:`;
});

afterAll(async () => {
  await deleteKeys(redis, basePrefix);
  await redis.quit();
});

async function allKeys(): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 500);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');

  return keys.sort();
}

describe('TenantCache isolation', () => {
  it('keeps colliding keys apart', async () => {
    const cache = new TenantCache(redis, { prefix });

    for (const key of TRICKY_KEYS) {
      await runWithTenant('acme', () => cache.set(key, `acme ${key}`, 60));
      await runWithTenant('globex', () => cache.set(key, `globex ${key}`, 60));
    }

    for (const key of TRICKY_KEYS) {
      expect(await runWithTenant('acme', () => cache.get(key))).toBe(`acme ${key}`);
      expect(await runWithTenant('globex', () => cache.get(key))).toBe(`globex ${key}`);
    }
  });

  it('stores keys under the tenant prefix', async () => {
    const cache = new TenantCache(redis, { prefix });

    await runWithTenant('acme', () => cache.setMany(TRICKY_KEYS.map((key) => [key, 'v']), 60));

    const keys = await allKeys();
    expect(keys).toHaveLength(TRICKY_KEYS.length);
    for (const key of keys) {
      expect(key.startsWith(`${prefix}acme:`)).toBe(true);
      expect(key.slice(`${prefix}acme:`.length)).not.toMatch(/[:*?[\]{}\\]/);
    }
  });

  it('key encoding round-trips', () => {
    for (const key of TRICKY_KEYS) {
      expect(decodeKeyPart(encodeKeyPart(key))).toBe(key);
    }
  });

  it('clearTenant leaves other tenants', async () => {
    const cache = new TenantCache(redis, { prefix, batchSize: 3 });
    for (const key of TRICKY_KEYS) {
      await runWithTenant('acme', () => cache.set(key, 'a', 60));
      await runWithTenant('globex', () => cache.set(key, 'g', 60));
      await runWithTenant('acme-eu', () => cache.set(key, 'e', 60));
    }

    const removed = await runWithTenant('acme', () => cache.clearTenant());

    expect(removed).toBe(TRICKY_KEYS.length);
    expect(await runWithTenant('acme', () => cache.getMany(TRICKY_KEYS))).toEqual(TRICKY_KEYS.map(() => null));
    expect(await runWithTenant('globex', () => cache.getMany(TRICKY_KEYS))).toEqual(TRICKY_KEYS.map(() => 'g'));
    expect(await runWithTenant('acme-eu', () => cache.getMany(TRICKY_KEYS))).toEqual(TRICKY_KEYS.map(() => 'e'));
  });

  it('clearTenant removes many keys', async () => {
    const cache = new TenantCache(redis, { prefix, batchSize: 100 });
    const entries = Array.from({ length: 2500 }, (_, i) => [`k${i}`, String(i)] as const);
    await runWithTenant('acme', () => cache.setMany(entries, 60));
    await runWithTenant('globex', () => cache.set('k1', 'kept', 60));

    const removed = await runWithTenant('acme', () => cache.clearTenant());

    expect(removed).toBe(2500);
    expect(await allKeys()).toEqual([`${prefix}globex:k1`]);
  });

  it('clearTenant keeps unrelated keys', async () => {
    const outside = `${prefix.slice(0, -'tenant:'.length)}other:acme:k1`;
    await redis.set(outside, 'x', 'EX', 60);
    const cache = new TenantCache(redis, { prefix });
    await runWithTenant('acme', () => cache.set('k1', 'v', 60));

    await runWithTenant('acme', () => cache.clearTenant());

    expect(await redis.get(outside)).toBe('x');
  });

  it('delete touches own tenant only', async () => {
    const cache = new TenantCache(redis, { prefix });
    await runWithTenant('acme', () => cache.set('k', 'a', 60));
    await runWithTenant('globex', () => cache.set('k', 'g', 60));

    const deleted = await runWithTenant('acme', () => cache.delete('k', 'missing'));

    expect(deleted).toBe(1);
    expect(await runWithTenant('globex', () => cache.get('k'))).toBe('g');
  });
});

describe('TenantCache without context', () => {
  it.each([
    ['get', (cache: TenantCache) => cache.get('k')],
    ['set', (cache: TenantCache) => cache.set('k', 'v')],
    ['getMany', (cache: TenantCache) => cache.getMany(['k'])],
    ['setMany', (cache: TenantCache) => cache.setMany({ k: 'v' })],
    ['delete', (cache: TenantCache) => cache.delete('k')],
    ['clearTenant', (cache: TenantCache) => cache.clearTenant()],
  ])('%s throws', async (_name, call) => {
    const cache = new TenantCache(redis, { prefix });

    await expect(async () => call(cache)).rejects.toThrow(TenantContextError);
    expect(await allKeys()).toEqual([]);
  });

  it('stats throws', () => {
    expect(() => new TenantCache(redis, { prefix }).stats()).toThrow(TenantContextError);
  });

  it('malformed alias throws', async () => {
    const cache = new TenantCache(redis, { prefix });

    await expect(runWithTenant('acme:*', () => cache.get('k'))).rejects.toThrow(TenantAliasError);
  });
});

describe('TenantCache values', () => {
  it('expire after their TTL', async () => {
    const cache = new TenantCache(redis, { prefix });

    await runWithTenant('acme', () => cache.set('short', 'v', 0.2));
    const ttl = await redis.pttl(`${prefix}acme:short`);
    await new Promise((resolve) => setTimeout(resolve, 400));

    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(200);
    expect(await runWithTenant('acme', () => cache.get('short'))).toBeNull();
  });

  it('use the default TTL', async () => {
    const cache = new TenantCache(redis, { prefix, defaultTtlSeconds: 30 });

    await runWithTenant('acme', () => cache.setMany({ a: '1', b: '2' }));

    expect(await redis.pttl(`${prefix}acme:a`)).toBeGreaterThan(29_000);
    expect(await redis.pttl(`${prefix}acme:b`)).toBeLessThanOrEqual(30_000);
  });

  it('reject a zero TTL', async () => {
    const cache = new TenantCache(redis, { prefix });

    await expect(runWithTenant('acme', () => cache.set('k', 'v', 0))).rejects.toThrow(/TTL/);
  });

  it('getMany keeps order', async () => {
    const cache = new TenantCache(redis, { prefix });
    await runWithTenant('acme', () => cache.setMany([['b', '2'], ['a', '1']], 60));

    const values = await runWithTenant('acme', () => cache.getMany(['a', 'missing', 'b']));

    expect(values).toEqual(['1', null, '2']);
  });
});

describe('TenantCache counters', () => {
  it('count hits and misses per tenant', async () => {
    const cache = new TenantCache(redis, { prefix });
    await runWithTenant('acme', async () => {
      await cache.set('a', '1', 60);
      await cache.get('a');
      await cache.get('missing');
      await cache.getMany(['a', 'a', 'missing']);
    });
    await runWithTenant('globex', () => cache.get('a'));

    expect(runWithTenant('acme', () => cache.stats())).toEqual({ hits: 3, misses: 2 });
    expect(cache.stats('globex')).toEqual({ hits: 0, misses: 1 });
    expect(cache.stats('initech')).toEqual({ hits: 0, misses: 0 });
  });

  it('are shared through Redis', async () => {
    const first = new TenantCache(redis, { prefix });
    const second = new TenantCache(redis, { prefix });
    await runWithTenant('acme', async () => {
      await first.set('a', '1', 60);
      await first.get('a');
      await second.get('a');
      await second.get('b');
    });

    const stats = await readCacheStats(redis, ['acme', 'globex'], { prefix });

    expect(stats).toEqual([
      { alias: 'acme', keys: 1, hits: 2, misses: 1 },
      { alias: 'globex', keys: 0, hits: 0, misses: 0 },
    ]);
  });

  it('survive clearTenant', async () => {
    const cache = new TenantCache(redis, { prefix });
    await runWithTenant('acme', async () => {
      await cache.get('a');
      await cache.clearTenant();
    });

    expect(await redis.hget(statsKey(prefix), 'acme:misses')).toBe('1');
  });
});

describe('TenantCache with Redis down', () => {
  it('throws CacheServiceError', async () => {
    const { Redis } = await import('ioredis');
    // Port 1 on loopback has no listener, so every command fails at once.
    const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    dead.on('error', () => undefined);
    try {
      const cache = new TenantCache(dead, { prefix });

      await expect(runWithTenant('acme', () => cache.get('k'))).rejects.toThrow(CacheServiceError);
    } finally {
      dead.disconnect();
    }
  });
});
