import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runTenantctl, tempDir, writeConfig } from '../helpers/cli.js';

/** A folder with a config whose one database is never reached by the tests in this file. */
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
});
