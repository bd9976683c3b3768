import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runTenantctl, tempDir, writeConfig } from '../helpers/cli.js';
import { appliedMigrations, createDatabase, databaseUrl, dropDatabase, uniqueDatabaseName } from '../helpers/postgres.js';
import { uniqueLockPrefix } from '../helpers/redis.js';

describe('migrate with an unusable audit log path', () => {
  const database = uniqueDatabaseName('auditpath');
  let dir: string;

  beforeAll(async () => {
    await createDatabase(database);
    dir = tempDir('audit-path');
    writeConfig(dir, {
      databases: { acme: databaseUrl(database) },
      migrationDatabases: ['acme'],
      migrationsDir: join(dir, 'migrations-not-needed'),
      lock: { prefix: uniqueLockPrefix('auditpath') },
    });
  });

  afterAll(async () => {
    await dropDatabase(database);
  });

  // Recursive mkdir under /proc never returns on Node 20, so a folder must not be created for the file.
  it.each([
    ['a folder under /proc', '/proc/tenantctl-missing/audit.jsonl'],
    ['a missing folder', '/tmp/tenantctl-missing-folder-7c1/audit.jsonl'],
  ])('rejects %s as config', async (_label, path) => {
    const result = await runTenantctl(['migrate', '--all', '--audit-log', path], { cwd: dir, timeoutMs: 20_000 });

    expect(result.timedOut).toBe(false);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(path);
    expect(result.stderr).toContain('create its folder first');
    expect(await appliedMigrations(database)).toEqual([]);
  });
});
