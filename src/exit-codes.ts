import type { ErrorCode } from './errors.js';

/**
 * The documented exit codes. bin/tenantctl.js is the only caller that turns them into a process
 * exit status; README.md and `tenantctl --help` list the same table.
 */
export const ExitCode = {
  OK: 0,
  TENANT_FAILED: 1,
  USAGE: 2,
  CONFIG: 3,
  GUARD: 4,
  LOCK_UNAVAILABLE: 5,
  LOCK_BUSY: 6,
  CHECK_FAILED: 7,
  INTERNAL: 70,
  INTERRUPTED: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODE_DESCRIPTIONS: ReadonlyArray<readonly [ExitCodeValue, string]> = [
  [ExitCode.OK, 'success: every target tenant is migrated or already up to date'],
  [ExitCode.TENANT_FAILED, 'at least one tenant failed (migration error, database unavailable, lock lost)'],
  [ExitCode.USAGE, 'invalid command line (unknown flag, bad flag value)'],
  [ExitCode.CONFIG, 'invalid configuration or migrations folder; nothing was touched'],
  [ExitCode.GUARD, 'a target was rejected by the migration guard, or a --tenant is not a known alias or mapped hostname; nothing was touched'],
  [ExitCode.LOCK_UNAVAILABLE, 'Redis (locks and the tenant cache) is unreachable or failing; no migration ran without a lock'],
  [ExitCode.LOCK_BUSY, 'at least one tenant was locked by another runner (after --lock-wait, if given)'],
  [ExitCode.CHECK_FAILED, 'a check found problems: pending migrations (status --fail-on-pending), warnings (--fail-on-warnings), rejected hosts (resolve)'],
  [ExitCode.INTERNAL, 'internal error (a bug in tenantctl; please report it)'],
  [ExitCode.INTERRUPTED, 'stopped by SIGINT or SIGTERM; running tenants rolled back, own locks released'],
];

const EXIT_CODE_BY_ERROR: Record<ErrorCode, ExitCodeValue> = {
  USAGE_INVALID: ExitCode.USAGE,
  CONFIG_INVALID: ExitCode.CONFIG,
  MIGRATIONS_INVALID: ExitCode.CONFIG,
  GUARD_REJECTED: ExitCode.GUARD,
  LOCK_SERVICE_UNAVAILABLE: ExitCode.LOCK_UNAVAILABLE,
  LOCK_BUSY: ExitCode.LOCK_BUSY,
  LOCK_LOST: ExitCode.TENANT_FAILED,
  DATABASE_UNAVAILABLE: ExitCode.TENANT_FAILED,
  MIGRATION_FAILED: ExitCode.TENANT_FAILED,
  MIGRATION_STATE_INVALID: ExitCode.TENANT_FAILED,
  INTERRUPTED: ExitCode.INTERRUPTED,
  // A missing tenant context is a bug in the calling application, not in its input.
  TENANT_CONTEXT_MISSING: ExitCode.INTERNAL,
  TENANT_ALIAS_UNKNOWN: ExitCode.GUARD,
  CACHE_SERVICE_UNAVAILABLE: ExitCode.LOCK_UNAVAILABLE,
  INTERNAL: ExitCode.INTERNAL,
};

/** Maps an error code to its exit code; unknown codes are internal errors. */
export function exitCodeForError(code: string | undefined): ExitCodeValue {
  if (code !== undefined && code in EXIT_CODE_BY_ERROR) {
    return EXIT_CODE_BY_ERROR[code as ErrorCode];
  }

  return ExitCode.INTERNAL;
}

/**
 * The overall verdict of a command, from the most to the least severe. `check-failed` is for the
 * gates: pending migrations in status, warnings in validate-config, rejected hosts in resolve.
 * `config-invalid` is validate-config's verdict when a check failed.
 */
export type RunOutcome = 'interrupted' | 'config-invalid' | 'lock-unavailable' | 'tenant-failed' | 'lock-busy' | 'check-failed' | 'ok';

const EXIT_CODE_BY_OUTCOME: Record<RunOutcome, ExitCodeValue> = {
  ok: ExitCode.OK,
  'tenant-failed': ExitCode.TENANT_FAILED,
  'lock-busy': ExitCode.LOCK_BUSY,
  'lock-unavailable': ExitCode.LOCK_UNAVAILABLE,
  'check-failed': ExitCode.CHECK_FAILED,
  'config-invalid': ExitCode.CONFIG,
  interrupted: ExitCode.INTERRUPTED,
};

/** Maps a command outcome to its documented exit code. */
export function exitCodeForOutcome(outcome: RunOutcome): ExitCodeValue {
  return EXIT_CODE_BY_OUTCOME[outcome];
}
