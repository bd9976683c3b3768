/**
 * The library API of tenantctl: the same functions the CLI calls, for Node applications and scripts.
 */
export { loadConfig, type LoadConfigOptions } from './config/load-config.js';
export type { ResolvedConfig } from './config/resolved-config.js';
export { PostgresUrl, RedisUrl } from './config/connection-url.js';
export { Env, DEFAULT_CONFIG_FILE } from './config/env-names.js';
export { normalizeHost } from './hosts/normalize-host.js';
export { resolveMigrationTargets, type MigrationTarget, type TargetSelection } from './guard/resolve-targets.js';
export { migrate, type MigrateOptions, type MigrateResult } from './commands/migrate.js';
export type { TenantResult } from './migrations/migrate-tenant.js';
export type { AuditEvent, AuditEventName, ErrorInfo, LockHolder, TenantStatus } from './audit/audit-events.js';
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
  type ErrorCode,
  type ConfigIssue,
  type GuardRejection,
} from './errors.js';
