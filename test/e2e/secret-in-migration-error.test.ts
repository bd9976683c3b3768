import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runTenantctl, tempDir, writeConfig } from '../helpers/cli.js';
import { createDatabase, databaseUrl, dropDatabase, uniqueDatabaseName } from '../helpers/postgres.js';
import { uniqueLockPrefix } from '../helpers/redis.js';

// The server trusts every login, so any password works; what matters is where it shows up.
const PASSWORD = 'Quoted-Secret-9f2c';

describe('migration error quoting the connection URL', () => {
  const database = uniqueDatabaseName('quoteurl');
  let dir: string;
  let auditPath: string;

  beforeAll(async () => {
    await createDatabase(database);
    dir = tempDir('quote-url');
    const migrations = join(dir, 'migrations');
    mkdirSync(migrations);
    // A user's migration that puts the URL it was given into its own error message.
    writeFileSync(
      join(migrations, '0001_quote.mjs'),
      `export async function up() { throw new Error(${JSON.stringify(`could not use ${databaseUrl(database, 'postgres', PASSWORD)}`)}); }\n`,
    );
    auditPath = join(dir, 'audit.jsonl');
    writeConfig(dir, {
      databases: { acme: databaseUrl(database, 'postgres', PASSWORD) },
      migrationDatabases: ['acme'],
      migrationsDir: migrations,
      auditLog: auditPath,
      lock: { prefix: uniqueLockPrefix('quoteurl') },
    });
  });

  afterAll(async () => {
    await dropDatabase(database);
  });

  it.each([
    ['table output', []],
    ['json output', ['--json']],
  ])('masks the password in %s', async (_label, extra) => {
    const result = await runTenantctl(['migrate', '--all', ...extra], { cwd: dir });

    expect(result.exitCode).toBe(1);
    expect(String(result.stdout)).toContain('could not use');
    expect(String(result.stdout)).not.toContain(PASSWORD);
    expect(String(result.stderr)).not.toContain(PASSWORD);
    expect(readFileSync(auditPath, 'utf8')).not.toContain(PASSWORD);
  });
});
