import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runTenantctl } from '../helpers/cli.js';
import { appliedMigrations } from '../helpers/postgres.js';
import { createFleet, type Fleet, jsonOutput } from '../fixtures/migrate/tenant-fleet.js';

describe('migrate wildcard hostname', () => {
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await createFleet('wild', ['charlie', 'default'], {
      config: { tenantMappings: { '*.charlie.example.test': 'charlie' }, strictMode: false },
    });
  });

  afterAll(async () => {
    await fleet.drop();
  });

  it('resolve accepts the hostname', async () => {
    const result = await runTenantctl(['resolve', '--config', fleet.configPath, '--json', 'x.charlie.example.test']);

    expect(result.exitCode).toBe(0);
    expect(String(result.stdout)).toContain('"charlie"');
  });

  it('migrate accepts the hostname', async () => {
    const result = await fleet.migrate(['--tenant', 'x.charlie.example.test', '--json']);
    const output = jsonOutput(result);

    expect(result.exitCode).toBe(0);
    expect(output.tenants.map((tenant: { tenant: string }) => tenant.tenant)).toEqual(['charlie']);
    expect(output.tenants[0].status).toBe('applied');
    expect((await appliedMigrations(fleet.databases.charlie as string)).length).toBeGreaterThan(0);
  });

  it('status accepts the hostname', async () => {
    const result = await runTenantctl(['status', '--config', fleet.configPath, '--tenant', 'x.charlie.example.test', '--json']);
    const output = jsonOutput(result);

    expect(result.exitCode).toBe(0);
    expect(output.tenants.map((tenant: { tenant: string }) => tenant.tenant)).toEqual(['charlie']);
  });

  it('unmapped host never falls back to default', async () => {
    const result = await fleet.migrate(['--tenant', 'other.example.test', '--json']);

    expect(result.exitCode).toBe(4);
    expect(String(result.stdout)).toContain('not in the tenant map');
    expect(await appliedMigrations(fleet.databases.default as string)).toEqual([]);
  });
});
