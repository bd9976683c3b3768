import { randomUUID } from 'node:crypto';

import type { Redis } from 'ioredis';

import { EventBus } from '../audit/event-bus.js';
import { loadConfig, type LoadConfigOptions } from '../config/load-config.js';
import type { ResolvedConfig } from '../config/resolved-config.js';
import { SETTINGS } from '../config/settings.js';
import { ConfigError, type ConfigIssue, MigrationLoadError, errorMessage } from '../errors.js';
import type { RunOutcome } from '../exit-codes.js';
import { closeRedis, connectRedis } from '../locks/redis-client.js';
import { describeError, isConnectTimeout, unavailableAdvice } from '../migrations/describe-error.js';
import { loadMigrations } from '../migrations/load-migrations.js';
import { createTenantPool, destroyPool } from '../migrations/pg-pool.js';
import { runBounded } from '../runner/run-bounded.js';

export type CheckId = 'settings' | 'tenant-mappings' | 'database-connectivity' | 'migrations' | 'lock-backend' | 'migration-guard' | 'strict-mode';

/** `skip` means the check did not run: `--offline`, or other checks failed first. */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

/** One error or warning of a check. `key` and `source` name the setting, where one is to blame. */
export interface CheckFinding {
  level: 'error' | 'warning';
  message: string;
  key?: string;
  source?: string;
}

export interface CheckResult {
  id: CheckId;
  title: string;
  status: CheckStatus;
  /** One sentence on what the check found. */
  summary: string;
  findings: CheckFinding[];
  durationMs: number;
}

/** A finding with the check it belongs to, as the report's flat error and warning lists hold them. */
export interface ReportEntry extends CheckFinding {
  check: CheckId;
}

export interface ValidationReport {
  /** True when no check failed; warnings do not make a configuration invalid. */
  valid: boolean;
  timestamp: string;
  configFile?: string;
  environment?: string;
  offline: boolean;
  checks: CheckResult[];
  errors: ReportEntry[];
  warnings: ReportEntry[];
  summary: Record<CheckStatus, number>;
  durationMs: number;
}

export interface ValidateConfigOptions {
  /** How to load the configuration (flags, environment, file); ignored when `config` is given. */
  load?: LoadConfigOptions;
  /** An already loaded configuration; its load-time problems cannot be reported then. */
  config?: ResolvedConfig;
  /** Skip every check that opens a network connection (databases and Redis). */
  offline?: boolean;
}

const TITLES: Record<CheckId, string> = {
  settings: 'Configuration file and settings',
  'tenant-mappings': 'Tenant mappings',
  'database-connectivity': 'Database connectivity',
  migrations: 'Migrations folder',
  'lock-backend': 'Lock backend (Redis)',
  'migration-guard': 'Migration guard',
  'strict-mode': 'Strict mode',
};

const CHECK_ORDER: readonly CheckId[] = ['settings', 'tenant-mappings', 'database-connectivity', 'migrations', 'lock-backend', 'migration-guard', 'strict-mode'];

/**
 * Runs the startup checks and returns a report. A bad configuration becomes failed checks, not a
 * thrown error, and nothing is printed. The CLI help and README list what each check tests.
 * Nothing is written except the probe key of the lock-backend check, deleted at once.
 */
export async function validateConfig(options: ValidateConfigOptions = {}): Promise<ValidationReport> {
  const started = Date.now();
  const offline = options.offline === true;
  let config = options.config;
  let loadIssues: readonly ConfigIssue[] = [];

  if (config === undefined) {
    try {
      config = loadConfig(options.load ?? {});
    } catch (error) {
      if (!(error instanceof ConfigError)) {
        throw error;
      }

      loadIssues = error.issues;
    }
  }

  const checks = config === undefined ? checksForLoadFailure(loadIssues) : await runChecks(config, offline);
  return buildReport(checks, config, offline, started);
}

/** Chooses the outcome of a report: a failed check beats a warning, which counts only on request. */
export function judgeValidation(report: ValidationReport, failOnWarnings: boolean): RunOutcome {
  if (!report.valid) {
    return 'config-invalid';
  }

  return failOnWarnings && report.warnings.length > 0 ? 'check-failed' : 'ok';
}

async function runChecks(config: ResolvedConfig, offline: boolean): Promise<CheckResult[]> {
  const scrub = secretScrubber(config);
  const [databases, migrations, lockBackend] = await Promise.all([
    timed('database-connectivity', () => checkDatabases(config, offline)),
    timed('migrations', () => checkMigrations(config)),
    timed('lock-backend', () => checkLockBackend(config, offline)),
  ]);

  const checks = [
    timedSync('settings', () => checkSettings(config)),
    timedSync('tenant-mappings', () => checkMappings(config)),
    databases,
    migrations,
    lockBackend,
    timedSync('migration-guard', () => checkGuard(config)),
    timedSync('strict-mode', () => checkStrictMode(config)),
  ];

  // Driver messages may echo what they were given; no configured password leaves this function.
  return checks.map((check) => ({ ...check, summary: scrub(check.summary), findings: check.findings.map((finding) => ({ ...finding, message: scrub(finding.message) })) }));
}

type CheckBody = Omit<CheckResult, 'id' | 'title' | 'durationMs'>;

async function timed(id: CheckId, body: () => Promise<CheckBody>): Promise<CheckResult> {
  const started = Date.now();
  const result = await body();
  return { id, title: TITLES[id], ...result, durationMs: Date.now() - started };
}

function timedSync(id: CheckId, body: () => CheckBody): CheckResult {
  const started = Date.now();
  const result = body();
  return { id, title: TITLES[id], ...result, durationMs: Date.now() - started };
}

/** Sorts the problems of a configuration that did not load into the checks they belong to. */
function checksForLoadFailure(issues: readonly ConfigIssue[]): CheckResult[] {
  const byCheck = new Map<CheckId, CheckFinding[]>();
  for (const issue of issues) {
    const check = checkForKey(issue.key);
    const list = byCheck.get(check) ?? [];
    list.push({ level: 'error', key: issue.key, source: issue.source, message: issue.message });
    byCheck.set(check, list);
  }

  return CHECK_ORDER.map((id): CheckResult => {
    const findings = byCheck.get(id);
    if (findings === undefined) {
      return { id, title: TITLES[id], status: 'skip', summary: 'not run, because the configuration did not load; fix the failed checks first', findings: [], durationMs: 0 };
    }

    return { id, title: TITLES[id], status: 'fail', summary: `${findings.length} problem(s)`, findings, durationMs: 0 };
  });
}

const SETTING_BY_ENV = new Map<string, string>(SETTINGS.flatMap((setting) => (setting.env ?? []).map((name) => [name, setting.key] as [string, string])));

/** Maps a config key (`databases.acme`, `TENANT_MAPPINGS`, `lock.prefix`) to the check that owns it. */
function checkForKey(key: string): CheckId {
  const setting = SETTING_BY_ENV.get(key) ?? key;
  const head = setting.split('.')[0] ?? setting;
  switch (head) {
    case 'tenantMappings':
      return 'tenant-mappings';
    case 'databases':
      return 'database-connectivity';
    case 'migrationsDir':
      return 'migrations';
    case 'redis':
    case 'lock':
      return 'lock-backend';
    case 'migrationDatabases':
      return 'migration-guard';
    case 'strictMode':
    case 'unknownHostAllowlist':
    case 'environment':
      return 'strict-mode';
    default:
      return 'settings';
  }
}

/** Warnings of loadConfig that belong to the settings check (the others are judged by their own check). */
function checkSettings(config: ResolvedConfig): CheckBody {
  const findings: CheckFinding[] = config.warnings
    .filter((warning) => checkForKey(warning.key) === 'settings')
    .map((warning) => ({ level: 'warning', key: warning.key, source: warning.source, message: warning.message }));
  const file = config.configFile === undefined ? 'no config file (environment and defaults only)' : `config file ${config.configFile}`;
  return findings.length > 0 ? { status: 'warn', summary: `${file} loaded with ${findings.length} warning(s)`, findings } : { status: 'pass', summary: `${file} loaded`, findings };
}

function checkMappings(config: ResolvedConfig): CheckBody {
  if (config.tenantMappings.size === 0) {
    return {
      status: 'fail',
      summary: 'no hostname is mapped to a database alias',
      findings: [{ level: 'error', key: 'tenantMappings', source: config.sources.get('tenantMappings') ?? 'default', message: 'is empty; map each tenant hostname to its database alias in tenantMappings (TENANT_MAPPINGS)' }],
    };
  }

  const aliases = new Set(config.tenantMappings.values());
  return { status: 'pass', summary: `${config.tenantMappings.size} hostname(s) map to ${aliases.size} defined alias(es); all well-formed and unique after normalization`, findings: [] };
}

async function checkDatabases(config: ResolvedConfig, offline: boolean): Promise<CheckBody> {
  if (config.databases.size === 0) {
    return {
      status: 'fail',
      summary: 'no database is configured',
      findings: [{ level: 'error', key: 'databases', source: config.sources.get('databases') ?? 'default', message: 'is empty; set databases (TENANT_DATABASES) to alias -> postgres:// URL' }],
    };
  }

  if (offline) {
    return { status: 'skip', summary: `--offline: ${config.databases.size} database(s) not contacted`, findings: [] };
  }

  const entries = [...config.databases.entries()].sort(([a], [b]) => a.localeCompare(b));
  const settings = { ...config.postgres, applicationName: 'tenantctl:validate-config' };
  const failures = await runBounded(
    entries,
    config.concurrency,
    async ([alias, url]): Promise<CheckFinding | undefined> => {
      const pool = createTenantPool(url, settings);
      try {
        await pool.query('select 1');
        return undefined;
      } catch (error) {
        const info = describeError(error, 'DATABASE_UNAVAILABLE');
        const detail = info.postgres?.code === undefined ? info.message : `${info.message} (SQLSTATE ${info.postgres.code})`;
        // "within" only fits a timeout; a refusal or a server error comes at once.
        const failed = isConnectTimeout(error) ? `failed to connect within ${config.postgres.connectTimeoutMs / 1000}s` : 'failed to connect';
        return { level: 'error', key: `databases.${alias}`, message: `${url.toString()} ${failed}: ${detail}; ${unavailableAdvice(error, alias)}` };
      } finally {
        await destroyPool(pool);
      }
    },
    { shouldStop: () => false, skip: () => undefined },
  );

  const findings = failures.filter((finding): finding is CheckFinding => finding !== undefined);
  if (findings.length > 0) {
    return { status: 'fail', summary: `${findings.length} of ${entries.length} database(s) unreachable`, findings };
  }

  return { status: 'pass', summary: `${entries.length} database(s) accepted a connection`, findings };
}

async function checkMigrations(config: ResolvedConfig): Promise<CheckBody> {
  let names: string[];
  try {
    const set = await loadMigrations(config.migrationsDir);
    names = set.migrations.map((migration) => migration.name);
  } catch (error) {
    if (error instanceof MigrationLoadError) {
      const findings: CheckFinding[] = error.issues.map((issue) => ({ level: 'error', key: 'migrationsDir', message: `${issue.file === '.' ? config.migrationsDir : issue.file}: ${issue.message}` }));
      return { status: 'fail', summary: `${config.migrationsDir} has ${findings.length} problem(s)`, findings };
    }

    throw error;
  }

  if (names.length === 0) {
    return { status: 'warn', summary: `${config.migrationsDir} contains no migrations`, findings: [{ level: 'warning', key: 'migrationsDir', message: `${config.migrationsDir} contains no migrations, so migrate has nothing to run; check the path` }] };
  }

  const findings = checkNumbering(names);
  const summary = `${names.length} migration(s) in ${config.migrationsDir} load, each with up; names are unique, latest ${names.at(-1)}`;
  return { status: findings.length > 0 ? 'warn' : 'pass', summary, findings };
}

/**
 * Warns when numeric name prefixes differ in width: migrations run in text order, so `10_b` runs
 * before `9_a`, which is rarely what the author meant.
 */
function checkNumbering(names: readonly string[]): CheckFinding[] {
  const widths = new Set<number>();
  for (const name of names) {
    const digits = /^\d+/.exec(name)?.[0];
    if (digits !== undefined) {
      widths.add(digits.length);
    }
  }

  if (widths.size <= 1) {
    return [];
  }

  return [{ level: 'warning', key: 'migrationsDir', message: `numeric name prefixes have different widths (${[...widths].sort().join(', ')} digits), and migrations run in text order; pad the numbers to one width` }];
}

async function checkLockBackend(config: ResolvedConfig, offline: boolean): Promise<CheckBody> {
  if (offline) {
    return { status: 'skip', summary: `--offline: Redis at ${config.redis.url.display} not contacted`, findings: [] };
  }

  let client: Redis | undefined;
  // The suffix contains ":", which no alias can, so the probe is never mistaken for a tenant lock.
  const key = `${config.lock.prefix}validate-config:${randomUUID()}`;
  const value = randomUUID();
  try {
    client = await connectRedis(config.redis.url, config.redis);
    await client.set(key, value, 'PX', 30_000, 'NX');
    const read = await client.get(key);
    const deleted = await client.del(key);
    if (read !== value || deleted !== 1) {
      return { status: 'fail', summary: 'the set/get/delete round trip returned other data', findings: [{ level: 'error', key: 'lock.prefix', message: `Redis at ${config.redis.url.display} returned other data for ${key} than was written; check that nothing else writes under the prefix "${config.lock.prefix}"` }] };
    }
  } catch (error) {
    return { status: 'fail', summary: `Redis at ${config.redis.url.display} failed`, findings: [{ level: 'error', key: 'redis.url', message: errorMessage(error) }] };
  } finally {
    if (client !== undefined) {
      await closeRedis(client);
    }
  }

  return { status: 'pass', summary: `Redis at ${config.redis.url.display} passed a set/get/delete round trip under "${config.lock.prefix}"`, findings: [] };
}

function checkGuard(config: ResolvedConfig): CheckBody {
  const source = config.sources.get('migrationDatabases') ?? 'default';
  const allowlist = [...config.migrationAllowlist].sort();
  if (allowlist.length === 0) {
    return { status: 'fail', summary: 'the migration allowlist is empty', findings: [{ level: 'error', key: 'migrationDatabases', source, message: 'is empty, so migrate may touch no tenant; list the aliases migrations may touch in migrationDatabases (TENANT_MIGRATION_DATABASES)' }] };
  }

  const undefinedAliases = allowlist.filter((alias) => !config.databases.has(alias));
  if (undefinedAliases.length > 0) {
    const findings: CheckFinding[] = undefinedAliases.map((alias) => ({ level: 'error', key: 'migrationDatabases', source, message: `allowlisted alias "${alias}" is not defined in databases; add its database or remove it from the allowlist` }));
    return { status: 'fail', summary: `${undefinedAliases.length} allowlisted alias(es) have no database`, findings };
  }

  if (allowlist.length === config.databases.size) {
    return {
      status: 'warn',
      summary: `the allowlist contains every alias (${allowlist.length})`,
      findings: [{ level: 'warning', key: 'migrationDatabases', source, message: `allows every alias (${allowlist.length}), so no database is protected from migrations; list only the tenant databases migrations may touch` }],
    };
  }

  return { status: 'pass', summary: `${allowlist.length} of ${config.databases.size} alias(es) are in the migration allowlist`, findings: [] };
}

function checkStrictMode(config: ResolvedConfig): CheckBody {
  const findings: CheckFinding[] = config.warnings
    .filter((warning) => checkForKey(warning.key) === 'strict-mode')
    .map((warning) => ({ level: 'warning', key: warning.key, source: warning.source, message: warning.message }));

  if (!config.strictMode && config.environment === 'production') {
    findings.unshift({
      level: 'warning',
      key: 'strictMode',
      source: config.sources.get('strictMode') ?? 'default',
      message: 'is off in production, so unknown hostnames fall back to the default alias; set strictMode to true (TENANT_STRICT_MODE=true)',
    });
  }

  const summary = `strict mode is ${config.strictMode ? 'on' : 'off'} (environment ${config.environment})`;
  return { status: findings.length > 0 ? 'warn' : 'pass', summary, findings };
}

function secretScrubber(config: ResolvedConfig): (text: string) => string {
  const bus = new EventBus('validate-config', [], [...config.databases.values()].map((url) => url.revealPassword()));
  return (text) => bus.scrubText(text);
}

function buildReport(checks: CheckResult[], config: ResolvedConfig | undefined, offline: boolean, started: number): ValidationReport {
  const errors: ReportEntry[] = [];
  const warnings: ReportEntry[] = [];
  const summary: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };

  for (const check of checks) {
    summary[check.status] += 1;
    for (const finding of check.findings) {
      (finding.level === 'error' ? errors : warnings).push({ check: check.id, ...finding });
    }
  }

  return {
    valid: summary.fail === 0,
    timestamp: new Date(started).toISOString(),
    ...(config?.configFile === undefined ? {} : { configFile: config.configFile }),
    ...(config === undefined ? {} : { environment: config.environment }),
    offline,
    checks,
    errors,
    warnings,
    summary,
    durationMs: Date.now() - started,
  };
}
