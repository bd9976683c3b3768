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

  // Without a listener ioredis prints every connection error. The last one is kept because
  // connect() itself rejects only with "Connection is closed.", which gives no reason.
  let lastError: unknown;
  client.on('error', (error: unknown) => {
    lastError = error;
  });

  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    const reason = lastError ?? error;
    throw new LockServiceError(`Redis at ${url.display} ${describeRedisFailure(reason)}`, { cause: reason });
  }

  return client;
}

/** Plain wording for the socket error codes that a failed Redis connection reports. */
const SOCKET_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** Builds the rest of the message after "Redis at URL": what failed and what to do next. */
function describeRedisFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const text = errorMessage(error).replace(/\.+$/, '');

  // Redis replies with an error that starts with its code, such as "NOAUTH Authentication required."
  if (/^(NOAUTH|WRONGPASS)\b/.test(text)) {
    return `rejected the login: ${text}; set the user and password in redis.url (REDIS_URL)`;
  }

  const reason = code !== undefined && SOCKET_ERRORS[code] !== undefined ? `${SOCKET_ERRORS[code]} (${code})` : text;
  return `is unreachable: ${reason}; start Redis or fix redis.url (REDIS_URL)`;
}

/** Closes the client, waiting for replies already in flight, and never throws. */
export async function closeRedis(client: Redis): Promise<void> {
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
