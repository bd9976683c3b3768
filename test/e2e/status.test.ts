
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { StatusResult } from '../../src/commands/status.js';
import { EXAMPLE_MIGRATIONS, runTenantctl, tempDir, writeConfig } from '../helpers/cli.js';
import { createDatabase, databaseUrl, dropDatabase, uniqueDatabaseName } from '../helpers/postgres.js';
import { REDIS_URL, uniqueLockPrefix } from '../helpers/redis.js';
import { freePort } from '../helpers/free-port.js';

describe('status CLI', () => {
  const names = { acme: uniqueDatabaseName('acme'), globex: uniqueDatabaseName('globex') };
  const prefix = uniqueLockPrefix('status-e2e');
  let configPath: string;
  let port: number;

  beforeAll(async () => {
    await Promise.all(Object.values(names).map((name) => createDatabase(name)));
    port = await freePort();
    const dir = tempDir('status-e2e');
    configPath = writeConfig(dir, {
      tenantMappings: { 'acme.example.test': 'acme', 'globex.example.test': 'globex' },
      databases: { acme: databaseUrl(names.acme, 'postgres', 'pw-never-shown'), globex: databaseUrl(names.globex), down: `postgres://postgres@127.0.0.1:${port}/down` },
      migrationDatabases: ['acme', 'globex', 'down'],
      migrationsDir: EXAMPLE_MIGRATIONS,
      redis: { url: REDIS_URL },
      lock: { prefix },
      postgres: { connectTimeoutSeconds: 3 },
    });

    const migrated = await runTenantctl(['migrate', '--config', configPath, '--tenant', 'acme']);
    expect(migrated.exitCode).toBe(0);
  }, 300_000);

  afterAll(async () => {
    await Promise.all(Object.values(names).map((name) => dropDatabase(name)));
  }, 300_000);

  it('prints JSON for every tenant', async () => {
    const result = await runTenantctl(['status', '--config', configPath, '--json']);
    expect(result.exitCode).toBe(0);
    const document = JSON.parse(String(result.stdout)) as StatusResult;
    expect(document.tenants.map((tenant) => tenant.tenant)).toEqual(['acme', 'down', 'globex']);
    expect(document.tenants[0]?.health).toBe('up-to-date');
    expect(document.tenants[1]?.problems[0]?.code).toBe('database-unreachable');
    expect(document.tenants[2]?.pending).toHaveLength(7);
    expect(String(result.stdout)).not.toContain('pw-never-shown');
  });

  it('exits 7 with fail-on-pending', async () => {
    const result = await runTenantctl(['status', '--config', configPath, '--fail-on-pending']);
    expect(result.exitCode).toBe(7);
  });

  it('exits 0 when tenant current', async () => {
    const result = await runTenantctl(['status', '--config', configPath, '--fail-on-pending', '--tenant', 'acme.example.test']);
    expect(result.exitCode).toBe(0);
  });

  it('lists only tenants needing attention', async () => {
    const result = await runTenantctl(['status', '--config', configPath]);
    const stdout = String(result.stdout);
    expect(stdout).toContain('Tenants behind, broken or locked:');
    expect(stdout).toContain('globex');
    expect(stdout).toContain('1 up-to-date tenant(s) without a lock are not listed');
  });

  it('lists every tenant when verbose', async () => {
    const result = await runTenantctl(['status', '--config', configPath, '--verbose']);
    const stdout = String(result.stdout);
    expect(stdout).toContain('Tenants:');
    expect(stdout).toContain('acme.example.test');
    expect(stdout).not.toContain('are not listed');
  });

  it('creates nothing on pending tenant', async () => {
    await runTenantctl(['status', '--config', configPath, '--tenant', 'globex']);
    const result = await runTenantctl(['status', '--config', configPath, '--tenant', 'globex', '--json']);
    const document = JSON.parse(String(result.stdout)) as StatusResult;
    expect(document.tenants[0]?.initialized).toBe(false);
  });

  it('exits 4 on unknown tenant', async () => {
    const result = await runTenantctl(['status', '--config', configPath, '--tenant', 'nobody']);
    expect(result.exitCode).toBe(4);
  });

  it('exits 5 when Redis is down', async () => {
    const result = await runTenantctl(['status', '--config', configPath, '--redis-url', `redis://127.0.0.1:${port}`, '--json']);
    expect(result.exitCode).toBe(5);
    const document = JSON.parse(String(result.stdout)) as StatusResult;
    expect(document.tenants[0]?.lock.state).toBe('unknown');
  });

  it('rejects tenant with all', async () => {
    const result = await runTenantctl(['status', '--config', configPath, '--tenant', 'acme', '--all']);
    expect(result.exitCode).toBe(2);
  });

  it('documents exit codes in help', async () => {
    const result = await runTenantctl(['status', '--help']);
    expect(String(result.stdout)).toContain('Exit codes:');
    expect(String(result.stdout)).toContain('--fail-on-pending');
  });
});
