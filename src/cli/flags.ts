/** Command-line flag names, shared by option definitions, messages and the config source map. */
export const Flag = {
  CONFIG: '--config',
  JSON: '--json',
  TENANT: '--tenant',
  ALL: '--all',
  TO: '--to',
  CONCURRENCY: '--concurrency',
  LOCK_WAIT: '--lock-wait',
  FAIL_FAST: '--fail-fast',
  CORRELATION_ID: '--correlation-id',
  AUDIT_LOG: '--audit-log',
  MIGRATIONS: '--migrations',
  REDIS_URL: '--redis-url',
  LOCK_PREFIX: '--lock-prefix',
} as const;
