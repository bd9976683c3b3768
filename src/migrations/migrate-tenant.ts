import type { ErrorInfo, TenantStatus } from '../audit/audit-events.js';
import type { EventBus } from '../audit/event-bus.js';
import { errorMessage } from '../errors.js';
import type { MigrationTarget } from '../guard/resolve-targets.js';
import type { LockRecord } from '../locks/lock-record.js';
import type { TenantLockHandle, TenantLocks } from '../locks/tenant-lock.js';
import { describeError, describeUnavailableError, isUnavailableError } from './describe-error.js';
import type { MigrationSet } from './load-migrations.js';
import { planMigrations, readMigrationState } from './migration-state.js';
import { cancelRunningStatement, createTenantPool, destroyPool, type PoolSettings } from './pg-pool.js';

/** The outcome of one tenant in a migrate run. */
export interface TenantResult {
  tenant: string;
  status: TenantStatus;
  /**
   * Direction of the planned migrations: `down` for a `--to` below the applied ones. Missing when
   * nothing was planned (up to date, invalid state, or the state was never read).
   */
  direction?: 'up' | 'down';
  /** Migrations committed on this tenant by this run, in order, whether applied or reverted. */
  applied: string[];
  durationMs: number;
  error?: ErrorInfo;
  /** The other holder, when the tenant was busy. Its token is left out: it is the capability to release. */
  holder?: Omit<LockRecord, 'token'>;
}

export interface TenantRunOptions {
  target: MigrationTarget;
  migrations: MigrationSet;
  locks: TenantLocks;
  bus: EventBus;
  pool: PoolSettings;
  lockWaitMs: number;
  /** Aborted on SIGINT or SIGTERM: no new migration starts, and the running transaction rolls back. */
  signal: AbortSignal;
  to?: string;
}

/**
 * Migrates one tenant: one cheap read decides whether anything is pending, and only then is the
 * Redis lock taken and Kysely's Migrator run in one transaction. The pool is destroyed and the lock
 * released in `finally`, whatever happens.
 */
export async function migrateTenant(options: TenantRunOptions): Promise<TenantResult> {
  const started = Date.now();
  const tenant = options.target.alias;
  const pool = createTenantPool(options.target.url, options.pool);
  let direction: 'up' | 'down' | undefined;

  const finish = (status: TenantStatus, applied: string[], error?: ErrorInfo, holder?: LockRecord): TenantResult => {
    const result: TenantResult = { tenant, status, ...(direction === undefined ? {} : { direction }), applied, durationMs: Date.now() - started };
    if (error !== undefined) result.error = error;
    if (holder !== undefined) {
      const { token: _token, ...visible } = holder;
      result.holder = visible;
    }
    options.bus.emit({ event: 'tenant.finished', tenant, status, applied, durationMs: result.durationMs, ...(error === undefined ? {} : { error }) });
    return result;
  };

  try {
    const state = await readMigrationState(pool);
    const plan = planMigrations(state, options.migrations.migrations, options.to);
    if (plan.kind === 'invalid') {
      return finish('failed', [], { code: 'MIGRATION_STATE_INVALID', message: plan.message });
    }

    if (plan.kind === 'none') {
      return finish('up-to-date', []);
    }

    direction = plan.kind;

    if (options.signal.aborted) {
      return finish('skipped', [], { code: 'INTERRUPTED', message: 'not started: the run was stopped' });
    }

    const outcome = await options.locks.acquire(tenant, { waitMs: options.lockWaitMs, signal: options.signal });
    if (outcome.status === 'busy') {
      const { record } = outcome;
      options.bus.emit({ event: 'lock.busy', tenant, holder: record.holder, heartbeatAgeMs: record.heartbeatAgeMs, waitedMs: outcome.waitedMs });
      const holder = `${record.holder.host}:${record.holder.pid} (correlation ${record.holder.correlationId}, last heartbeat ${Math.round(record.heartbeatAgeMs / 1000)}s ago)`;
      const message = `locked by ${holder}; retry later, or pass --lock-wait SECONDS; \`tenantctl locks\` shows the holder`;
      return finish('busy', [], { code: 'LOCK_BUSY', message }, record);
    }

    if (outcome.takenOver !== undefined) {
      options.bus.emit({ event: 'lock.taken-over', tenant, previousHolder: outcome.takenOver.holder, heartbeatAgeMs: outcome.takenOver.heartbeatAgeMs });
    }

    options.bus.emit({ event: 'lock.acquired', tenant, key: outcome.handle.key });
    return await runLocked(options, pool, outcome.handle, plan, finish);
  } catch (error) {
    const info = isUnavailableError(error) ? describeUnavailableError(error, tenant) : describeError(error, 'MIGRATION_FAILED');
    return finish('failed', [], info);
  } finally {
    await destroyPool(pool);
  }
}

type Finish = (status: TenantStatus, applied: string[], error?: ErrorInfo) => TenantResult;

async function runLocked(
  options: TenantRunOptions,
  pool: ReturnType<typeof createTenantPool>,
  handle: TenantLockHandle,
  plan: { kind: 'up' | 'down'; names: string[] },
  finish: Finish,
): Promise<TenantResult> {
  const tenant = options.target.alias;
  let lossReported = false;
  let cancelling: Promise<void> | undefined;
  const reportLoss = (): void => {
    if (!lossReported) {
      lossReported = true;
      options.bus.emit({ event: 'lock.lost', tenant, reason: handle.lossMessage ?? 'lock lost' });
    }
  };

  // A loss seen by the heartbeat may come in the middle of a long statement: cancel it, so that
  // nothing keeps running on the tenant once another runner may own it.
  handle.startHeartbeat(() => {
    reportLoss();
    cancelling = cancelRunningStatement(pool, options.target.url, options.pool);
  });
  try {
    options.bus.emit({ event: 'tenant.started', tenant, direction: plan.kind, pending: plan.names.length });
    // Loaded here, not at the top: a run whose tenants are all up to date never needs kysely.
    const { runMigrator } = await import('./run-migrator.js');
    const run = await runMigrator(options, pool, handle);
    if (handle.lost) {
      reportLoss();
      // A renewal that Redis failed is a Redis outage (exit code 5), not a lock that another runner took.
      const code = handle.lossReason === 'renewal-failed' ? 'LOCK_SERVICE_UNAVAILABLE' : 'LOCK_LOST';
      return finish('lock-lost', [], { code, message: `${handle.lossMessage ?? 'lock lost'}; the tenant's transaction was rolled back` });
    }

    return finish(run.status, run.applied, run.error);
  } finally {
    await cancelling;
    await releaseLock(options, handle);
  }
}

async function releaseLock(options: TenantRunOptions, handle: TenantLockHandle): Promise<void> {
  const tenant = options.target.alias;
  try {
    const released = await handle.release();
    if (released === 'released') {
      options.bus.emit({ event: 'lock.released', tenant, heldMs: Date.now() - handle.localAcquiredAt });
    } else {
      options.bus.emit({ event: 'lock.release-skipped', tenant, reason: 'the lock no longer holds this runner\'s token, so it was left alone' });
    }
  } catch (error) {
    // Redis is unreachable: the lock expires with its lease or is recovered as stale.
    options.bus.emit({ event: 'lock.release-skipped', tenant, reason: `release failed: ${errorMessage(error)}; the lock expires with its lease` });
  }
}
