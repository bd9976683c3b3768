import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { validateStartup } from '../../src/app/validate-startup.js';
import { validateConfig } from '../../src/commands/validate-config.js';
import { EXAMPLE_MIGRATIONS } from '../helpers/cli.js';
import { createDatabase, databaseUrl, dropDatabase, uniqueDatabaseName } from '../helpers/postgres.js';
import { REDIS_URL, uniqueLockPrefix } from '../helpers/redis.js';

const acmeDb = uniqueDatabaseName('acme');

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    TENANT_DATABASES: JSON.stringify({ acme: databaseUrl(acmeDb) }),
    TENANT_MAPPINGS: JSON.stringify({ 'acme.example.test': 'acme' }),
    TENANT_MIGRATION_DATABASES: 'acme',
    TENANTCTL_MIGRATIONS_DIR: EXAMPLE_MIGRATIONS,
    TENANTCTL_LOCK_PREFIX: uniqueLockPrefix('startup'),
    REDIS_URL,
    ...extra,
  };
}

beforeAll(async () => {
  await createDatabase(acmeDb);
});

afterAll(async () => {
  await dropDatabase(acmeDb);
});

describe('validateStartup', () => {
  it('passes a good configuration', async () => {
    const report = await validateStartup({ load: { cwd: '/nonexistent-tenantctl-test', env: env() } });

    expect(report.errors).toEqual([]);
    expect(report.valid).toBe(true);
  });

  it('fails an unknown mapping alias', async () => {
    const report = await validateStartup({ load: { cwd: '/nonexistent-tenantctl-test', env: env({ TENANT_MAPPINGS: JSON.stringify({ 'x.example.test': 'initech' }) }) } });

    expect(report.valid).toBe(false);
    expect(report.errors.map((entry) => entry.message).join('\n')).toContain('initech');
  });

  it('matches validate-config checks', async () => {
    const options = { load: { cwd: '/nonexistent-tenantctl-test', env: env() } };

    const startup = await validateStartup(options);
    const cli = await validateConfig(options);

    expect(startup.checks.map((check) => [check.id, check.status])).toEqual(cli.checks.map((check) => [check.id, check.status]));
  });
});
