import pg from 'pg';

import type { PostgresUrl } from '../config/connection-url.js';

export interface PoolSettings {
  connectTimeoutMs: number;
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  /** Shown in pg_stat_activity; PostgreSQL keeps the first 63 bytes. */
  applicationName: string;
}

/**
 * Creates a one-connection pool for one tenant. One connection is enough because a tenant's
 * migrations run one after another in one transaction, and it caps open connections at the run's
 * concurrency. The session gets lock_timeout and statement_timeout so that no statement waits or
 * runs forever unnoticed.
 */
export function createTenantPool(url: PostgresUrl, settings: PoolSettings): pg.Pool {
  const fields = url.toPgFields();
  const pool = new pg.Pool({
    host: fields.host,
    port: fields.port,
    user: fields.user,
    password: fields.password,
    database: fields.database,
    ...(fields.ssl === undefined ? {} : { ssl: fields.ssl }),
    max: 1,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    idleTimeoutMillis: 0,
    application_name: settings.applicationName.slice(0, 63),
    options: `-c lock_timeout=${Math.round(settings.lockTimeoutMs)} -c statement_timeout=${Math.round(settings.statementTimeoutMs)}`,
  });

  // An idle client that loses its server emits 'error' on the pool; the next query reports it instead.
  pool.on('error', () => undefined);
  return pool;
}

/** Ends the pool and never throws, so it is safe in `finally`. */
export async function destroyPool(pool: pg.Pool): Promise<void> {
  try {
    await pool.end();
  } catch {
    // The pool is unusable either way; its sockets are closed by end().
  }
}
