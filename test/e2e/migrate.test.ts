import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { appliedMigrations } from '../helpers/postgres.js';
import { createFleet, type Fleet, jsonOutput, tablesOf, uniqueCorrelationId } from '../fixtures/migrate/tenant-fleet.js';

const EXAMPLE_NAMES = [
  '0001_create_plans_and_accounts',
  '0002_create_users',
  '0003_create_projects',
  '0004_create_invoices',
  '0005_add_users_role',
  '0006_backfill_account_owners',
  '0007_rename_projects_to_workspaces',
];

describe('migrate one tenant', () => {
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await createFleet('one', ['acme', 'globex'], { config: { tenantMappings: { 'acme.example.test': 'acme' } } });
  });

  afterAll(async () => {
    await fleet.drop();
  });

  it('applies every example migration', async () => {
    const result = await fleet.migrate(['--tenant', 'acme', '--json']);
    const output = jsonOutput(result);

    expect(result.exitCode).toBe(0);
    expect(output.outcome).toBe('ok');
    expect(output.tenants).toHaveLength(1);
    expect(output.tenants[0].tenant).toBe('acme');
    expect(output.tenants[0].status).toBe('applied');
    expect(output.tenants[0].applied).toEqual(EXAMPLE_NAMES);
    expect(await appliedMigrations(fleet.databases.acme as string)).toEqual(EXAMPLE_NAMES);
    expect(await tablesOf(fleet.databases.acme as string)).toContain('workspaces');
  });

  it('leaves the other tenant alone', async () => {
    expect(await tablesOf(fleet.databases.globex as string)).toEqual([]);
  });

  it('second run applies nothing', async () => {
    const result = await fleet.migrate(['--tenant', 'ACME.example.test.', '--json']);
    const output = jsonOutput(result);
    const events = String(result.stderr)
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as { event: string });

    expect(result.exitCode).toBe(0);
    expect(output.tenants[0].tenant).toBe('acme');
    expect(output.tenants[0].status).toBe('up-to-date');
    expect(output.tenants[0].applied).toEqual([]);
    expect(events.map((event) => event.event)).not.toContain('lock.acquired');
    expect(await appliedMigrations(fleet.databases.acme as string)).toEqual(EXAMPLE_NAMES);
  });

  it('--to migrates down', async () => {
    const result = await fleet.migrate(['--tenant', 'acme', '--to', '0002_create_users', '--json']);
    const output = jsonOutput(result);
    const started = String(result.stderr)
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as { event: string; direction?: string })
      .find((event) => event.event === 'tenant.started');

    expect(result.exitCode).toBe(0);
    expect(output.outcome).toBe('ok');
    expect(output.tenants[0].status).toBe('reverted');
    expect(output.tenants[0].direction).toBe('down');
    expect(output.counts).toEqual({ reverted: 1 });
    expect(started?.direction).toBe('down');
    expect(output.tenants[0].applied).toEqual(EXAMPLE_NAMES.slice(2).reverse());
    expect(await appliedMigrations(fleet.databases.acme as string)).toEqual(EXAMPLE_NAMES.slice(0, 2));
    expect(await tablesOf(fleet.databases.acme as string)).not.toContain('workspaces');
    expect(await tablesOf(fleet.databases.acme as string)).not.toContain('projects');
    expect(await tablesOf(fleet.databases.acme as string)).toContain('users');
  });

  it('--to migrates up', async () => {
    const result = await fleet.migrate(['--tenant', 'acme', '--to', '0004_create_invoices', '--json']);
    const output = jsonOutput(result);

    expect(result.exitCode).toBe(0);
    expect(output.tenants[0].status).toBe('applied');
    expect(output.tenants[0].direction).toBe('up');
    expect(output.tenants[0].applied).toEqual(EXAMPLE_NAMES.slice(2, 4));
    expect(await appliedMigrations(fleet.databases.acme as string)).toEqual(EXAMPLE_NAMES.slice(0, 4));
    expect(await tablesOf(fleet.databases.acme as string)).toContain('invoices');
  });

  it('--to current applies nothing', async () => {
    const result = await fleet.migrate(['--tenant', 'acme', '--to', '0004_create_invoices', '--json']);

    expect(result.exitCode).toBe(0);
    expect(jsonOutput(result).tenants[0].status).toBe('up-to-date');
  });

  it('--to unknown migration is usage error', async () => {
    const result = await fleet.migrate(['--tenant', 'acme', '--to', '9999_nope', '--json']);

    expect(result.exitCode).toBe(2);
    expect(jsonOutput(result).error.code).toBe('USAGE_INVALID');
    expect(await appliedMigrations(fleet.databases.acme as string)).toEqual(EXAMPLE_NAMES.slice(0, 4));
  });

  it('--to on fresh tenant migrates up', async () => {
    const result = await fleet.migrate(['--tenant', 'globex', '--to', '0001_create_plans_and_accounts', '--json']);

    expect(result.exitCode).toBe(0);
    expect(jsonOutput(result).tenants[0].applied).toEqual(EXAMPLE_NAMES.slice(0, 1));
    expect(await appliedMigrations(fleet.databases.globex as string)).toEqual(EXAMPLE_NAMES.slice(0, 1));
  });

  it('plain output shows reverted', async () => {
    const result = await fleet.migrate(['--tenant', 'acme', '--to', '0003_create_projects']);

    expect(result.exitCode).toBe(0);
    expect(String(result.stderr)).toContain('acme: reverted (1 reverted,');
    expect(String(result.stdout)).toMatch(/acme\s*│\s*reverted\s*│\s*1\s*│/);
    expect(String(result.stdout)).toContain('1 reverted in');
    expect(await appliedMigrations(fleet.databases.acme as string)).toEqual(EXAMPLE_NAMES.slice(0, 3));
  });
});

describe('migrate all tenants', () => {
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await createFleet('all', ['acme', 'globex', 'initech', 'analytics'], { allowlist: ['acme', 'globex', 'initech'] });
  });

  afterAll(async () => {
    await fleet.drop();
  });

  it('applies allowlisted tenants only', async () => {
    const result = await fleet.migrate(['--all', '--json']);
    const output = jsonOutput(result);

    expect(result.exitCode).toBe(0);
    expect(output.tenants.map((tenant: { tenant: string }) => tenant.tenant)).toEqual(['acme', 'globex', 'initech']);
    expect(output.tenants.map((tenant: { status: string }) => tenant.status)).toEqual(['applied', 'applied', 'applied']);
    expect(output.counts).toEqual({ applied: 3 });
    for (const alias of ['acme', 'globex', 'initech']) {
      expect(await appliedMigrations(fleet.databases[alias] as string)).toEqual(EXAMPLE_NAMES);
    }
  });

  it('never touches alias outside allowlist', async () => {
    expect(await tablesOf(fleet.databases.analytics as string)).toEqual([]);
  });

  it('second run is up to date', async () => {
    const result = await fleet.migrate(['--all', '--json']);
    const output = jsonOutput(result);

    expect(result.exitCode).toBe(0);
    expect(output.counts).toEqual({ 'up-to-date': 3 });
    expect(output.tenants.every((tenant: { applied: string[] }) => tenant.applied.length === 0)).toBe(true);
  });

  it('--json prints one document', async () => {
    const result = await fleet.migrate(['--all', '--json']);
    const output = jsonOutput(result);

    expect(output.command).toBe('migrate');
    expect(typeof output.correlationId).toBe('string');
    expect(output.tenants).toHaveLength(3);
    for (const line of String(result.stderr).split('\n').filter((text) => text !== '')) {
      expect(() => JSON.parse(line)).not.toThrow();
    }
  });

  it('plain output lists every tenant', async () => {
    const result = await fleet.migrate(['--all']);

    expect(result.exitCode).toBe(0);
    expect(String(result.stdout)).toContain('acme');
    expect(String(result.stdout)).toContain('initech');
    expect(String(result.stdout)).toContain('up-to-date');
    expect(String(result.stdout)).not.toContain('analytics');
    expect(String(result.stdout)).not.toMatch(/\u001b\[/);
  });
});

describe('migrate audit log', () => {
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await createFleet('audit', ['acme', 'globex']);
  });

  afterAll(async () => {
    await fleet.drop();
  });

  it('records the run with one correlation ID', async () => {
    const correlationId = uniqueCorrelationId('audit');
    const auditPath = join(fleet.dir, 'audit.jsonl');

    const result = await fleet.migrate(['--all', '--json', '--correlation-id', correlationId, '--audit-log', auditPath]);
    const lines = readFileSync(auditPath, 'utf8').split('\n');
    const records = lines.filter((line) => line !== '').map((line) => JSON.parse(line) as { event: string; correlationId: string; time: string; tenant?: string });
    const events = records.map((record) => record.event);

    expect(result.exitCode).toBe(0);
    expect(jsonOutput(result).correlationId).toBe(correlationId);
    expect(lines.at(-1)).toBe('');
    expect(records.every((record) => record.correlationId === correlationId)).toBe(true);
    expect(records.every((record) => !Number.isNaN(Date.parse(record.time)))).toBe(true);
    expect(events).toContain('guard.allowed');
    expect(events).toContain('lock.acquired');
    expect(events).toContain('migration.applied');
    expect(events).toContain('lock.released');
    expect(events.at(-1)).toBe('run.finished');
    expect(records.filter((record) => record.event === 'migration.applied' && record.tenant === 'acme')).toHaveLength(EXAMPLE_NAMES.length);
    expect(records.filter((record) => record.event === 'lock.released').map((record) => record.tenant).sort()).toEqual(['acme', 'globex']);
  });

  it('appends runs to the same file', async () => {
    const auditPath = join(fleet.dir, 'append.jsonl');

    await fleet.migrate(['--all', '--correlation-id', 'first-run', '--audit-log', auditPath]);
    await fleet.migrate(['--all', '--correlation-id', 'second-run', '--audit-log', auditPath]);
    const ids = new Set(
      readFileSync(auditPath, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => (JSON.parse(line) as { correlationId: string }).correlationId),
    );

    expect([...ids]).toEqual(['first-run', 'second-run']);
  });

  it('rejects malformed correlation ID', async () => {
    const result = await fleet.migrate(['--all', '--correlation-id', 'bad id; drop']);

    expect(result.exitCode).toBe(2);
  });
});

describe('migrate missing database', () => {
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await createFleet('missing', ['acme', 'ghost'], { missing: ['ghost'] });
  });

  afterAll(async () => {
    await fleet.drop();
  });

  it('reports failure, migrates the rest', async () => {
    const result = await fleet.migrate(['--all', '--json']);
    const output = jsonOutput(result);
    const ghost = output.tenants.find((tenant: { tenant: string }) => tenant.tenant === 'ghost');
    const acme = output.tenants.find((tenant: { tenant: string }) => tenant.tenant === 'acme');

    expect(result.exitCode).toBe(1);
    expect(output.outcome).toBe('tenant-failed');
    expect(ghost.status).toBe('failed');
    expect(ghost.error.code).toBe('DATABASE_UNAVAILABLE');
    expect(ghost.error.postgres.code).toBe('3D000');
    expect(acme.status).toBe('applied');
    expect(String(result.stderr)).not.toContain('INTERNAL');
  });
});
