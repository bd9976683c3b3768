import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { CheckResult, ValidationReport } from '../../src/commands/validate-config.js';
import { EXAMPLE_MIGRATIONS, runTenantctl, tempDir, writeConfig } from '../helpers/cli.js';
import { databaseUrl } from '../helpers/postgres.js';
import { createRedis, deleteKeys, REDIS_URL, uniqueLockPrefix } from '../helpers/redis.js';
import { freePort } from '../helpers/free-port.js';

const PASSWORD = 'Sup3r-s3cret-pw';

describe('validate-config', () => {
  const prefix = uniqueLockPrefix('validate');
  let port: number;

  // Every alias points at the server's own `postgres` database: connecting is all the check does,
  // and trust auth accepts the password, which must never show up in the output.
  const baseConfig = (): Record<string, unknown> => ({
    tenantMappings: { 'acme.example.test': 'acme', 'Globex.Example.Test.': 'globex' },
    databases: { acme: databaseUrl('postgres', 'postgres', PASSWORD), globex: databaseUrl('postgres'), analytics: databaseUrl('postgres') },
    migrationDatabases: ['acme', 'globex'],
    migrationsDir: EXAMPLE_MIGRATIONS,
    redis: { url: REDIS_URL },
    lock: { prefix },
    postgres: { connectTimeoutSeconds: 3 },
  });

  async function validate(config: Record<string, unknown>, args: string[] = ['--json']): Promise<{ exitCode: number | undefined; stdout: string; report: ValidationReport; check: (id: string) => CheckResult | undefined }> {
    const dir = tempDir('validate');
    const path = writeConfig(dir, config);
    const result = await runTenantctl(['validate-config', '--config', path, ...args]);
    const stdout = String(result.stdout);
    const report = (args.includes('--json') ? JSON.parse(stdout) : {}) as ValidationReport;
    return { exitCode: result.exitCode, stdout, report, check: (id) => report.checks?.find((check) => check.id === id) };
  }

  beforeAll(async () => {
    port = await freePort();
  });

  afterAll(async () => {
    const redis = createRedis();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('passes valid config', async () => {
    const { exitCode, report, stdout } = await validate(baseConfig());
    expect(exitCode).toBe(0);
    expect(report.valid).toBe(true);
    expect(report.checks.map((check) => check.id)).toEqual(['settings', 'tenant-mappings', 'database-connectivity', 'migrations', 'lock-backend', 'migration-guard', 'strict-mode']);
    expect(report.checks.map((check) => check.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass']);
    expect(report.summary).toEqual({ pass: 7, warn: 0, fail: 0, skip: 0 });
    expect(report.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(stdout).not.toContain(PASSWORD);
  });

  it('leaves no probe key behind', async () => {
    await validate(baseConfig());
    const redis = createRedis();
    const [, keys] = await redis.scan('0', 'MATCH', `${prefix}*`, 'COUNT', 1000);
    redis.disconnect();
    expect(keys).toEqual([]);
  });

  it('prints text report', async () => {
    const { exitCode, stdout } = await validate(baseConfig(), []);
    expect(exitCode).toBe(0);
    expect(stdout).toContain('PASS  Database connectivity');
    expect(stdout).toContain('Configuration valid');
  });

  it('fails on empty mappings', async () => {
    const { exitCode, report, check } = await validate({ ...baseConfig(), tenantMappings: {} });
    expect(exitCode).toBe(3);
    expect(report.valid).toBe(false);
    expect(check('tenant-mappings')?.status).toBe('fail');
    expect(report.errors[0]?.check).toBe('tenant-mappings');
  });

  it('fails on mapping to undefined alias', async () => {
    const { exitCode, check } = await validate({ ...baseConfig(), tenantMappings: { 'acme.example.test': 'nobody' } });
    expect(exitCode).toBe(3);
    expect(check('tenant-mappings')?.status).toBe('fail');
    expect(check('tenant-mappings')?.findings[0]?.message).toContain('nobody');
    expect(check('lock-backend')?.status).toBe('skip');
  });

  it('fails on duplicate hostnames', async () => {
    const { exitCode, check } = await validate({ ...baseConfig(), tenantMappings: { 'acme.example.test': 'acme', 'ACME.example.test:443': 'globex' } });
    expect(exitCode).toBe(3);
    expect(check('tenant-mappings')?.findings[0]?.message).toContain('same host');
  });

  it('fails on unreachable database', async () => {
    const databases = { ...(baseConfig().databases as Record<string, string>), down: `postgres://app:${PASSWORD}@127.0.0.1:${port}/down` };
    const { exitCode, check, stdout } = await validate({ ...baseConfig(), databases });
    expect(exitCode).toBe(3);
    expect(check('database-connectivity')?.status).toBe('fail');
    expect(check('database-connectivity')?.findings).toHaveLength(1);
    expect(check('database-connectivity')?.findings[0]?.message).toContain(`postgres://app:****@127.0.0.1:${port}/down`);
    expect(stdout).not.toContain(PASSWORD);
  });

  it('fails on invalid database URL', async () => {
    const databases = { ...(baseConfig().databases as Record<string, string>), broken: `mysql://app:${PASSWORD}@db/x` };
    const { exitCode, check, stdout } = await validate({ ...baseConfig(), databases });
    expect(exitCode).toBe(3);
    expect(check('database-connectivity')?.status).toBe('fail');
    expect(stdout).not.toContain(PASSWORD);
  });

  it('fails on migration without up', async () => {
    const dir = tempDir('validate-migrations');
    const folder = join(dir, 'migrations');
    mkdirSync(folder);
    writeFileSync(join(folder, '0001_first.mjs'), 'export async function up() {}\n');
    writeFileSync(join(folder, '0002_second.mjs'), 'export async function down() {}\n');
    const { exitCode, check } = await validate({ ...baseConfig(), migrationsDir: folder });
    expect(exitCode).toBe(3);
    expect(check('migrations')?.status).toBe('fail');
    expect(check('migrations')?.findings[0]?.message).toContain('0002_second.mjs');
  });

  it('warns on uneven migration numbers', async () => {
    const dir = tempDir('validate-numbers');
    const folder = join(dir, 'migrations');
    mkdirSync(folder);
    writeFileSync(join(folder, '9_first.mjs'), 'export async function up() {}\n');
    writeFileSync(join(folder, '10_second.mjs'), 'export async function up() {}\n');
    const { exitCode, check } = await validate({ ...baseConfig(), migrationsDir: folder });
    expect(exitCode).toBe(0);
    expect(check('migrations')?.status).toBe('warn');
  });

  it('fails on unreachable Redis', async () => {
    const { exitCode, check } = await validate({ ...baseConfig(), redis: { url: `redis://127.0.0.1:${port}`, connectTimeoutSeconds: 2 } });
    expect(exitCode).toBe(3);
    expect(check('lock-backend')?.status).toBe('fail');
    expect(check('lock-backend')?.findings[0]?.message).toContain('unreachable');
  });

  it('fails on empty allowlist', async () => {
    const { exitCode, check } = await validate({ ...baseConfig(), migrationDatabases: [] });
    expect(exitCode).toBe(3);
    expect(check('migration-guard')?.status).toBe('fail');
  });

  it('fails on undefined allowlisted alias', async () => {
    const { exitCode, check } = await validate({ ...baseConfig(), migrationDatabases: ['acme', 'ghost'] });
    expect(exitCode).toBe(3);
    expect(check('migration-guard')?.status).toBe('fail');
    expect(check('migration-guard')?.findings[0]?.message).toContain('"ghost"');
  });

  it('warns when allowlist allows all', async () => {
    const { exitCode, check, report } = await validate({ ...baseConfig(), migrationDatabases: ['acme', 'globex', 'analytics'] });
    expect(exitCode).toBe(0);
    expect(report.valid).toBe(true);
    expect(check('migration-guard')?.status).toBe('warn');
    expect(report.warnings[0]?.check).toBe('migration-guard');
  });

  it('fails on warnings when asked', async () => {
    const { exitCode } = await validate({ ...baseConfig(), migrationDatabases: ['acme', 'globex', 'analytics'] }, ['--json', '--fail-on-warnings']);
    expect(exitCode).toBe(7);
  });

  it('warns on lax production mode', async () => {
    const { exitCode, check } = await validate({ ...baseConfig(), strictMode: false, environment: 'production' });
    expect(exitCode).toBe(0);
    expect(check('strict-mode')?.status).toBe('warn');
    expect(check('strict-mode')?.findings[0]?.key).toBe('strictMode');
  });

  it('warns on invalid allowlisted host', async () => {
    const { check } = await validate({ ...baseConfig(), unknownHostAllowlist: ['bad host!'] });
    expect(check('strict-mode')?.status).toBe('warn');
  });

  it('accepts lax mode in development', async () => {
    const { check } = await validate({ ...baseConfig(), strictMode: false, environment: 'development' });
    expect(check('strict-mode')?.status).toBe('pass');
  });

  it('skips network checks offline', async () => {
    const { exitCode, check } = await validate({ ...baseConfig(), redis: { url: `redis://127.0.0.1:${port}` } }, ['--json', '--offline']);
    expect(exitCode).toBe(0);
    expect(check('lock-backend')?.status).toBe('skip');
    expect(check('database-connectivity')?.status).toBe('skip');
    expect(check('migrations')?.status).toBe('pass');
  });

  it('prints GitHub annotations', async () => {
    const { exitCode, stdout } = await validate({ ...baseConfig(), migrationDatabases: [], strictMode: false }, ['--format', 'github']);
    expect(exitCode).toBe(3);
    expect(stdout).toMatch(/^::error title=tenantctl validate-config%3A migration-guard::migrationDatabases/m);
    expect(stdout).toMatch(/^::warning title=tenantctl validate-config%3A strict-mode::strictMode/m);
  });

  it('documents exit codes in help', async () => {
    const result = await runTenantctl(['validate-config', '--help']);
    expect(result.exitCode).toBe(0);
    expect(String(result.stdout)).toContain('Exit codes:');
    expect(String(result.stdout)).toContain('--fail-on-warnings');
  });
});
