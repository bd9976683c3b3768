import type { Redis } from 'ioredis';

import { requireTenant } from '../context/tenant-context.js';
import { CacheServiceError, errorMessage } from '../errors.js';
import { DEFAULT_CACHE_PREFIX, checkAlias, escapeGlob, statsKey, tenantKey, tenantKeyPrefix } from './cache-keys.js';

export interface TenantCacheOptions {
  /** Namespace of all tenant keys (default `tenant:`); the CLI's --cache-prefix must match it. */
  prefix?: string;
  /** TTL of set() and setMany() when the call gives none, in seconds (default 300). */
  defaultTtlSeconds?: number;
  /** Keys per SCAN step and per UNLINK call in clearTenant() (default 500). */
  batchSize?: number;
}

/** Hit and miss counts of one tenant. */
export interface CacheCounters {
  hits: number;
  misses: number;
}

/**
 * A Redis cache whose every key belongs to the current tenant (see runWithTenant and the tenant
 * middleware). Keys are stored as `<prefix><alias>:<encoded key>`, and the encoding keeps ':' and
 * glob characters out of the key part, so no key of one tenant can reach another tenant's keys.
 * Outside a tenant context every method throws TenantContextError; there is no shared namespace.
 * Redis failures throw CacheServiceError. The caller owns the Redis client and closes it.
 */
export class TenantCache {
  readonly prefix: string;
  private readonly redis: Redis;
  private readonly defaultTtlMs: number;
  private readonly batchSize: number;
  private readonly counters = new Map<string, CacheCounters>();

  constructor(redis: Redis, options: TenantCacheOptions = {}) {
    this.redis = redis;
    this.prefix = checkPrefix(options.prefix ?? DEFAULT_CACHE_PREFIX);
    this.defaultTtlMs = ttlMs(options.defaultTtlSeconds ?? 300);
    this.batchSize = Math.max(1, Math.floor(options.batchSize ?? 500));
  }

  /** Returns the cached value, or null when the key is missing or expired. Counts a hit or a miss. */
  async get(key: string): Promise<string | null> {
    const alias = requireTenant();
    const redisKey = tenantKey(this.prefix, alias, key);
    const value = await this.command('GET', alias, () => this.redis.get(redisKey));
    await this.count(alias, value === null ? 0 : 1, value === null ? 1 : 0);
    return value;
  }

  /** Stores the value with a TTL in seconds (default: the cache's defaultTtlSeconds). */
  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    const alias = requireTenant();
    const redisKey = tenantKey(this.prefix, alias, key);
    const ttl = ttlSeconds === undefined ? this.defaultTtlMs : ttlMs(ttlSeconds);
    await this.command('SET', alias, () => this.redis.set(redisKey, checkValue(value), 'PX', ttl));
  }

  /** Returns the values in the order of the keys, null for each missing one. Counts each as a hit or a miss. */
  async getMany(keys: readonly string[]): Promise<Array<string | null>> {
    const alias = requireTenant();
    if (keys.length === 0) {
      return [];
    }

    const redisKeys = keys.map((key) => tenantKey(this.prefix, alias, key));
    const values = await this.command('MGET', alias, () => this.redis.mget(redisKeys));
    const hits = values.filter((value) => value !== null).length;
    await this.count(alias, hits, values.length - hits);
    return values;
  }

  /** Stores all entries in one MULTI transaction, each with the same TTL in seconds. */
  async setMany(entries: Iterable<readonly [string, string]> | Readonly<Record<string, string>>, ttlSeconds?: number): Promise<void> {
    const alias = requireTenant();
    const list = Symbol.iterator in entries ? [...(entries as Iterable<readonly [string, string]>)] : Object.entries(entries);
    if (list.length === 0) {
      return;
    }

    const ttl = ttlSeconds === undefined ? this.defaultTtlMs : ttlMs(ttlSeconds);
    const transaction = this.redis.multi();
    for (const [key, value] of list) {
      transaction.set(tenantKey(this.prefix, alias, key), checkValue(value), 'PX', ttl);
    }

    const results = await this.command('MULTI/SET', alias, () => transaction.exec());
    const failed = results?.find(([error]) => error !== null)?.[0];
    if (results === null || failed !== undefined) {
      throw new CacheServiceError(`Redis cache command SET failed for tenant "${alias}": ${failed === undefined ? 'the transaction was aborted' : errorMessage(failed)}`);
    }
  }

  /** Deletes the keys of the current tenant and returns how many existed. */
  async delete(...keys: string[]): Promise<number> {
    const alias = requireTenant();
    if (keys.length === 0) {
      return 0;
    }

    const redisKeys = keys.map((key) => tenantKey(this.prefix, alias, key));
    return this.command('UNLINK', alias, () => this.redis.unlink(...redisKeys));
  }

  /**
   * Removes every key of the current tenant and returns how many were removed. It walks the tenant's
   * prefix with SCAN and deletes with UNLINK, batchSize keys at a time, so no single command has to
   * cover a large tenant at once. Keys written while it runs may survive, because SCAN only guarantees keys that
   * exist for the whole scan.
   */
  async clearTenant(): Promise<number> {
    const alias = requireTenant();
    const ownPrefix = tenantKeyPrefix(this.prefix, alias);
    const pattern = `${escapeGlob(ownPrefix)}*`;
    let removed = 0;
    let cursor = '0';

    do {
      const [next, found] = await this.command('SCAN', alias, () => this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', this.batchSize));
      cursor = next;

      // The pattern already selects the prefix; the check keeps a pattern bug from deleting other tenants' keys.
      const own = found.filter((key) => key.startsWith(ownPrefix));
      for (let start = 0; start < own.length; start += this.batchSize) {
        const batch = own.slice(start, start + this.batchSize);
        removed += await this.command('UNLINK', alias, () => this.redis.unlink(...batch));
      }
    } while (cursor !== '0');

    return removed;
  }

  /** Returns the counters of this process for the tenant (default: the current tenant). */
  stats(alias: string = requireTenant()): CacheCounters {
    const counters = this.counters.get(alias);
    return { hits: counters?.hits ?? 0, misses: counters?.misses ?? 0 };
  }

  /** Returns the counters of this process for every tenant it served. */
  allStats(): Map<string, CacheCounters> {
    return new Map([...this.counters].map(([alias, counters]) => [alias, { ...counters }]));
  }

  private async count(alias: string, hits: number, misses: number): Promise<void> {
    const counters = this.counters.get(alias) ?? { hits: 0, misses: 0 };
    counters.hits += hits;
    counters.misses += misses;
    this.counters.set(alias, counters);

    // The shared hash lets `tenantctl cache stats` and other processes read totals of all processes.
    const transaction = this.redis.multi();
    if (hits > 0) transaction.hincrby(statsKey(this.prefix), `${alias}:hits`, hits);
    if (misses > 0) transaction.hincrby(statsKey(this.prefix), `${alias}:misses`, misses);
    await this.command('HINCRBY', alias, () => transaction.exec());
  }

  private async command<T>(name: string, alias: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new CacheServiceError(`Redis cache command ${name} failed for tenant "${alias}": ${errorMessage(error)}; check that Redis is running and redis.url (REDIS_URL) points to it`, { cause: error });
    }
  }
}

/** Stored counters and key count of one tenant, as `tenantctl cache stats` reports them. */
export interface TenantCacheStats extends CacheCounters {
  alias: string;
  /** Keys counted with SCAN; an estimate while keys change, because SCAN may return a key twice or miss a new one. */
  keys: number;
}

/**
 * Reads the hit and miss totals that every TenantCache with this prefix stored in Redis, and counts
 * each tenant's keys with SCAN. Throws CacheServiceError when Redis fails.
 */
export async function readCacheStats(redis: Redis, aliases: readonly string[], options: { prefix?: string; batchSize?: number } = {}): Promise<TenantCacheStats[]> {
  const prefix = checkPrefix(options.prefix ?? DEFAULT_CACHE_PREFIX);
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 500));
  for (const alias of aliases) {
    checkAlias(alias);
  }

  try {
    const stored = await redis.hgetall(statsKey(prefix));
    const result: TenantCacheStats[] = [];
    for (const alias of aliases) {
      result.push({
        alias,
        keys: await countKeys(redis, tenantKeyPrefix(prefix, alias), batchSize),
        hits: Number(stored[`${alias}:hits`] ?? 0),
        misses: Number(stored[`${alias}:misses`] ?? 0),
      });
    }

    return result;
  } catch (error) {
    throw new CacheServiceError(`reading cache statistics from Redis failed: ${errorMessage(error)}; check that Redis is running and redis.url (REDIS_URL) points to it`, { cause: error });
  }
}

async function countKeys(redis: Redis, ownPrefix: string, batchSize: number): Promise<number> {
  const pattern = `${escapeGlob(ownPrefix)}*`;
  let count = 0;
  let cursor = '0';

  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', batchSize);
    cursor = next;
    count += found.filter((key) => key.startsWith(ownPrefix)).length;
  } while (cursor !== '0');

  return count;
}

function checkPrefix(prefix: string): string {
  if (typeof prefix !== 'string' || prefix === '' || prefix.length > 200 || !/^[\x21-\x7e]+$/.test(prefix)) {
    throw new TypeError(`cache prefix ${JSON.stringify(String(prefix).slice(0, 80))} is invalid; use 1 to 200 printable ASCII characters without spaces, as "tenant:"`);
  }

  return prefix;
}

function ttlMs(seconds: number): number {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new TypeError(`cache TTL ${String(seconds)} is invalid; give a number of seconds greater than 0`);
  }

  return Math.max(1, Math.ceil(seconds * 1000));
}

function checkValue(value: string): string {
  if (typeof value !== 'string') {
    throw new TypeError(`a cache value must be a string, got ${typeof value}; serialize objects with JSON.stringify`);
  }

  return value;
}
