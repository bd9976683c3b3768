import type { Redis } from 'ioredis';

import type { RedisUrl } from '../config/connection-url.js';
import { LockServiceError, errorMessage } from '../errors.js';

export interface RedisClientOptions {
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

/**
 * Connects to Redis and checks it with PING. Commands fail fast instead of queueing while the
 * connection is down, so a lock operation can never wait on a dead server: the caller fails closed.
 */
export async function connectRedis(url: RedisUrl, options: RedisClientOptions): Promise<Redis> {
  // Imported here so that commands which never reach Redis do not pay for loading ioredis.
  const { Redis } = await import('ioredis');
  const client = new Redis(url.reveal(), {
    lazyConnect: true,
    connectionName: 'tenantctl',
    connectTimeout: options.connectTimeoutMs,
    commandTimeout: options.commandTimeoutMs,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    // A few quick reconnects ride out a blip; after that every command fails, and so do renewals.
    retryStrategy: (attempt) => (attempt > 3 ? null : Math.min(attempt * 100, 500)),
  });

  // Without a listener ioredis prints every connection error; the callers report failures themselves.
  client.on('error', () => undefined);

  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw new LockServiceError(`Redis at ${url.display} is unreachable: ${errorMessage(error)}; start Redis or fix redis.url (REDIS_URL)`, { cause: error });
  }

  return client;
}

/** Closes the client, waiting for replies already in flight, and never throws. */
export async function closeRedis(client: Redis): Promise<void> {
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
