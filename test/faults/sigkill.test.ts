import { rmSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { FaultFixture, faultTrials, readAuditFile, tableOf, waitForEvent } from './helpers/fault-fixture.js';

const TRIALS = faultTrials(10);
const ALIASES = ['alpha', 'bravo', 'charlie', 'delta'];
const MIGRATIONS = [
  { name: '0001_first', sleepSeconds: 0.1 },
  { name: '0002_second', sleepSeconds: 0.1 },
  { name: '0003_third', sleepSeconds: 0.1 },
  { name: '0004_fourth', sleepSeconds: 0.1 },
];

describe('SIGKILL at random moments', () => {
  let fixture: FaultFixture;
  const tally = { trials: 0, exitedBeforeKill: 0, killedWithLocks: 0, takenOver: 0, midRun: 0 };

  beforeAll(async () => {
    fixture = await FaultFixture.create(ALIASES, MIGRATIONS);
  });

  afterAll(async () => {
    console.info(`sigkill tally: ${JSON.stringify(tally)}`);
    await fixture?.cleanup();
  }, 300_000);

  test.each(Array.from({ length: TRIALS }, (_, index) => index + 1))('kill trial %i', async () => {
    await fixture.resetTenants();
    rmSync(fixture.auditPath, { force: true });

    // The kill moment is measured from run.started, because starting Node.js takes from half a
    // second to several seconds on a busy machine. The window of 3 s covers a run of about 1.5 s from there and some kills after its end.
    const run = fixture.start(['migrate', '--all', '--concurrency', '2', '--json']);
    await waitForEvent(run, (event) => event.event === 'run.started');
    await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 3000)));
    run.kill('SIGKILL');
    const killed = await run;
    tally.trials += 1;

    if (killed.signal !== 'SIGKILL') {
      tally.exitedBeforeKill += 1;
    }

    let migratedTenants = 0;
    for (const alias of ALIASES) {
      const applied = await fixture.appliedOf(alias);
      const tables = await fixture.tablesOf(alias);
      expect(tables, `tables of ${alias} match its bookkeeping rows`).toEqual(applied.map(tableOf).sort());
      expect(applied.length === 0 || applied.length === MIGRATIONS.length, `${alias} is all-or-nothing, got ${applied.join(',')}`).toBe(true);
      migratedTenants += applied.length === 0 ? 0 : 1;
    }

    // Counts the kills that landed between the first and the last tenant's commit.
    if (migratedTenants > 0 && migratedTenants < ALIASES.length) {
      tally.midRun += 1;
    }

    expect(() => readAuditFile(fixture.auditPath)).not.toThrow();
    if ((await fixture.lockKeys()).length > 0) {
      tally.killedWithLocks += 1;
    }

    // The dead runner's heartbeats stop, so its locks turn stale after 1.5 s and the next run
    // takes them over while it waits.
    const next = await fixture.start(['migrate', '--all', '--concurrency', '2', '--lock-wait', '10', '--json']);
    expect(next.exitCode, next.stderr.slice(-2000)).toBe(0);

    for (const alias of ALIASES) {
      expect(await fixture.appliedOf(alias)).toEqual(MIGRATIONS.map((migration) => migration.name));
      expect(await fixture.tablesOf(alias)).toEqual(MIGRATIONS.map((migration) => tableOf(migration.name)));
    }

    const records = readAuditFile(fixture.auditPath);
    tally.takenOver += records.filter((record) => record.event === 'lock.taken-over').length > 0 ? 1 : 0;
    expect(await fixture.lockKeys()).toEqual([]);
  });

  // Without this check, a suite whose kills all land before the first lock would pass as well.
  test('some kills land mid-run', () => {
    expect(tally.killedWithLocks).toBeGreaterThan(0);
  });
});
