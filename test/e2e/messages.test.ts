import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { EXAMPLE_MIGRATIONS, runTenantctl, tempDir, writeConfig } from '../helpers/cli.js';
import { uniqueLockPrefix } from '../helpers/redis.js';

/** Two databases that fail at once: one does not exist, and nothing listens on loopback port 1. */
const UNAVAILABLE = {
  databases: {
    missing: 'postgres://postgres@127.0.0.1:5432/tenantctl_messages_never_created',
    refused: 'postgres://postgres@127.0.0.1:1/refused',
  },
  migrationDatabases: ['missing', 'refused'],
};

/** Writes a config into a new folder and returns the folder; `config` replaces the default keys. */
function configDir(label: string, config: Record<string, unknown> = {}): string {
  const dir = tempDir(label);
  writeConfig(dir, { databases: { acme: 'postgres://postgres@127.0.0.1:5432/tenantctl_messages_acme' }, migrationDatabases: ['acme'], ...config });
  return dir;
}

describe('error messages', () => {
  it('missing migrations folder is named', async () => {
    const dir = configDir('messages-migrations');

    const result = await runTenantctl(['migrate', '--all', '--migrations', './nope'], { cwd: dir });

    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(`  - ${join(dir, 'nope')}: the folder does not exist`);
    expect(result.stderr).not.toContain('  - .:');
  });

  it('Redis refusal names the reason', async () => {
    const dir = configDir('messages-redis');

    // Nothing listens on loopback port 1, so the connection is refused at once.
    const result = await runTenantctl(['locks', '--redis-url', 'redis://:secret-pw@127.0.0.1:1'], { cwd: dir });

    expect(result.exitCode).toBe(5);
    expect(result.stderr).toContain('Redis at redis://:****@127.0.0.1:1 is unreachable: connection refused (ECONNREFUSED); start Redis or fix redis.url (REDIS_URL)');
    expect(result.stderr).not.toContain('Connection is closed');
    expect(result.stderr).not.toContain('.;');
    expect(result.stderr).not.toContain('secret-pw');
  });

  it('validate-config says within only for timeouts', async () => {
    const dir = configDir('messages-validate', UNAVAILABLE);

    const result = await runTenantctl(['validate-config', '--migrations', EXAMPLE_MIGRATIONS], { cwd: dir });
    const output = `${result.stdout}${result.stderr}`;

    expect(output).toContain('tenantctl_messages_never_created failed to connect: database "tenantctl_messages_never_created" does not exist (SQLSTATE 3D000); create it or fix databases.missing');
    expect(output).toContain('/refused failed to connect: connect ECONNREFUSED 127.0.0.1:1; check that the server runs and databases.refused points at it');
    expect(output).not.toContain('within');
  });

  it('migrate gives next step when database unavailable', async () => {
    const dir = configDir('messages-migrate-unavailable', UNAVAILABLE);

    const result = await runTenantctl(['migrate', '--all', '--json', '--migrations', EXAMPLE_MIGRATIONS, '--lock-prefix', uniqueLockPrefix('messages')], { cwd: dir });
    const document = JSON.parse(result.stdout) as { tenants: Array<{ tenant: string; error?: { code: string; message: string; postgres?: { code: string } } }> };
    const errors = new Map(document.tenants.map((tenant) => [tenant.tenant, tenant.error]));

    expect(errors.get('missing')?.code).toBe('DATABASE_UNAVAILABLE');
    expect(errors.get('missing')?.message).toBe('database "tenantctl_messages_never_created" does not exist; create it or fix databases.missing');
    expect(errors.get('missing')?.postgres?.code).toBe('3D000');
    expect(errors.get('refused')?.code).toBe('DATABASE_UNAVAILABLE');
    expect(errors.get('refused')?.message).toBe('connect ECONNREFUSED 127.0.0.1:1; check that the server runs and databases.refused points at it');
  });

  it('status guard header is neutral', async () => {
    const dir = configDir('messages-guard');

    const result = await runTenantctl(['status', '--tenant', 'unknown'], { cwd: dir });

    expect(result.exitCode).toBe(4);
    expect(result.stderr).toContain('error [GUARD_REJECTED] Rejected before any connection; no database was touched:');
    expect(result.stderr).not.toContain('migration guard');
  });

  it.each(['0', '2.5', 'abc', '300'])('--concurrency %s has one form', async (value) => {
    const dir = configDir('messages-concurrency');

    const result = await runTenantctl(['migrate', '--all', '--concurrency', value], { cwd: dir });

    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`error [USAGE_INVALID] --concurrency must be a whole number from 1 to 256, got "${value}"`);
  });

  it('flag checked by config has same form', async () => {
    const dir = configDir('messages-lock-prefix');

    const result = await runTenantctl(['locks', '--lock-prefix', 'a*'], { cwd: dir });

    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('error [USAGE_INVALID] --lock-prefix must not contain the glob characters * ? [ ], which SCAN patterns would expand, got "a*"');
  });

  it('unknown flag renders as usage error', async () => {
    const dir = configDir('messages-unknown-flag');

    const result = await runTenantctl(['migrate', '--bogus'], { cwd: dir });

    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe("error [USAGE_INVALID] unknown option '--bogus'; run with --help for usage");
    expect(result.stdout).toBe('');
  });

  it('unknown flag with --json prints document', async () => {
    const dir = configDir('messages-unknown-flag-json');

    const result = await runTenantctl(['migrate', '--json', '--bogus'], { cwd: dir });
    const document = JSON.parse(result.stdout) as { error: { code: string; message: string } };

    expect(result.exitCode).toBe(2);
    expect(document.error.code).toBe('USAGE_INVALID');
    expect(document.error.message).toBe("unknown option '--bogus'; run with --help for usage");
    expect(result.stderr).not.toContain('unknown option');
  });

  it('suggestion stays on one line', async () => {
    const dir = configDir('messages-flag-suggestion');

    const result = await runTenantctl(['migrate', '--tenantt', 'acme'], { cwd: dir });

    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe("error [USAGE_INVALID] unknown option '--tenantt' (Did you mean --tenant?); run with --help for usage");
  });
});
