import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { runTenantctl, tempDir, writeConfig } from '../helpers/cli.js';
import { createRedis, deleteKeys, REDIS_URL, uniqueLockPrefix } from '../helpers/redis.js';
import { freePort } from '../helpers/free-port.js';
import { type OwnPostgres, startOwnPostgres } from './helpers/own-postgres.js';
import { startTripwire, type Tripwire } from './helpers/tripwire.js';

interface RunSummary {
  correlationId: string;
  outcome: string;
  tenants: Array<{ tenant: string; status: string; applied: string[]; error?: { code: string; message: string; postgres?: { code?: string } } }>;
}

const CROWDED_MAX_CONNECTIONS = 3;

describe('PostgreSQL failing', () => {
  let healthy: OwnPostgres;
  let crowded: OwnPostgres;
  let silent: Tripwire;
  const holders: pg.Client[] = [];
  const dir = tempDir('tenantctl-pgfault');
  const prefix = uniqueLockPrefix('pgfault');

  beforeAll(async () => {
    [healthy, crowded] = await Promise.all([
      startOwnPostgres(),
      startOwnPostgres({ max_connections: CROWDED_MAX_CONNECTIONS, superuser_reserved_connections: 0 }),
    ]);

    const admin = new pg.Client({ connectionString: healthy.adminUrl });
    await admin.connect();
    try {
      await admin.query('create database good_db');
      await admin.query('create database slow_db');
    } finally {
      await admin.end();
    }

    // Every connection slot of the crowded server is taken, so the next one gets SQLSTATE 53300.
    for (let index = 0; index < CROWDED_MAX_CONNECTIONS; index++) {
      const client = new pg.Client({ connectionString: crowded.adminUrl });
      await client.connect();
      holders.push(client);
    }

    const migrations = join(dir, 'migrations');
    mkdirSync(migrations);
    writeFileSync(
      join(migrations, '0001_create_items.ts'),
      [
        `import { type Kysely, sql } from 'kysely';`,
        '',
        'export async function up(db: Kysely<any>): Promise<void> {',
        '  await sql`create table items (id int)`.execute(db);',
        "  await sql`select pg_sleep(case when current_database() = 'slow_db' then 30 else 0 end)`.execute(db);",
        '}',
        '',
      ].join('\n'),
    );

    const refusedPort = await freePort();
    silent = await startTripwire({ silent: true });
    writeConfig(dir, {
      databases: {
        good: healthy.urlFor('good_db'),
        refused: `postgres://postgres@127.0.0.1:${refusedPort}/nothing`,
        missing: healthy.urlFor('no_such_db'),
        crowded: crowded.urlFor('postgres'),
        slow: healthy.urlFor('slow_db'),
        silent: `postgres://postgres@127.0.0.1:${silent.port}/silent`,
      },
      migrationDatabases: ['good', 'refused', 'missing', 'crowded', 'slow', 'silent'],
      migrationsDir: './migrations',
      redis: { url: REDIS_URL },
      lock: { prefix },
    });
  }, 180_000);

  afterAll(async () => {
    for (const client of holders) {
      await client.end().catch(() => undefined);
    }

    await silent?.close();
    healthy?.stop();
    crowded?.stop();
    const redis = createRedis();
    try {
      await deleteKeys(redis, prefix);
    } finally {
      redis.disconnect();
    }
  }, 120_000);

  test('each failure stays with its tenant', async () => {
    const started = Date.now();
    const result = await runTenantctl(['migrate', '--all', '--concurrency', '6', '--json'], {
      cwd: dir,
      env: { TENANTCTL_PG_STATEMENT_TIMEOUT_SECONDS: '1', TENANTCTL_PG_CONNECT_TIMEOUT_SECONDS: '3' },
    });
    const elapsedMs = Date.now() - started;

    expect(result.exitCode).toBe(1);
    expect(elapsedMs).toBeLessThan(15_000);
    expect(result.stderr).not.toContain('open handles kept the process alive');

    const summary = JSON.parse(String(result.stdout)) as RunSummary;
    const byTenant = new Map(summary.tenants.map((tenant) => [tenant.tenant, tenant]));

    expect(byTenant.get('good')?.status).toBe('applied');
    expect(byTenant.get('good')?.applied).toEqual(['0001_create_items']);

    expect(byTenant.get('refused')?.status).toBe('failed');
    expect(byTenant.get('refused')?.error?.code).toBe('DATABASE_UNAVAILABLE');

    expect(byTenant.get('missing')?.status).toBe('failed');
    expect(byTenant.get('missing')?.error?.code).toBe('DATABASE_UNAVAILABLE');
    expect(byTenant.get('missing')?.error?.postgres?.code).toBe('3D000');

    expect(byTenant.get('crowded')?.status).toBe('failed');
    expect(byTenant.get('crowded')?.error?.code).toBe('DATABASE_UNAVAILABLE');
    expect(byTenant.get('crowded')?.error?.postgres?.code).toBe('53300');

    expect(byTenant.get('silent')?.status).toBe('failed');
    expect(byTenant.get('silent')?.error?.code).toBe('DATABASE_UNAVAILABLE');
    expect(silent.connections()).toBe(1);

    expect(byTenant.get('slow')?.status).toBe('failed');
    expect(byTenant.get('slow')?.error?.code).toBe('MIGRATION_FAILED');
    expect(byTenant.get('slow')?.error?.postgres?.code).toBe('57014');

    // The timed-out statement rolled back its table with it, and no session of the run stays open.
    const admin = new pg.Client({ connectionString: healthy.urlFor('slow_db') });
    await admin.connect();
    try {
      const tables = await admin.query(`select to_regclass('public.items') as items`);
      expect(tables.rows[0]?.items).toBeNull();
      const sessions = await admin.query(`select count(*)::int as count from pg_stat_activity where application_name = $1`, [`tenantctl:${summary.correlationId}`]);
      expect(sessions.rows[0]?.count).toBe(0);
    } finally {
      await admin.end();
    }
  });
});
