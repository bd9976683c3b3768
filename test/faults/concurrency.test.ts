import { rmSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { FaultFixture, faultTrials, readAuditFile } from './helpers/fault-fixture.js';

const TRIALS = faultTrials(5);
const ALIASES = ['alpha', 'bravo', 'charlie'];
const MIGRATIONS = [
  { name: '0001_first', sleepSeconds: 0.2 },
  { name: '0002_second', sleepSeconds: 0.2 },
];

interface RunSummary {
  outcome: string;
  tenants: Array<{ tenant: string; status: string; applied: string[] }>;
}

describe.each([
  { processes: 2, lockWait: undefined, allowed: [0, 6] },
  { processes: 4, lockWait: '30', allowed: [0] },
])('$processes concurrent CLI processes', ({ processes, lockWait, allowed }) => {
  let fixture: FaultFixture;
  const tally = { trials: 0, busyReports: 0, upToDateReports: 0 };

  beforeAll(async () => {
    fixture = await FaultFixture.create(ALIASES, MIGRATIONS);
  });

  afterAll(async () => {
    console.info(`concurrency tally (${processes} processes): ${JSON.stringify(tally)}`);
    await fixture?.cleanup();
  }, 300_000);

  test.each(Array.from({ length: TRIALS }, (_, index) => index + 1))('race trial %i', async () => {
    await fixture.resetTenants();
    rmSync(fixture.auditPath, { force: true });

    const args = ['migrate', '--all', '--concurrency', '3', '--json', ...(lockWait === undefined ? [] : ['--lock-wait', lockWait])];
    const results = await Promise.all(Array.from({ length: processes }, () => fixture.start(args)));
    tally.trials += 1;

    for (const result of results) {
      expect(allowed, `stdout: ${result.stdout.slice(0, 3000)}\nstderr: ${result.stderr.slice(-1500)}`).toContain(result.exitCode);
    }

    // The ledger is written through a second connection, so it keeps executions that rolled back too.
    const executions = await fixture.executions();
    for (const alias of ALIASES) {
      const database = fixture.databaseOf(alias);
      for (const migration of MIGRATIONS) {
        const runs = executions.filter((row) => row.tenant === database && row.migration === migration.name);
        expect(runs, `${alias} ${migration.name} executions`).toHaveLength(1);
      }

      expect(await fixture.appliedOf(alias)).toEqual(MIGRATIONS.map((migration) => migration.name));
    }

    const summaries = results.map((result) => JSON.parse(result.stdout) as RunSummary);
    for (const alias of ALIASES) {
      const statuses = summaries.map((summary) => summary.tenants.find((tenant) => tenant.tenant === alias)?.status);
      expect(statuses.filter((status) => status === 'applied'), `${alias}: ${statuses.join(',')}`).toHaveLength(1);
      for (const status of statuses) {
        expect(['applied', 'busy', 'up-to-date']).toContain(status);
      }

      tally.busyReports += statuses.filter((status) => status === 'busy').length;
      tally.upToDateReports += statuses.filter((status) => status === 'up-to-date').length;
    }

    expect(() => readAuditFile(fixture.auditPath)).not.toThrow();
    expect(await fixture.lockKeys()).toEqual([]);
  });
});
