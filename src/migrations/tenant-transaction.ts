import { type Kysely, PostgresAdapter, PostgresDialect, type PostgresPool, type PostgresPoolClient, sql } from 'kysely';
import type pg from 'pg';

/**
 * The advisory lock key of Kysely's PostgresAdapter (kysely 0.28). Taking the same key keeps a
 * Kysely Migrator run by the application itself out while tenantctl migrates the tenant.
 */
const KYSELY_MIGRATION_LOCK_ID = '3853314791062309107';

/**
 * Takes Kysely's migration lock for the transaction only. Kysely's own adapter takes a session lock
 * and sets lock_timeout to one hour for the rest of the transaction, which would override the
 * session's configured lock_timeout for every migration.
 */
class TransactionLockAdapter extends PostgresAdapter {
  override async acquireMigrationLock(db: Kysely<any>): Promise<void> {
    await sql`select pg_advisory_xact_lock(${sql.raw(KYSELY_MIGRATION_LOCK_ID)})`.execute(db);
  }

  override async releaseMigrationLock(): Promise<void> {
    // The transaction's end releases the lock.
  }
}

class TransactionDialect extends PostgresDialect {
  override createAdapter(): TransactionLockAdapter {
    return new TransactionLockAdapter();
  }
}

/**
 * Returns a Kysely dialect that runs every query on one client, on which the caller has opened a
 * transaction. Kysely's Migrator, run with `disableTransactions`, then creates its bookkeeping
 * tables inside that transaction too, so a rollback leaves a fresh tenant without them.
 */
export function transactionDialect(client: pg.PoolClient): PostgresDialect {
  const shared: PostgresPoolClient = {
    query: client.query.bind(client) as PostgresPoolClient['query'],
    release: () => undefined,
  };
  const pool: PostgresPool = {
    connect: async () => shared,
    end: async () => undefined,
  };

  return new TransactionDialect({ pool });
}
