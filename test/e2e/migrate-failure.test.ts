import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { appliedMigrations } from '../helpers/postgres.js';
import { createFleet, FAILING_MIGRATIONS, type Fleet, jsonOutput, queryAs, tablesOf } from '../fixtures/migrate/tenant-fleet.js';

/** Everything a failed run could have changed in one database: tables and the rows of the settings table. */
async function snapshot(database: string): Promise<{ tables: string[]; settings: unknown[] }> {
  const tables = await tablesOf(database);
  const settings = tables.includes('settings') ? await queryAs(database, 'select key, value from settings order by key') : [];
  return { tables, settings };
}

describe('migrate failing migration', () => {
  let fleet: Fleet;
  let before: Awaited<ReturnType<typeof snapshot>>;
  let output: Record<string, any>;
  let exitCode: number | undefined;

  beforeAll(async () => {
    fleet = await createFleet('failing', ['acme', 'globex', 'initech'], { migrationsDir: FAILING_MIGRATIONS });

    // Only globex already has a "theme" setting, so the second migration's insert fails there alone.
    const globex = fleet.databases.globex as string;
    await queryAs(globex, `create table settings (key text primary key, value text not null)`);
    await queryAs(globex, `insert into settings (key, value) values ('theme', 'dark')`);
    before = await snapshot(globex);

    const result = await fleet.migrate(['--all', '--json']);
    output = jsonOutput(result);
    exitCode = result.exitCode;
  });

  afterAll(async () => {
    await fleet.drop();
  });

  function tenant(alias: string): Record<string, any> {
    return output.tenants.find((entry: { tenant: string }) => entry.tenant === alias);
  }

  it('exits 1', () => {
    expect(exitCode).toBe(1);
    expect(output.outcome).toBe('tenant-failed');
  });

  it('reports the PostgreSQL error', () => {
    const globex = tenant('globex');

    expect(globex.status).toBe('failed');
    expect(globex.applied).toEqual([]);
    expect(globex.error.code).toBe('MIGRATION_FAILED');
    expect(globex.error.migration).toBe('0002_seed_settings');
    expect(globex.error.postgres.code).toBe('23505');
    expect(globex.error.postgres.detail).toContain('(key)=(theme)');
  });

  it('leaves failed tenant as before', async () => {
    const globex = fleet.databases.globex as string;

    expect(await snapshot(globex)).toEqual(before);
    expect(await appliedMigrations(globex)).toEqual([]);
  });

  it('applies the other tenants', async () => {
    for (const alias of ['acme', 'initech']) {
      expect(tenant(alias).status).toBe('applied');
      expect(await appliedMigrations(fleet.databases[alias] as string)).toEqual(['0001_create_items', '0002_seed_settings']);
    }
  });

  it('retry fails the same way', async () => {
    const result = await fleet.migrate(['--tenant', 'globex', '--json']);
    const retry = jsonOutput(result);

    expect(result.exitCode).toBe(1);
    expect(retry.tenants[0].error.postgres.code).toBe('23505');
    expect(await snapshot(fleet.databases.globex as string)).toEqual(before);
  });

  it('--fail-fast starts no further tenant', async () => {
    const serial = await createFleet('failfast', ['a1', 'b2', 'c3'], { migrationsDir: FAILING_MIGRATIONS });
    try {
      const a1 = serial.databases.a1 as string;
      await queryAs(a1, `create table settings (key text primary key, value text not null)`);
      await queryAs(a1, `insert into settings (key, value) values ('theme', 'dark')`);

      const result = await serial.migrate(['--all', '--json', '--fail-fast', '--concurrency', '1']);
      const statuses = jsonOutput(result).tenants.map((entry: { status: string }) => entry.status);

      expect(result.exitCode).toBe(1);
      expect(statuses).toEqual(['failed', 'skipped', 'skipped']);
      expect(await tablesOf(serial.databases.b2 as string)).toEqual([]);
    } finally {
      await serial.drop();
    }
  });
});

describe('migrate failing first run', () => {
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await createFleet('failfirst', ['acme'], { migrationsDir: FAILING_MIGRATIONS });
  });

  afterAll(async () => {
    await fleet.drop();
  });

  it('failed fresh tenant keeps no tables', async () => {
    const acme = fleet.databases.acme as string;
    await queryAs(acme, `create table settings (key text primary key, value text not null)`);
    await queryAs(acme, `insert into settings (key, value) values ('theme', 'dark')`);

    const result = await fleet.migrate(['--all', '--json']);

    expect(result.exitCode).toBe(1);
    expect(await tablesOf(acme)).toEqual(['settings']);
  });
});
