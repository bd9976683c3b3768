/**
 * Typed errors of tenantctl. Each has a stable `code` that bin/tenantctl.js maps to an exit code,
 * a `cause` where one exists, and context fields that renderers and audit records can show.
 * Messages never contain a password or a full connection URL.
 */

export type ErrorCode =
  | 'USAGE_INVALID'
  | 'CONFIG_INVALID'
  | 'MIGRATIONS_INVALID'
  | 'GUARD_REJECTED'
  | 'LOCK_SERVICE_UNAVAILABLE'
  | 'LOCK_BUSY'
  | 'LOCK_LOST'
  | 'DATABASE_UNAVAILABLE'
  | 'MIGRATION_FAILED'
  | 'MIGRATION_STATE_INVALID'
  | 'INTERRUPTED'
  | 'TENANT_CONTEXT_MISSING'
  | 'TENANT_ALIAS_UNKNOWN'
  | 'CACHE_SERVICE_UNAVAILABLE'
  | 'INTERNAL';

export class TenantctlError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TenantctlError';
    this.code = code;
  }
}

/** A flag or argument that cannot be used as given. */
export class UsageError extends TenantctlError {
  constructor(message: string) {
    super('USAGE_INVALID', message);
    this.name = 'UsageError';
  }
}

/** One problem found while validating the configuration. */
export interface ConfigIssue {
  /** The setting key as the config file spells it, e.g. `databases.acme` or `concurrency`, also for a value from the environment. */
  key: string;
  /** The source of the value: a flag, an environment variable, the config file or a default. */
  source: string;
  message: string;
}

/** Every problem of a configuration, collected so that the user can fix them in one pass. */
export class ConfigError extends TenantctlError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const lines = issues.map((issue) => `  - ${issue.key} (${issue.source}): ${issue.message}`);
    super('CONFIG_INVALID', `Invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** One problem in the migrations folder. */
export interface MigrationFileIssue {
  file: string;
  message: string;
}

export class MigrationLoadError extends TenantctlError {
  readonly directory: string;
  readonly issues: readonly MigrationFileIssue[];

  constructor(directory: string, issues: readonly MigrationFileIssue[], options?: { cause?: unknown }) {
    const lines = issues.map((issue) => `  - ${issue.file}: ${issue.message}`);
    super('MIGRATIONS_INVALID', `Invalid migrations folder ${directory}:\n${lines.join('\n')}`, options);
    this.name = 'MigrationLoadError';
    this.directory = directory;
    this.issues = issues;
  }
}

export type GuardReason =
  | 'malformed-alias'
  | 'malformed-host'
  | 'unknown-alias'
  | 'unknown-host'
  | 'not-allowlisted';

/** One target that the migration guard rejected. The value is shown escaped and truncated. */
export interface GuardRejection {
  input: string;
  reason: GuardReason;
  alias?: string;
  message: string;
}

/** The guard rejected at least one target before any connection, for migrate and for read-only commands alike. */
export class GuardError extends TenantctlError {
  readonly rejections: readonly GuardRejection[];

  constructor(rejections: readonly GuardRejection[]) {
    const lines = rejections.map((rejection) => `  - ${rejection.message}`);
    super('GUARD_REJECTED', `Rejected before any connection; no database was touched:\n${lines.join('\n')}`);
    this.name = 'GuardError';
    this.rejections = rejections;
  }
}

/** Redis could not be reached or failed a command, so no lock can be trusted. */
export class LockServiceError extends TenantctlError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LOCK_SERVICE_UNAVAILABLE', message, options);
    this.name = 'LockServiceError';
  }
}

/** The lock of a tenant was lost while it migrated (lease expired, or another holder took it). */
export class LockLostError extends TenantctlError {
  readonly tenant: string;

  constructor(tenant: string, message: string, options?: { cause?: unknown }) {
    super('LOCK_LOST', message, options);
    this.name = 'LockLostError';
    this.tenant = tenant;
  }
}

/** The run was stopped by SIGINT or SIGTERM. */
export class InterruptedError extends TenantctlError {
  readonly signal: string;

  constructor(signal: string) {
    super('INTERRUPTED', `Stopped by ${signal} before the migration started`);
    this.name = 'InterruptedError';
    this.signal = signal;
  }
}

/** Tenant-scoped code ran outside a tenant context (no middleware or runWithTenant around it). */
export class TenantContextError extends TenantctlError {
  constructor(message: string) {
    super('TENANT_CONTEXT_MISSING', message);
    this.name = 'TenantContextError';
  }
}

/** An alias that is malformed or not in the database map was passed to tenant-scoped code. */
export class TenantAliasError extends TenantctlError {
  readonly alias: string;

  constructor(alias: string, message: string) {
    super('TENANT_ALIAS_UNKNOWN', message);
    this.name = 'TenantAliasError';
    this.alias = alias;
  }
}

/** Redis failed a cache command or could not be reached; the cache never serves stale or shared data instead. */
export class CacheServiceError extends TenantctlError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CACHE_SERVICE_UNAVAILABLE', message, options);
    this.name = 'CacheServiceError';
  }
}

/** Returns the message of any thrown value without assuming it is an Error. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }

  return String(error);
}
