import { hostname } from 'node:os';

import type { Redis } from 'ioredis';

import type { EventListener, TenantStatus } from '../audit/audit-events.js';
import { AuditLog } from '../audit/audit-log.js';
import { resolveCorrelationId } from '../audit/correlation-id.js';
import { EventBus } from '../audit/event-bus.js';
import type { ResolvedConfig } from '../config/resolved-config.js';
import { redactValue } from '../config/secret-registry.js';
import { ConfigError, GuardError, type GuardRejection, TenantctlError, UsageError } from '../errors.js';
import type { RunOutcome } from '../exit-codes.js';
import { resolveMigrationTargets, type TargetSelection } from '../guard/resolve-targets.js';
import { closeRedis, connectRedis } from '../locks/redis-client.js';
import { TenantLocks } from '../locks/tenant-lock.js';
import { loadMigrations } from '../migrations/load-migrations.js';
import { migrateTenant, type TenantResult } from '../migrations/migrate-tenant.js';
import { runBounded } from '../runner/run-bounded.js';
import { toolVersion } from '../version.js';
import { countStatuses, judgeRun } from './run-outcome.js';

export interface MigrateOptions {
  selection: TargetSelection;
  /** Migrate up or down to this migration name instead of to the latest. */
  to?: string;
  /** How long to wait for a busy tenant's lock before reporting it busy; 0 means no wait. */
  lockWaitMs?: number;
  /** Start no new tenant after the first failure. */
  failFast?: boolean;
  correlationId?: string;
  /** Abort to stop starting tenants. Running tenants roll back, at their next step or before their commit. */
  signal?: AbortSignal;
  onEvent?: EventListener;
  /** A Redis client to use instead of connecting to redis.url; the caller keeps ownership. */
  redis?: Redis;
}

export interface MigrateResult {
  command: 'migrate';
  correlationId: string;
  startedAt: string;
  durationMs: number;
  outcome: RunOutcome;
  /** The signal that stopped the run, if any. */
  interruptedBy?: string;
  counts: Partial<Record<TenantStatus, number>>;
  tenants: TenantResult[];
  auditLog?: string;
}

/**
 * Migrates the selected tenants. Order of checks, each before anything it protects: the guard
 * (no connection yet), the migrations folder, Redis (fail closed), then per tenant a cheap pending
 * check, the lock, and the migration. Returns a result per tenant; throws GuardError, ConfigError,
 * MigrationLoadError, UsageError or LockServiceError when nothing could run. Never prints or exits.
 */
export async function migrate(config: ResolvedConfig, options: MigrateOptions): Promise<MigrateResult> {
  const correlationId = resolveCorrelationId(options.correlationId);
  const started = Date.now();
  const audit = config.auditLog === undefined ? undefined : openAuditLog(config);
  const passwords = [...config.databases.values()].map((url) => url.revealPassword());
  const bus = new EventBus(correlationId, [audit === undefined ? undefined : (event) => audit.write(event), options.onEvent], passwords);
  const signal = options.signal ?? new AbortController().signal;
  let redis: Redis | undefined;

  try {
    if (config.databases.size === 0) {
      throw new ConfigError([{ key: 'databases', source: config.sources.get('databases') ?? 'default', message: 'no databases are configured; set databases in the config file or TENANT_DATABASES' }]);
    }

    const guard = resolveMigrationTargets(config, options.selection);
    if (guard.rejections.length > 0) {
      rejectAll(bus, guard.rejections, started);
      throw new GuardError(guard.rejections);
    }

    const migrations = await loadMigrations(config.migrationsDir);
    if (options.to !== undefined && !migrations.migrations.some((migration) => migration.name === options.to)) {
      throw new UsageError(`--to "${options.to}" names no migration in ${config.migrationsDir}; run \`tenantctl status\` to list them`);
    }

    for (const target of guard.targets) {
      bus.emit({ event: 'guard.allowed', tenant: target.alias, input: target.input });
    }

    redis = options.redis ?? (await connectRedis(config.redis.url, config.redis));
    const locks = new TenantLocks(redis, config.lock, { host: hostname(), pid: process.pid, correlationId, command: 'migrate' });

    bus.emit({
      event: 'run.started',
      command: 'migrate',
      targets: guard.targets.length,
      concurrency: config.concurrency,
      migrations: migrations.migrations.length,
      host: hostname(),
      pid: process.pid,
      version: toolVersion(),
    });

    let stopReason: 'failure' | 'lock-service' | undefined;
    let running = 0;
    const onAbort = (): void => {
      bus.emit({ event: 'run.aborted', signal: String(signal.reason ?? 'signal'), running });
    };
    if (signal.aborted) {
      onAbort();
    } else {
      signal.addEventListener('abort', onAbort, { once: true });
    }

    const tenants = await runBounded(
      guard.targets,
      config.concurrency,
      async (target) => {
        running += 1;
        const result = await migrateTenant({
          target,
          migrations,
          locks,
          bus,
          pool: { ...config.postgres, applicationName: `tenantctl:${correlationId}` },
          lockWaitMs: options.lockWaitMs ?? 0,
          signal,
          ...(options.to === undefined ? {} : { to: options.to }),
        }).finally(() => {
          running -= 1;
        });

        if (result.error?.code === 'LOCK_SERVICE_UNAVAILABLE') {
          stopReason = 'lock-service';
        } else if (options.failFast === true && (result.status === 'failed' || result.status === 'lock-lost')) {
          stopReason ??= 'failure';
        }

        return result;
      },
      {
        shouldStop: () => signal.aborted || stopReason !== undefined,
        skip: (target) => skipTenant(bus, target.alias, skipReason(signal.aborted, stopReason)),
      },
    );

    signal.removeEventListener('abort', onAbort);
    const interruptedBy = signal.aborted ? String(signal.reason ?? 'signal') : undefined;

    const outcome = judgeRun(tenants, interruptedBy);
    const counts = countStatuses(tenants);
    const durationMs = Date.now() - started;
    bus.emit({ event: 'run.finished', command: 'migrate', durationMs, counts, outcome });

    // Error messages of migrations are the users' own text and may quote a connection URL.
    return redactValue({
      command: 'migrate',
      correlationId,
      startedAt: new Date(started).toISOString(),
      durationMs,
      outcome,
      ...(interruptedBy === undefined ? {} : { interruptedBy }),
      counts,
      tenants,
      ...(audit === undefined ? {} : { auditLog: audit.path }),
    } satisfies MigrateResult);
  } catch (error) {
    if (error instanceof TenantctlError && !(error instanceof GuardError)) {
      bus.emit({ event: 'run.finished', command: 'migrate', durationMs: Date.now() - started, counts: {}, outcome: error.code, error: { code: error.code, message: error.message } });
    }

    throw error;
  } finally {
    if (redis !== undefined && options.redis === undefined) {
      await closeRedis(redis);
    }

    audit?.close();
  }
}

function openAuditLog(config: ResolvedConfig): AuditLog | undefined {
  const path = config.auditLog as string;
  try {
    return AuditLog.open(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    const fix = code === 'ENOENT' ? 'create its folder first' : 'fix the path or its permissions';
    throw new ConfigError([{ key: 'auditLog', source: config.sources.get('auditLog') ?? 'default', message: `cannot open ${path} for appending (${code}); ${fix}` }]);
  }
}

function rejectAll(bus: EventBus, rejections: readonly GuardRejection[], started: number): void {
  for (const rejection of rejections) {
    bus.emit({
      event: 'guard.rejected',
      input: rejection.input,
      reason: rejection.reason,
      message: rejection.message,
      ...(rejection.alias === undefined ? {} : { tenant: rejection.alias }),
    });
  }

  bus.emit({ event: 'run.finished', command: 'migrate', durationMs: Date.now() - started, counts: { rejected: rejections.length }, outcome: 'guard-rejected' });
}

function skipReason(aborted: boolean, stopReason: 'failure' | 'lock-service' | undefined): string {
  if (aborted) {
    return 'the run was stopped by a signal';
  }

  return stopReason === 'lock-service' ? 'Redis failed, so no lock can be taken' : '--fail-fast: an earlier tenant failed';
}

function skipTenant(bus: EventBus, tenant: string, reason: string): TenantResult {
  const error = { code: 'SKIPPED', message: `not started: ${reason}` };
  bus.emit({ event: 'tenant.finished', tenant, status: 'skipped', applied: [], durationMs: 0, error });
  return { tenant, status: 'skipped', applied: [], durationMs: 0, error };
}
