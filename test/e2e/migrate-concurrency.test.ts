import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { appliedMigrations } from '../helpers/postgres.js';
import { createFleet, type Fleet, jsonOutput, sampleConnections, SLOW_MIGRATIONS, uniqueCorrelationId } from '../fixtures/migrate/tenant-fleet.js';

const ALIASES = ['t1', 't2', 't3', 't4', 't5', 't6'];

describe('migrate concurrency', () => {
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await createFleet('conc', ALIASES, { migrationsDir: SLOW_MIGRATIONS });
  });

  afterAll(async () => {
    await fleet.drop();
  });

  it('connections never exceed --concurrency', async () => {
    const correlationId = uniqueCorrelationId('conc');
    const byName = sampleConnections({ applicationName: `tenantctl:${correlationId}` });
    const byDatabase = sampleConnections({ databases: Object.values(fleet.databases) });

    const result = await fleet.migrate(['--all', '--concurrency', '2', '--json', '--correlation-id', correlationId]);
    const named = await byName.stop();
    const anyClient = await byDatabase.stop();
    const output = jsonOutput(result);

    expect(result.exitCode).toBe(0);
    expect(output.counts).toEqual({ applied: 6 });
    expect(named.samples).toBeGreaterThan(10);
    // Seeing two proves the sampler catches the run's connections, so the upper bound means something.
    expect(named.max).toBe(2);
    expect(anyClient.max).toBeLessThanOrEqual(2);
    for (const alias of ALIASES) {
      expect(await appliedMigrations(fleet.databases[alias] as string)).toEqual(['0001_sleep']);
    }
  });

  it('every connection closed afterwards', async () => {
    const correlationId = uniqueCorrelationId('closed');
    const sampler = sampleConnections({ databases: Object.values(fleet.databases) });

    const result = await fleet.migrate(['--all', '--concurrency', '6', '--json', '--correlation-id', correlationId]);
    const during = await sampler.stop();
    const after = sampleConnections({ databases: Object.values(fleet.databases) });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const remaining = await after.stop();

    expect(result.exitCode).toBe(0);
    expect(during.max).toBeLessThanOrEqual(6);
    expect(remaining.max).toBe(0);
  });
});
