import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { migrate } from '../../src/commands/migrate.js';
import { status, type TenantState } from '../../src/commands/status.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { ResolvedConfig } from '../../src/config/resolved-config.js';
import { GuardError } from '../../src/errors.js';
import { TenantLocks } from '../../src/locks/tenant-lock.js';
import { tempDir, writeConfig } from '../helpers/cli.js';
import { createDatabase, databaseUrl, dropDatabase, queryDatabase, uniqueDatabaseName } from '../helpers/postgres.js';
import { createRedis, deleteKeys, REDIS_URL, uniqueLockPrefix } from '../helpers/redis.js';
import { freePort } from '../helpers/free-port.js';

const MIGRATIONS = ['0001_create_plans', '0002_create_users', '0003_create_projects'];

/** Writes three small migrations, each creating one table. */
function writeMigrations(dir: string): string {
  const folder = join(dir, 'migrations');
  mkdirSync(folder);
  for (const name of MIGRATIONS) {
    const table = name.slice(name.lastIndexOf('_') + 1);
    writeFileSync(join(folder, `${name}.mjs`), `export async function up(db) { await db.schema.createTable('${table}').addColumn('id', 'integer').execute(); }\n`);
  }

  return folder;
}

async function tableExists(database: string, table: string): Promise<boolean> {
  const rows = await queryDatabase<{ found: string | null }>(database, 'select to_regclass($1)::text as found', [table]);
  return rows[0]?.found !== null && rows[0]?.found !== undefined;
}

describe('status', () => {
  const names = {
    current: uniqueDatabaseName('current'),
    behind: uniqueDatabaseName('behind'),
    fresh: uniqueDatabaseName('fresh'),
    missing: uniqueDatabaseName('missing'),
    shuffled: uniqueDatabaseName('shuffled'),
    outside: uniqueDatabaseName('outside'),
  };
  const prefix = uniqueLockPrefix('status');
  let redis: Redis;
  let config: ResolvedConfig;
  let configPath: string;
  let dir: string;
  let byTenant: Map<string, TenantState>;
  let releaseLive: () => Promise<void> = async () => undefined;

  beforeAll(async () => {
    redis = createRedis();
    await Promise.all(Object.values(names).map((name) => createDatabase(name)));

    dir = tempDir('status');
    const migrationsDir = writeMigrations(dir);
    const port = await freePort();
    configPath = writeConfig(dir, {
      tenantMappings: { 'current.example.test': 'current', 'www.current.example.test': 'current', 'behind.example.test': 'behind' },
      databases: {
        current: databaseUrl(names.current),
        behind: databaseUrl(names.behind),
        fresh: databaseUrl(names.fresh),
        missing: databaseUrl(names.missing),
        shuffled: databaseUrl(names.shuffled),
        outside: databaseUrl(names.outside),
        unreachable: `postgres://postgres@127.0.0.1:${port}/nothing`,
        nodb: databaseUrl(uniqueDatabaseName('absent')),
      },
      migrationDatabases: ['current', 'behind', 'fresh', 'missing', 'shuffled', 'unreachable', 'nodb'],
      migrationsDir,
      redis: { url: REDIS_URL },
      lock: { prefix, staleSeconds: 5, leaseSeconds: 60 },
      postgres: { connectTimeoutSeconds: 3 },
    });
    config = loadConfig({ cwd: dir, env: {}, configPath });

    await migrate(config, { selection: { tenants: ['current', 'missing', 'shuffled'] }, redis });
    await migrate(config, { selection: { tenants: ['behind'] }, to: '0001_create_plans', redis });
    await queryDatabase(names.missing, `insert into kysely_migration (name, "timestamp") values ('0000_removed_file', '2020-01-01T00:00:00.000Z')`);
    await queryDatabase(names.shuffled, `delete from kysely_migration where name = '0002_create_users'`);

    // A live holder on current, and a dead holder (heartbeat an hour old) on behind.
    const locks = new TenantLocks(redis, config.lock, { host: 'live-host', pid: 4242, correlationId: 'live-run', command: 'migrate' });
    const acquired = await locks.acquire('current', { waitMs: 0 });
    if (acquired.status === 'acquired') {
      releaseLive = async () => {
        await acquired.handle.release();
      };
    }

    const time = await redis.time();
    const oldMs = Number(time[0]) * 1000 - 3_600_000;
    await redis.hset(`${prefix}behind`, { token: 'dead-token', host: 'dead-host', pid: '999', correlationId: 'dead-run', command: 'migrate', acquiredAt: String(oldMs), heartbeatAt: String(oldMs) });
    await redis.pexpire(`${prefix}behind`, 60_000);

    const result = await status(config, { redis });
    byTenant = new Map(result.tenants.map((tenant) => [tenant.tenant, tenant]));
  });

  afterAll(async () => {
    await releaseLive();
    await deleteKeys(redis, prefix);
    redis.disconnect();
    // DROP DATABASE waits for a checkpoint; in parallel the drops share one.
    await Promise.all(Object.values(names).map((name) => dropDatabase(name)));
  }, 300_000);

  it('reports up-to-date tenant', () => {
    const tenant = byTenant.get('current');
    expect(tenant?.health).toBe('up-to-date');
    expect(tenant?.applied).toBe(3);
    expect(tenant?.known).toBe(3);
    expect(tenant?.pending).toEqual([]);
    expect(tenant?.lastApplied?.name).toBe('0003_create_projects');
    expect(tenant?.lastApplied?.at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(tenant?.hostnames).toEqual(['current.example.test', 'www.current.example.test']);
    expect(tenant?.database).toBe(`127.0.0.1:5432/${names.current}`);
    expect(tenant?.problems).toEqual([]);
  });

  it('reports tenant behind', () => {
    const tenant = byTenant.get('behind');
    expect(tenant?.health).toBe('behind');
    expect(tenant?.applied).toBe(1);
    expect(tenant?.pending).toEqual(['0002_create_users', '0003_create_projects']);
    expect(tenant?.lastApplied?.name).toBe('0001_create_plans');
  });

  it('reports uninitialized tenant', () => {
    const tenant = byTenant.get('fresh');
    expect(tenant?.initialized).toBe(false);
    expect(tenant?.health).toBe('behind');
    expect(tenant?.pending).toHaveLength(3);
    expect(tenant?.problems.map((problem) => problem.code)).toEqual(['not-initialized']);
  });

  it('creates nothing on uninitialized tenant', async () => {
    expect(await tableExists(names.fresh, 'kysely_migration')).toBe(false);
    expect(await tableExists(names.fresh, 'kysely_migration_lock')).toBe(false);
  });

  it('reports missing migration file', () => {
    const tenant = byTenant.get('missing');
    expect(tenant?.health).toBe('broken');
    expect(tenant?.problems[0]?.code).toBe('missing-migration');
    expect(tenant?.problems[0]?.migrations).toEqual(['0000_removed_file']);
  });

  it('reports out-of-order migration', () => {
    const tenant = byTenant.get('shuffled');
    expect(tenant?.health).toBe('broken');
    expect(tenant?.problems[0]?.code).toBe('out-of-order');
    expect(tenant?.problems[0]?.migrations).toEqual(['0002_create_users']);
    expect(tenant?.problems[0]?.message).toContain('rename it to sort after the newest migration in the folder (0003_create_projects)');
  });

  it('reports unreachable database', () => {
    const tenant = byTenant.get('unreachable');
    expect(tenant?.health).toBe('broken');
    expect(tenant?.applied).toBeUndefined();
    expect(tenant?.problems[0]?.code).toBe('database-unreachable');
  });

  it('reports database that does not exist', () => {
    const tenant = byTenant.get('nodb');
    expect(tenant?.health).toBe('broken');
    expect(tenant?.problems[0]?.code).toBe('database-not-found');
  });

  it('marks alias outside allowlist', () => {
    expect(byTenant.get('outside')?.allowlisted).toBe(false);
    expect(byTenant.get('current')?.allowlisted).toBe(true);
  });

  it('shows live lock holder', () => {
    const lock = byTenant.get('current')?.lock;
    expect(lock?.state).toBe('held');
    expect(lock?.state === 'held' ? `${lock.holder.host}:${lock.holder.pid}` : '').toBe('live-host:4242');
    expect(lock?.state === 'held' ? lock.leaseLeftMs : 0).toBeGreaterThan(0);
  });

  it('shows stale lock', () => {
    const lock = byTenant.get('behind')?.lock;
    expect(lock?.state).toBe('stale');
    expect(lock?.state === 'stale' ? lock.heartbeatAgeMs : 0).toBeGreaterThan(3_500_000);
  });

  it('shows free lock', () => {
    expect(byTenant.get('fresh')?.lock.state).toBe('free');
  });

  it('groups tenants by state', async () => {
    const result = await status(config, { redis });
    const total = result.groups.reduce((sum, group) => sum + group.count, 0);
    expect(total).toBe(8);
    expect(result.counts).toMatchObject({ 'up-to-date': 1, behind: 3, broken: 4, locked: 1, stale: 1, outsideAllowlist: 1 });
  });

  it('passes without fail-on-pending', async () => {
    const result = await status(config, { redis });
    expect(result.outcome).toBe('ok');
  });

  it('fails gate on pending', async () => {
    const result = await status(config, { redis, failOnPending: true });
    expect(result.outcome).toBe('check-failed');
  });

  it('passes gate when current', async () => {
    const result = await status(config, { redis, failOnPending: true, tenants: ['current.example.test'] });
    expect(result.outcome).toBe('ok');
    expect(result.tenants.map((tenant) => tenant.tenant)).toEqual(['current']);
  });

  it('fails gate on broken tenant', async () => {
    const result = await status(config, { redis, failOnPending: true, tenants: ['unreachable'] });
    expect(result.outcome).toBe('check-failed');
  });

  it('rejects unknown tenant', async () => {
    await expect(status(config, { redis, tenants: ['nobody'] })).rejects.toBeInstanceOf(GuardError);
  });

  it('reports Redis outage', async () => {
    const port = await freePort();
    const offline = loadConfig({ cwd: dir, env: {}, configPath, flags: { 'redis.url': `redis://127.0.0.1:${port}` } });
    const result = await status(offline, { tenants: ['current'] });
    expect(result.outcome).toBe('lock-unavailable');
    expect(result.lockServiceError).toContain('unreachable');
    expect(result.tenants[0]?.lock.state).toBe('unknown');
    expect(result.tenants[0]?.health).toBe('up-to-date');
  });
});
