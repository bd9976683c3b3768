import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Result } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runTenantctl, tempDir, writeConfig } from '../helpers/cli.js';
import { appliedMigrations, databaseUrl } from '../helpers/postgres.js';
import { REDIS_URL, uniqueLockPrefix } from '../helpers/redis.js';
import { createFleet, createPasswordRole, dropRole, type Fleet, jsonOutput, type PasswordRole } from '../fixtures/migrate/tenant-fleet.js';

// Special characters that must be percent-encoded in a URL, so the encoded form differs from the raw one.
const PASSWORD = 'Tenant:S3cret/p@ss#w?rd%1';

/** Every form in which the password could leak into text. */
const LEAK_FORMS = [PASSWORD, encodeURIComponent(PASSWORD), JSON.stringify(PASSWORD).slice(1, -1), 'S3cret/p@ss', 'S3cret%2Fp%40ss'];

function expectNoPassword(label: string, text: string): void {
  for (const form of LEAK_FORMS) {
    expect(text, `${label} contains "${form}"`).not.toContain(form);
  }
}

function expectCleanOutput(result: Result): void {
  expectNoPassword('stdout', String(result.stdout));
  expectNoPassword('stderr', String(result.stderr));
}

describe('migrate password secrecy', () => {
  let role: PasswordRole;
  let fleet: Fleet;
  let auditPath: string;

  beforeAll(async () => {
    role = await createPasswordRole(PASSWORD);
    fleet = await createFleet('secret', ['acme', 'ghost'], { role, missing: ['ghost'] });
    auditPath = join(fleet.dir, 'audit.jsonl');
  });

  afterAll(async () => {
    await fleet.drop();
    await dropRole(role);
  });

  it('successful run leaks nothing', async () => {
    const result = await fleet.migrate(['--tenant', 'acme', '--json', '--audit-log', auditPath]);

    expect(result.exitCode).toBe(0);
    expect(await appliedMigrations(fleet.databases.acme as string)).toHaveLength(7);
    expectCleanOutput(result);
  });

  it('plain output leaks nothing', async () => {
    const result = await fleet.migrate(['--all', '--verbose', '--audit-log', auditPath]);

    expect(result.exitCode).toBe(1);
    expectCleanOutput(result);
  });

  it('failing database leaks nothing', async () => {
    const result = await fleet.migrate(['--all', '--json', '--audit-log', auditPath]);
    const ghost = jsonOutput(result).tenants.find((tenant: { tenant: string }) => tenant.tenant === 'ghost');

    expect(result.exitCode).toBe(1);
    expect(ghost.error.code).toBe('DATABASE_UNAVAILABLE');
    expectCleanOutput(result);
  });

  it('guard rejection leaks nothing', async () => {
    const url = databaseUrl(fleet.databases.acme as string, role.user, PASSWORD);

    const result = await fleet.migrate(['--tenant', url, '--json', '--audit-log', auditPath]);

    expect(result.exitCode).toBe(4);
    expectCleanOutput(result);
  });

  it('audit file leaks nothing', () => {
    const text = readFileSync(auditPath, 'utf8');

    expect(text.length).toBeGreaterThan(0);
    expectNoPassword('audit file', text);
  });
});

describe('migrate malformed URL secrecy', () => {
  const malformed: Array<[string, string]> = [
    ['unencoded password', `postgres://app:${PASSWORD}@127.0.0.1:5432/acme`],
    ['port-like password', `postgres://app:5432/${PASSWORD}@127.0.0.1/acme`],
    ['hash in password', `postgres://app:5432#${PASSWORD}@127.0.0.1/acme`],
    ['wrong scheme', `mysql://app:${encodeURIComponent(PASSWORD)}@127.0.0.1/acme`],
    ['query password', `postgres://app@127.0.0.1/acme?password=${encodeURIComponent(PASSWORD)}`],
  ];

  it.each(malformed)('%s exits 3, leaks nothing', async (_label, url) => {
    const dir = tempDir('secret-malformed');
    const configPath = writeConfig(dir, { databases: { acme: url }, migrationDatabases: ['acme'], redis: { url: REDIS_URL }, lock: { prefix: uniqueLockPrefix('secret') } });
    const auditPath = join(dir, 'audit.jsonl');

    for (const json of [true, false]) {
      const result = await runTenantctl(['migrate', '--config', configPath, '--tenant', 'acme', '--audit-log', auditPath, ...(json ? ['--json'] : [])], { cwd: dir });

      expect(result.exitCode).toBe(3);
      expect(String(result.stdout) + String(result.stderr)).toContain('databases.acme');
      expectCleanOutput(result);
    }
  });

  it('malformed TENANT_DATABASES leaks nothing', async () => {
    const dir = tempDir('secret-env');
    const text = `{"acme": "postgres://app:${PASSWORD}@127.0.0.1/acme",}`;

    const result = await runTenantctl(['migrate', '--tenant', 'acme', '--json'], { cwd: dir, env: { TENANT_DATABASES: text } });

    expect(result.exitCode).toBe(3);
    expectCleanOutput(result);
  });

  it('malformed Redis URL leaks nothing', async () => {
    const dir = tempDir('secret-redis');
    const configPath = writeConfig(dir, { databases: { acme: 'postgres://app@127.0.0.1/acme' }, migrationDatabases: ['acme'] });

    const result = await runTenantctl(['migrate', '--config', configPath, '--tenant', 'acme', '--redis-url', `redis://:${PASSWORD}@127.0.0.1:6379`], { cwd: dir });

    expect(result.exitCode).toBe(2);
    expectCleanOutput(result);
  });
});
