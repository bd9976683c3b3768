import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BIN, EXAMPLE_MIGRATIONS, cleanEnv, tempDir, writeConfig } from '../helpers/cli.js';
import { appliedMigrations, createDatabase, databaseUrl, dropDatabase, uniqueDatabaseName } from '../helpers/postgres.js';
import { uniqueLockPrefix } from '../helpers/redis.js';

// `script` gives the CLI a pseudo-terminal without a window size (0 columns), where ora 8 used to
// clear lines forever instead of drawing its spinner.
describe('migrate on a terminal without a width', () => {
  const database = uniqueDatabaseName('tty');
  let configPath: string;

  beforeAll(async () => {
    await createDatabase(database);
    configPath = writeConfig(tempDir('tty'), {
      databases: { acme: databaseUrl(database) },
      migrationDatabases: ['acme'],
      migrationsDir: EXAMPLE_MIGRATIONS,
      lock: { prefix: uniqueLockPrefix('tty') },
    });
  });

  afterAll(async () => {
    await dropDatabase(database);
  });

  it('finishes and prints the summary', async () => {
    const command = `node ${BIN} migrate --all --config ${configPath}`;
    const result = await execa('script', ['-qec', command, '/dev/null'], {
      env: cleanEnv({ CI: undefined }),
      extendEnv: false,
      reject: false,
      timeout: 60_000,
      stdin: 'ignore',
    });

    expect(result.timedOut).toBe(false);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('1 applied');
    expect(await appliedMigrations(database)).toHaveLength(7);
  });
});
