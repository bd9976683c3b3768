import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../../src/config/load-config.js';
import { runWithTenant } from '../../src/context/tenant-context.js';
import { TenantDatabases } from '../../src/db/tenant-db.js';
import { TenantAliasError, TenantContextError } from '../../src/errors.js';
import { countConnections, createDatabase, databaseUrl, dropDatabase, uniqueDatabaseName } from '../helpers/postgres.js';

const acmeDb = uniqueDatabaseName('acme');
const globexDb = uniqueDatabaseName('globex');
const appName = `tdb-${acmeDb.slice(4, 10)}`;
let databases: TenantDatabases;

beforeAll(async () => {
  await createDatabase(acmeDb);
  await createDatabase(globexDb);
  const config = loadConfig({
    cwd: '/nonexistent-tenantctl-test',
    env: { TENANT_DATABASES: JSON.stringify({ acme: databaseUrl(acmeDb), globex: databaseUrl(globexDb) }) },
  });
  databases = new TenantDatabases(config, { applicationName: appName, maxConnections: 2 });
});

afterAll(async () => {
  await databases.destroyAll();
  await dropDatabase(acmeDb);
  await dropDatabase(globexDb);
});

async function databaseName(alias?: string): Promise<string | undefined> {
  const result = await sql<{ name: string }>`select current_database() as name`.execute(databases.tenantDb(alias));
  return result.rows[0]?.name;
}

describe('tenantDb', () => {
  it('connects each alias to its database', async () => {
    expect(await databaseName('acme')).toBe(acmeDb);
    expect(await databaseName('globex')).toBe(globexDb);
  });

  it('reuses one instance per alias', () => {
    expect(databases.tenantDb('acme')).toBe(databases.tenantDb('acme'));
    expect(databases.tenantDb('acme')).not.toBe(databases.tenantDb('globex'));
  });

  it('uses the current tenant', async () => {
    expect(await runWithTenant('globex', () => databaseName())).toBe(globexDb);
  });

  it('throws outside a tenant context', () => {
    expect(() => databases.tenantDb()).toThrow(TenantContextError);
  });

  it.each(['initech', 'ACME', '', 'acme; drop database x', '__proto__'])('rejects alias %j', (alias) => {
    expect(() => databases.tenantDb(alias)).toThrow(TenantAliasError);
    expect(databases.openAliases()).not.toContain(alias);
  });

  it('names its connections', async () => {
    expect(await countConnections(`${appName}:acme`)).toBeGreaterThanOrEqual(1);
  });

  it('destroyAll closes every pool', async () => {
    await databaseName('acme');

    await databases.destroyAll();

    expect(databases.openAliases()).toEqual([]);
    expect(await countConnections(appName)).toBe(0);
  });
});
