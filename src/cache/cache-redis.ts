import type { Redis } from 'ioredis';

import type { ResolvedConfig } from '../config/resolved-config.js';
import { CacheServiceError, LockServiceError } from '../errors.js';
import { connectRedis } from '../locks/redis-client.js';

/**
 * Connects to the configured Redis for the tenant cache, with the same timeouts as the lock
 * service. An unreachable server throws CacheServiceError; the caller closes the client.
 */
export async function connectCacheRedis(config: Pick<ResolvedConfig, 'redis'>): Promise<Redis> {
  try {
    return await connectRedis(config.redis.url, { connectTimeoutMs: config.redis.connectTimeoutMs, commandTimeoutMs: config.redis.commandTimeoutMs });
  } catch (error) {
    if (error instanceof LockServiceError) {
      throw new CacheServiceError(error.message, { cause: error.cause });
    }

    throw error;
  }
}
