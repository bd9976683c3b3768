import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';

import type { ResolvedConfig } from '../config/resolved-config.js';
import { ALIAS_PATTERN } from '../config/settings.js';
import { requireTenant } from '../context/tenant-context.js';
import { TenantAliasError } from '../errors.js';

export interface TenantDatabasesOptions {
  /** Connections per tenant pool (default 10). */
  maxConnections?: number;
  /** Shown in pg_stat_activity as `<applicationName>:<alias>`; PostgreSQL keeps 63 bytes (default `tenantctl-app`). */
  applicationName?: string;
  /** Idle connections close after this many milliseconds (default 30,000). */
  idleTimeoutMs?: number;
}

type DatabaseConfig = Pick<ResolvedConfig, 'databases' | 'postgres'>;

/**
 * Hands out one Kysely instance per tenant alias of the database map. Each is created on first use
 * with its own pg pool and reused after that. An alias not in the map is rejected before any
 * connection opens. Call destroyAll() on shutdown to close every pool.
 */
export class TenantDatabases<DB = unknown> {
  private readonly config: DatabaseConfig;
  private readonly options: Required<TenantDatabasesOptions>;
  private readonly instances = new Map<string, Kysely<DB>>();

  constructor(config: DatabaseConfig, options: TenantDatabasesOptions = {}) {
    this.config = config;
    this.options = {
      maxConnections: options.maxConnections ?? 10,
      applicationName: options.applicationName ?? 'tenantctl-app',
      idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
    };
  }

  /**
   * Returns the Kysely instance of the alias, or of the current tenant when no alias is given.
   * Bound to its instance, so `const { tenantDb } = databases` works.
   */
  readonly tenantDb = (alias: string = requireTenant()): Kysely<DB> => {
    const existing = this.instances.get(alias);
    if (existing !== undefined) {
      return existing;
    }

    const url = ALIAS_PATTERN.test(alias) ? this.config.databases.get(alias) : undefined;
    if (url === undefined) {
      const shown = JSON.stringify(alias.slice(0, 80));
      throw new TenantAliasError(alias, `tenant alias ${shown} is not in the database map; add it to databases (TENANT_DATABASES) or fix the alias`);
    }

    const pool = new pg.Pool({
      ...url.toPgFields(),
      max: this.options.maxConnections,
      idleTimeoutMillis: this.options.idleTimeoutMs,
      connectionTimeoutMillis: this.config.postgres.connectTimeoutMs,
      application_name: `${this.options.applicationName}:${alias}`.slice(0, 63),
    });
    // An idle client that loses its server emits 'error' on the pool; the next query reports it.
    pool.on('error', () => undefined);

    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    this.instances.set(alias, db);
    return db;
  };

  /** Aliases whose pool is open. */
  openAliases(): string[] {
    return [...this.instances.keys()];
  }

  /** Closes every pool; later tenantDb() calls open new ones. Never throws. */
  async destroyAll(): Promise<void> {
    const instances = [...this.instances.values()];
    this.instances.clear();
    await Promise.allSettled(instances.map((db) => db.destroy()));
  }
}
