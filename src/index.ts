/**
 * The library API of tenantctl: the same functions the CLI calls, for Node applications and scripts.
 */
export { loadConfig, type LoadConfigOptions } from './config/load-config.js';
export type { ResolvedConfig } from './config/resolved-config.js';
export { PostgresUrl, RedisUrl } from './config/connection-url.js';
export { Env, DEFAULT_CONFIG_FILE } from './config/env-names.js';
export { normalizeHost, normalizeHostPattern, type HostPattern } from './hosts/normalize-host.js';
export { TenantResolver, DEFAULT_TENANT_ALIAS, type TenantResolution, type TenantResolverOptions } from './hosts/resolve-tenant.js';
export { SecurityLog, type SecurityLogOptions, type SecurityRecord, type SecuritySink, type HostRejectionReason } from './hosts/security-log.js';
export { currentTenant, requireTenant, runWithTenant } from './context/tenant-context.js';
export { tenantMiddleware, type TenantMiddleware, type TenantMiddlewareOptions, type NextFunction } from './middleware/tenant-middleware.js';
export { TenantDatabases, type TenantDatabasesOptions } from './db/tenant-db.js';
export { TenantCache, readCacheStats, type TenantCacheOptions, type CacheCounters, type TenantCacheStats } from './cache/tenant-cache.js';
export { DEFAULT_CACHE_PREFIX } from './cache/cache-keys.js';
export { connectCacheRedis } from './cache/cache-redis.js';
export { validateStartup, type ValidateStartupOptions, type StartupReport } from './app/validate-startup.js';
export { resolveMigrationTargets, type MigrationTarget, type TargetSelection } from './guard/resolve-targets.js';
export { migrate, type MigrateOptions, type MigrateResult } from './commands/migrate.js';
export { status, type StatusOptions, type StatusResult, type TenantState, type TenantProblem, type StatusGroup } from './commands/status.js';
export { validateConfig, judgeValidation, type ValidateConfigOptions, type ValidationReport, type CheckResult, type CheckId, type CheckStatus } from './commands/validate-config.js';
export { listLocks, clearStaleLocks, releaseLock, type LockEntry, type ListLocksResult, type ClearStaleResult, type ReleaseResult } from './commands/locks.js';
export type { LockState } from './locks/lock-state.js';
export type { TenantResult } from './migrations/migrate-tenant.js';
export type { AuditEvent, AuditEventName, ErrorInfo, LockHolder, Operator, TenantStatus } from './audit/audit-events.js';
export { ExitCode, exitCodeForError, exitCodeForOutcome, type RunOutcome } from './exit-codes.js';
export {
  TenantctlError,
  UsageError,
  ConfigError,
  MigrationLoadError,
  GuardError,
  LockServiceError,
  LockLostError,
  InterruptedError,
  TenantContextError,
  TenantAliasError,
  CacheServiceError,
  type ErrorCode,
  type ConfigIssue,
  type GuardRejection,
} from './errors.js';
