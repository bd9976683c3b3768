import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { appliedMigrations } from '../helpers/postgres.js';
import { createFleet, FIXTURES, type Fleet, jsonOutput, tablesOf } from '../fixtures/migrate/tenant-fleet.js';

/** One migration each as .cjs, .mjs with named exports, .mjs with a default export and .ts. */
const MODULE_FORMAT_MIGRATIONS = join(FIXTURES, 'module-formats');
const ALL_NAMES = ['0001_mjs_named', '0002_cjs_arrows', '0003_mjs_default', '0004_ts_named'];

describe('migrate module formats', () => {
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await createFleet('formats', ['acme'], { migrationsDir: MODULE_FORMAT_MIGRATIONS });
  });

  afterAll(async () => {
    await fleet.drop();
  });

  /** Tables the migrations create, without Kysely's bookkeeping tables. */
  async function itemTables(): Promise<string[]> {
    const tables = await tablesOf(fleet.databases.acme as string);
    return tables.filter((table) => !table.startsWith('kysely_'));
  }

  it('applies every format', async () => {
    const result = await fleet.migrate(['--tenant', 'acme', '--json']);

    expect(result.exitCode).toBe(0);
    expect(jsonOutput(result).tenants[0].applied).toEqual(ALL_NAMES);
    expect(await itemTables()).toEqual(['cjs_items', 'mjs_default_items', 'mjs_named_items', 'ts_items']);
  });

  it('reverts every format', async () => {
    const result = await fleet.migrate(['--tenant', 'acme', '--to', '0001_mjs_named', '--json']);

    expect(result.exitCode).toBe(0);
    expect(jsonOutput(result).tenants[0].applied).toEqual(['0004_ts_named', '0003_mjs_default', '0002_cjs_arrows']);
    expect(await appliedMigrations(fleet.databases.acme as string)).toEqual(['0001_mjs_named']);
    expect(await itemTables()).toEqual(['mjs_named_items']);
  });
});
