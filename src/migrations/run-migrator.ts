import { Kysely, type Migration, type MigrationResultSet, Migrator } from 'kysely';

import type { TenantStatus, ErrorInfo } from '../audit/audit-events.js';
import { InterruptedError, LockLostError } from '../errors.js';
import type { TenantLockHandle } from '../locks/tenant-lock.js';
import { describeError, isUnavailableError } from './describe-error.js';
import type { TenantRunOptions } from './migrate-tenant.js';
import type { createTenantPool } from './pg-pool.js';
import { transactionDialect } from './tenant-transaction.js';

export interface MigratorRun {
  status: TenantStatus;
  applied: string[];
  error?: ErrorInfo;
}

/**
 * Runs Kysely's Migrator for one locked tenant inside one transaction that tenantctl opens, and
 * commits only when every step succeeded and Redis confirms the lock is still this runner's.
 */
export async function runMigrator(options: TenantRunOptions, pool: ReturnType<typeof createTenantPool>, handle: TenantLockHandle): Promise<MigratorRun> {
  const tenant = options.target.alias;
  const durations = new Map<string, number>();
  let failure: { name: string; direction: 'up' | 'down'; durationMs: number } | undefined;

  // Each step checks the lock and the stop signal before it starts, and confirms the lock with Redis
  // after it ends: after an event loop stall the heartbeat has not run yet, and only Redis can tell
  // whether the next step may start.
  const step = async (name: string, direction: 'up' | 'down', body: () => Promise<void>): Promise<void> => {
    if (handle.lost) {
      throw new LockLostError(tenant, handle.lossMessage ?? 'lock lost');
    }

    if (options.signal.aborted) {
      throw new InterruptedError(String(options.signal.reason ?? 'a signal'));
    }

    options.bus.emit({ event: 'migration.started', tenant, migration: name, direction });
    const stepStarted = Date.now();
    try {
      await body();
    } catch (error) {
      failure = { name, direction, durationMs: Date.now() - stepStarted };
      throw error;
    }

    durations.set(name, Date.now() - stepStarted);
    if (!(await handle.renew())) {
      throw new LockLostError(tenant, handle.lossMessage ?? 'lock lost');
    }
  };

  const wrapped: Record<string, Migration> = {};
  for (const migration of options.migrations.migrations) {
    const { down } = migration;
    wrapped[migration.name] = {
      up: (db) => step(migration.name, 'up', () => migration.up(db)),
      ...(down === undefined ? {} : { down: (db: Kysely<any>) => step(migration.name, 'down', () => down(db)) }),
    };
  }

  // One transaction on one connection holds everything the Migrator writes, its bookkeeping tables
  // included, so a failure or a lost lock leaves the tenant exactly as it was.
  const client = await pool.connect();
  let broken = false;
  let resultSet: MigrationResultSet;
  try {
    await client.query('begin');
    const db = new Kysely<unknown>({ dialect: transactionDialect(client) });
    const migrator = new Migrator({ db, provider: { getMigrations: async () => wrapped }, disableTransactions: true });
    resultSet = options.to === undefined ? await migrator.migrateToLatest() : await migrator.migrateTo(options.to);

    // The last step confirmed the lock, but a heartbeat may have found it lost since.
    if (resultSet.error === undefined && handle.lost) {
      resultSet = { ...resultSet, error: new LockLostError(tenant, handle.lossMessage ?? 'lock lost') };
    }

    // A stop requested while the last step ran rolls the tenant back too: nothing commits after Ctrl-C.
    if (resultSet.error === undefined && options.signal.aborted) {
      resultSet = { ...resultSet, error: new InterruptedError(String(options.signal.reason ?? 'a signal')) };
    }

    if (resultSet.error === undefined) {
      try {
        await client.query('commit');
      } catch (error) {
        // A deferred constraint fails only at commit; the server has rolled the transaction back.
        resultSet = { error, results: [] };
      }
    } else {
      await client.query('rollback');
    }
  } catch (error) {
    broken = true;
    throw error;
  } finally {
    client.release(broken);
  }

  if (resultSet.error === undefined) {
    const applied: string[] = [];
    for (const result of resultSet.results ?? []) {
      if (result.status === 'Success') {
        applied.push(result.migrationName);
        const direction = result.direction === 'Down' ? 'down' : 'up';
        options.bus.emit({ event: 'migration.applied', tenant, migration: result.migrationName, direction, durationMs: durations.get(result.migrationName) ?? 0 });
      }
    }

    if (applied.length === 0) {
      return { status: 'up-to-date', applied };
    }

    const reverted = resultSet.results?.some((result) => result.direction === 'Down') === true;
    return { status: reverted ? 'reverted' : 'applied', applied };
  }

  const error = resultSet.error;
  if (error instanceof LockLostError) {
    return { status: 'lock-lost', applied: [], error: describeError(error, 'LOCK_LOST') };
  }

  if (error instanceof InterruptedError) {
    return { status: 'skipped', applied: [], error: { code: 'INTERRUPTED', message: 'stopped by a signal; the transaction was rolled back' } };
  }

  const info = describeError(error, isUnavailableError(error) ? 'DATABASE_UNAVAILABLE' : 'MIGRATION_FAILED', failure?.name);
  if (failure !== undefined) {
    options.bus.emit({ event: 'migration.failed', tenant, migration: failure.name, direction: failure.direction, durationMs: failure.durationMs, error: info });
    info.message = `${failure.name}: ${info.message}; the transaction was rolled back`;
  }

  return { status: 'failed', applied: [], error: info };
}
