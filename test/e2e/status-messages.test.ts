import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { EXAMPLE_MIGRATIONS, runTenantctl, tempDir, writeConfig } from '../helpers/cli.js';
import { createDatabase, databaseUrl, dropDatabase, uniqueDatabaseName } from '../helpers/postgres.js';
import { uniqueLockPrefix } from '../helpers/redis.js';

describe('status messages', () => {
  const outside = uniqueDatabaseName('outside');
  let configPath: string;

  beforeAll(async () => {
    await createDatabase(outside);
    configPath = writeConfig(tempDir('status-messages'), {
      databases: { outside: databaseUrl(outside), gone: databaseUrl(uniqueDatabaseName('never_created')) },
      migrationDatabases: ['gone'],
      migrationsDir: EXAMPLE_MIGRATIONS,
      lock: { prefix: uniqueLockPrefix('status-messages') },
    });
  }, 120_000);

  afterAll(async () => {
    await dropDatabase(outside);
  }, 120_000);

  it('alias outside allowlist not told to migrate', async () => {
    const result = await runTenantctl(['status', '--config', configPath, '--verbose']);

    expect(result.stdout).toContain('the alias is outside the migration allowlist, so `tenantctl migrate` never touches it');
    expect(result.stdout).not.toContain('`tenantctl migrate` creates it');
  });

  it('missing database shows pending unknown', async () => {
    const result = await runTenantctl(['status', '--config', configPath, '--verbose', '--tenant', 'gone']);
    const rows = result.stdout.split('\n').filter((line) => line.includes('│ gone'));

    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/│ unknown\s+│ unknown\s+│/);
    expect(result.stdout).toMatch(/│ 1\s+│ broken\s+│ unknown\s+│\s+│ unknown\s+│ database-not-found/);
  });

  it('Redis down leaves lock state unknown', async () => {
    const result = await runTenantctl(['status', '--config', configPath, '--redis-url', 'redis://127.0.0.1:1']);

    expect(result.stdout).toContain('lock state unknown (Redis unavailable)');
    expect(result.stdout).not.toContain('0 locked');
  });

  it('piped table is content sized', async () => {
    const result = await runTenantctl(['status', '--config', configPath, '--verbose']);
    const problemLine = result.stdout.split('\n').find((line) => line.includes('database-not-found:'));

    expect(result.stdout).not.toContain('…');
    expect(problemLine).toContain('create it or fix databases');
  });
});
