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
  const pool = new pg.Pool({
    ...url.toPgFields(),
    max: 1,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    idleTimeoutMillis: 0,
    application_name: settings.applicationName.slice(0, 63),
    options: `-c lock_timeout=${Math.round(settings.lockTimeoutMs)} -c statement_timeout=${Math.round(settings.statementTimeoutMs)}`,
  });

  // An idle client that loses its server emits 'error' on the pool; the next query reports it instead.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    // pg sets processID from the server's BackendKeyData; @types/pg does not declare it.
    const pid = (client as unknown as { processID?: unknown }).processID;
    if (typeof pid === 'number') {
      backendPids.set(pool, pid);
    }
  });
  return pool;
}

/** Server process ID of each pool's one connection, for cancelling its running statement. */
const backendPids = new WeakMap<pg.Pool, number>();

/**
 * Cancels the statement that the pool's connection is running (pg_cancel_backend, sent from a
 * second short-lived connection), so that work stops as soon as its tenant lock is lost instead
 * of when the statement ends. The cancelled statement fails with SQLSTATE 57014 and its
 * transaction rolls back. Best effort, and never throws: if the second connection fails, the
 * statement still cannot commit, because the next lock check fails.
 */
export async function cancelRunningStatement(pool: pg.Pool, url: PostgresUrl, settings: PoolSettings): Promise<void> {
  const pid = backendPids.get(pool);
  if (pid === undefined) {
    return;
  }

  const client = new pg.Client({
    ...url.toPgFields(),
    connectionTimeoutMillis: settings.connectTimeoutMs,
    application_name: settings.applicationName.slice(0, 63),
  });
  client.on('error', () => undefined);

  try {
    await client.connect();
    await client.query('select pg_cancel_backend($1)', [pid]);
  } catch {
    // See above: the lock check after the statement stops the transaction either way.
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Ends the pool and never throws, so it is safe in `finally`. */
export async function destroyPool(pool: pg.Pool): Promise<void> {
  try {
    await pool.end();
  } catch {
    // The pool is unusable either way; its sockets are closed by end().
  }
}
