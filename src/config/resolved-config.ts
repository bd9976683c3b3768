import type { ConfigIssue } from '../errors.js';
import type { PostgresUrl, RedisUrl } from './connection-url.js';

/** The validated configuration every command works from. Durations are in milliseconds. */
export interface ResolvedConfig {
  /** Absolute path of the config file that was read, if any. */
  configFile: string | undefined;
  environment: string;
  strictMode: boolean;
  /** Normalized hostname, or a `*.parent` wildcard of one whole label, to database alias. */
  tenantMappings: ReadonlyMap<string, string>;
  /** Database alias to its parsed connection URL. */
  databases: ReadonlyMap<string, PostgresUrl>;
  /** Aliases that migrations may touch (TENANT_MIGRATION_DATABASES). */
  migrationAllowlist: ReadonlySet<string>;
  /** Normalized hostnames that fall back to the `default` alias even in strict mode. */
  unknownHostAllowlist: readonly string[];
  migrationsDir: string;
  auditLog: string | undefined;
  concurrency: number;
  redis: { url: RedisUrl; commandTimeoutMs: number; connectTimeoutMs: number };
  lock: { prefix: string; leaseMs: number; staleMs: number; heartbeatMs: number };
  postgres: { connectTimeoutMs: number; lockTimeoutMs: number; statementTimeoutMs: number };
  /** Setting key to the place its value came from (flag, environment variable, file, default). */
  sources: ReadonlyMap<string, string>;
  /** Problems that do not stop a run, such as an allowlisted alias that no database defines. */
  warnings: readonly ConfigIssue[];
}
