import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runTenantctl } from '../helpers/cli.js';
import { appliedMigrations } from '../helpers/postgres.js';
import { createFleet, FIXTURES, type Fleet, jsonOutput } from '../fixtures/migrate/tenant-fleet.js';

/** 0001 and 0003 have a down function, but 0002_nodown has none. */
const NO_DOWN_MIGRATIONS = join(FIXTURES, 'no-down');
const ALL_NAMES = ['0001_create_items', '0002_nodown', '0003_create_tags'];

describe('migrate --to below migration without down', () => {
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await createFleet('nodown', ['acme'], { migrationsDir: NO_DOWN_MIGRATIONS });
    const result = await fleet.migrate(['--all', '--json']);
    expect(result.exitCode).toBe(0);
  });

  afterAll(async () => {
    await fleet.drop();
  });

  it('fails the tenant before locking', async () => {
    const result = await fleet.migrate(['--tenant', 'acme', '--to', '0001_create_items', '--json']);
    const output = jsonOutput(result);
    const events = String(result.stderr)
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as { event: string });

    expect(result.exitCode).toBe(1);
    expect(output.tenants[0].status).toBe('failed');
    expect(output.tenants[0].error.code).toBe('MIGRATION_STATE_INVALID');
    expect(output.tenants[0].error.message).toBe(
      '0002_nodown has no down function, so tenantctl cannot migrate below it; add a down or choose --to 0002_nodown or later',
    );
    expect(events.map((event) => event.event)).not.toContain('lock.acquired');
    expect(await appliedMigrations(fleet.databases.acme as string)).toEqual(ALL_NAMES);
  });

  it('status still reports up to date', async () => {
    const result = await runTenantctl(['status', '--config', fleet.configPath, '--json']);
    const output = jsonOutput(result);

    expect(result.exitCode).toBe(0);
    expect(output.tenants[0].health).toBe('up-to-date');
    expect(output.tenants[0].problems).toEqual([]);
  });

  it('--to the migration without down works', async () => {
    const result = await fleet.migrate(['--tenant', 'acme', '--to', '0002_nodown', '--json']);

    expect(result.exitCode).toBe(0);
    expect(jsonOutput(result).tenants[0].applied).toEqual(['0003_create_tags']);
    expect(await appliedMigrations(fleet.databases.acme as string)).toEqual(ALL_NAMES.slice(0, 2));
  });
});
