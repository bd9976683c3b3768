import type { Redis } from 'ioredis';

import { resolveCorrelationId } from '../audit/correlation-id.js';
import type { PostgresUrl } from '../config/connection-url.js';
import type { ResolvedConfig } from '../config/resolved-config.js';
import { ConfigError, GuardError, type GuardRejection, LockServiceError } from '../errors.js';
import type { RunOutcome } from '../exit-codes.js';
import { lookupAlias } from '../guard/resolve-targets.js';
import { inspectLocks, type InspectedLock } from '../locks/lock-scan.js';
import { closeRedis, connectRedis } from '../locks/redis-client.js';
import { describeError } from '../migrations/describe-error.js';
import { loadMigrations, type MigrationSet } from '../migrations/load-migrations.js';
import { compareMigrations, readMigrationState } from '../migrations/migration-state.js';
import { createTenantPool, destroyPool, type PoolSettings } from '../migrations/pg-pool.js';
import { runBounded } from '../runner/run-bounded.js';
import { describeLock, type LockState } from '../locks/lock-state.js';

export type { LockState } from '../locks/lock-state.js';

export interface StatusOptions {
  /** Tenants by alias or mapped hostname; every alias in the database map when left out. */
  tenants?: readonly string[];
  /** Judge the fleet as a deploy gate: any pending migration or problem makes the outcome `check-failed`. */
  failOnPending?: boolean;
  correlationId?: string;
  /** A Redis client to use instead of connecting to redis.url; the caller keeps ownership. */
  redis?: Redis;
  /** Called as each tenant's state is known, in completion order, for progress display. */
  onTenant?: (tenant: TenantState) => void;
}

export type ProblemCode = 'missing-migration' | 'out-of-order' | 'database-unreachable' | 'database-not-found' | 'database-error' | 'not-initialized';

/** Something about a tenant that needs an operator, with a message that names the fix. */
export interface TenantProblem {
  code: ProblemCode;
  message: string;
  /** The migrations concerned, for `missing-migration` and `out-of-order`. */
  migrations?: string[];
}

/**
 * `up-to-date`: every known migration is applied. `behind`: migrations are pending and nothing
 * stops them. `broken`: a problem stops migrate or hides the state (unreachable, missing or
 * out-of-order migrations).
 */
export type TenantHealth = 'up-to-date' | 'behind' | 'broken';

export interface TenantState {
  tenant: string;
  /** Mapped hostnames that resolve to this alias, normalized, in name order. */
  hostnames: string[];
  /** Host, port and database name; never the user or password. */
  database: string;
  /** Whether the migration allowlist lets migrate touch this tenant. */
  allowlisted: boolean;
  health: TenantHealth;
  /** Whether Kysely's migration table exists; undefined when the database could not be read. */
  initialized?: boolean;
  /** Applied migrations, as the tenant's migration table lists them; undefined when unreadable. */
  applied?: number;
  /** Migrations in the folder. */
  known: number;
  /** Names of migrations in the folder that the tenant has not applied; empty when unreadable. */
  pending: string[];
  lastApplied?: { name: string; at: string };
  lock: LockState;
  problems: TenantProblem[];
  durationMs: number;
}

/** Tenants that share a state, as the compact view shows them. */
export interface StatusGroup {
  health: TenantHealth;
  applied?: number;
  lastApplied?: string;
  pending: number;
  /** Problem codes shared by the group, in a fixed order. */
  problems: ProblemCode[];
  count: number;
  tenants: string[];
}

export interface StatusResult {
  command: 'status';
  correlationId: string;
  startedAt: string;
  durationMs: number;
  outcome: RunOutcome;
  migrations: { directory: string; count: number; latest?: string };
  counts: Record<TenantHealth, number> & { locked: number; stale: number; outsideAllowlist: number };
  /** The Redis error that left every lock state unknown. */
  lockServiceError?: string;
  groups: StatusGroup[];
  tenants: TenantState[];
}

/**
 * Reports each tenant's applied and pending migrations, problems and lock. It is read-only: one short-lived connection per tenant runs one SELECT, and it never creates Kysely's
 * tables. Migrations are loaded once; the locks are read in one pipelined Redis round trip. A Redis
 * failure leaves lock states unknown and makes the outcome `lock-unavailable`; the database
 * states are still reported. Throws ConfigError, GuardError or MigrationLoadError when nothing could
 * be read. Never prints or exits.
 */
export async function status(config: ResolvedConfig, options: StatusOptions = {}): Promise<StatusResult> {
  const correlationId = resolveCorrelationId(options.correlationId);
  const started = Date.now();

  if (config.databases.size === 0) {
    throw new ConfigError([{ key: 'databases', source: config.sources.get('databases') ?? 'default', message: 'no databases are configured; set databases in the config file or TENANT_DATABASES' }]);
  }

  const aliases = selectAliases(config, options.tenants);
  const migrations = await loadMigrations(config.migrationsDir);
  const hostnames = hostnamesByAlias(config);
  const pool: PoolSettings = { ...config.postgres, applicationName: `tenantctl:${correlationId}` };

  const [locks, databaseStates] = await Promise.all([
    readLocks(config, aliases, options.redis),
    runBounded(aliases, config.concurrency, (alias) => readTenant(alias, config.databases.get(alias) as PostgresUrl, migrations, pool, config.migrationAllowlist.has(alias)), {
      shouldStop: () => false,
      skip: () => {
        throw new Error('status never skips a tenant');
      },
    }),
  ]);

  const tenants = databaseStates.map((state, index): TenantState => {
    const alias = aliases[index] as string;
    const inspected = locks.byTenant.get(alias);
    const tenant: TenantState = {
      ...state,
      tenant: alias,
      hostnames: hostnames.get(alias) ?? [],
      database: (config.databases.get(alias) as PostgresUrl).location,
      allowlisted: config.migrationAllowlist.has(alias),
      lock: describeLock(inspected, locks.error, config.lock.staleMs),
    };
    options.onTenant?.(tenant);
    return tenant;
  });

  const counts = countTenants(tenants);
  const outcome: RunOutcome =
    locks.error !== undefined ? 'lock-unavailable' : options.failOnPending === true && (counts.behind > 0 || counts.broken > 0) ? 'check-failed' : 'ok';

  return {
    command: 'status',
    correlationId,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    outcome,
    migrations: { directory: migrations.directory, count: migrations.migrations.length, ...latestName(migrations) },
    counts,
    ...(locks.error === undefined ? {} : { lockServiceError: locks.error }),
    groups: groupTenants(tenants),
    tenants,
  };
}

function selectAliases(config: ResolvedConfig, inputs: readonly string[] | undefined): string[] {
  if (inputs === undefined || inputs.length === 0) {
    return [...config.databases.keys()].sort();
  }

  const aliases = new Set<string>();
  const rejections: GuardRejection[] = [];
  for (const input of inputs) {
    const found = lookupAlias(config, input);
    if ('reason' in found) {
      rejections.push(found);
    } else {
      aliases.add(found.alias);
    }
  }

  if (rejections.length > 0) {
    throw new GuardError(rejections);
  }

  return [...aliases];
}

function hostnamesByAlias(config: ResolvedConfig): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const [host, alias] of config.tenantMappings) {
    const list = result.get(alias) ?? [];
    list.push(host);
    result.set(alias, list);
  }

  for (const list of result.values()) {
    list.sort();
  }

  return result;
}

type DatabaseState = Pick<TenantState, 'health' | 'initialized' | 'applied' | 'known' | 'pending' | 'lastApplied' | 'problems' | 'durationMs'>;

/** Reads one tenant's migration table over a connection of its own, closed before returning. */
async function readTenant(alias: string, url: PostgresUrl, migrations: MigrationSet, settings: PoolSettings, allowlisted: boolean): Promise<DatabaseState> {
  const started = Date.now();
  const known = migrations.migrations.length;
  const pool = createTenantPool(url, settings);

  try {
    const state = await readMigrationState(pool);
    const comparison = compareMigrations(state, migrations.migrations);
    const problems: TenantProblem[] = [];

    if (!state.initialized) {
      // migrate never connects to an alias outside the allowlist, so it would never create the table there.
      const next = allowlisted ? '`tenantctl migrate` creates it' : 'the alias is outside the migration allowlist, so `tenantctl migrate` never touches it';
      problems.push({ code: 'not-initialized', message: `Kysely's migration table does not exist yet; ${next}` });
    }

    if (comparison.missing.length > 0) {
      problems.push({
        code: 'missing-migration',
        migrations: comparison.missing,
        message: `applied migration ${quoteNames(comparison.missing)} not found in the migrations folder; restore the file, because migrate rejects the tenant until then`,
      });
    }

    if (comparison.outOfOrder.length > 0) {
      problems.push({
        code: 'out-of-order',
        migrations: comparison.outOfOrder,
        message: `migration ${quoteNames(comparison.outOfOrder)} sorts before the last applied one but never ran, so migrate rejects the tenant; rename it to sort after the newest migration in the folder (${migrations.migrations.at(-1)?.name})`,
      });
    }

    const last = state.applied.at(-1);
    let health: TenantHealth = 'up-to-date';
    if (comparison.missing.length > 0 || comparison.outOfOrder.length > 0) {
      health = 'broken';
    } else if (comparison.pending.length > 0) {
      health = 'behind';
    }

    return {
      health,
      initialized: state.initialized,
      applied: state.applied.length,
      known,
      pending: comparison.pending,
      ...(last === undefined ? {} : { lastApplied: { name: last, at: state.appliedAt.get(last) ?? '' } }),
      problems,
      durationMs: Date.now() - started,
    };
  } catch (error) {
    return { health: 'broken', known, pending: [], problems: [databaseProblem(error, url)], durationMs: Date.now() - started };
  } finally {
    await destroyPool(pool);
  }
}

/** Quotes up to five names and counts the rest, so one message stays readable on a long list. */
function quoteNames(names: readonly string[]): string {
  const shown = names.slice(0, 5).map((name) => `"${name}"`);
  const more = names.length > 5 ? ` and ${names.length - 5} more` : '';
  return `${shown.join(', ')}${more}`;
}

/** Sorts a connection failure into not-found, unreachable or another database error. */
function databaseProblem(error: unknown, url: PostgresUrl): TenantProblem {
  const info = describeError(error, 'DATABASE_UNAVAILABLE');
  const code = (error as { code?: unknown } | null)?.code;
  if (code === '3D000') {
    return { code: 'database-not-found', message: `database "${url.database}" does not exist on ${url.host}:${url.port}; create it or fix databases` };
  }

  if (typeof code === 'string' && /^(ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ECONNRESET)$/.test(code)) {
    return { code: 'database-unreachable', message: `cannot reach ${url.host}:${url.port} (${code}); check that the server runs and the host is right` };
  }

  if (/timeout expired|Connection terminated/i.test(info.message)) {
    return { code: 'database-unreachable', message: `cannot reach ${url.host}:${url.port}: ${info.message}` };
  }

  const sqlState = info.postgres?.code === undefined ? '' : ` (SQLSTATE ${info.postgres.code})`;
  return { code: 'database-error', message: `reading the migration table failed${sqlState}: ${info.message}` };
}

interface LockReadout {
  byTenant: Map<string, InspectedLock>;
  error?: string;
}

async function readLocks(config: ResolvedConfig, aliases: readonly string[], given: Redis | undefined): Promise<LockReadout> {
  let client: Redis | undefined = given;
  try {
    client ??= await connectRedis(config.redis.url, config.redis);
    const inspected = await inspectLocks(client, config.lock.prefix, aliases);
    return { byTenant: new Map(inspected.map((lock) => [lock.tenant, lock])) };
  } catch (error) {
    if (error instanceof LockServiceError) {
      return { byTenant: new Map(), error: error.message };
    }

    throw error;
  } finally {
    if (client !== undefined && given === undefined) {
      await closeRedis(client);
    }
  }
}

function countTenants(tenants: readonly TenantState[]): StatusResult['counts'] {
  const counts: StatusResult['counts'] = { 'up-to-date': 0, behind: 0, broken: 0, locked: 0, stale: 0, outsideAllowlist: 0 };
  for (const tenant of tenants) {
    counts[tenant.health] += 1;
    if (tenant.lock.state === 'held') counts.locked += 1;
    if (tenant.lock.state === 'stale') counts.stale += 1;
    if (!tenant.allowlisted) counts.outsideAllowlist += 1;
  }

  return counts;
}

const PROBLEM_ORDER: readonly ProblemCode[] = ['database-not-found', 'database-unreachable', 'database-error', 'missing-migration', 'out-of-order', 'not-initialized'];

/** Groups tenants by health, applied count, last applied migration, pending count and problem codes. */
export function groupTenants(tenants: readonly TenantState[]): StatusGroup[] {
  const groups = new Map<string, StatusGroup>();
  for (const tenant of tenants) {
    const problems = PROBLEM_ORDER.filter((code) => tenant.problems.some((problem) => problem.code === code));
    const key = JSON.stringify([tenant.health, tenant.applied, tenant.lastApplied?.name, tenant.pending.length, problems]);
    let group = groups.get(key);
    if (group === undefined) {
      group = {
        health: tenant.health,
        ...(tenant.applied === undefined ? {} : { applied: tenant.applied }),
        ...(tenant.lastApplied === undefined ? {} : { lastApplied: tenant.lastApplied.name }),
        pending: tenant.pending.length,
        problems,
        count: 0,
        tenants: [],
      };
      groups.set(key, group);
    }

    group.count += 1;
    group.tenants.push(tenant.tenant);
  }

  return [...groups.values()].sort((a, b) => b.count - a.count);
}

function latestName(migrations: MigrationSet): { latest?: string } {
  const latest = migrations.migrations.at(-1)?.name;
  return latest === undefined ? {} : { latest };
}
