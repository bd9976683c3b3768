import { rmSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { FaultFixture, readAuditFile, waitForEvent } from './helpers/fault-fixture.js';

const ALIASES = ['alpha', 'bravo', 'charlie', 'delta'];
const MIGRATIONS = [
  { name: '0001_first', sleepSeconds: 0.6 },
  { name: '0002_second', sleepSeconds: 0.6 },
];

describe.each(['SIGTERM', 'SIGINT'] as const)('%s mid-run', (signal) => {
  let fixture: FaultFixture;

  beforeAll(async () => {
    fixture = await FaultFixture.create(ALIASES, MIGRATIONS);
  });

  afterAll(async () => {
    await fixture?.cleanup();
  }, 300_000);

  test(`${signal} stops the run cleanly`, async () => {
    rmSync(fixture.auditPath, { force: true });
    const run = fixture.start(['migrate', '--all', '--concurrency', '1', '--json']);
    await waitForEvent(run, (event) => event.event === 'migration.started' && event.migration === '0001_first');
    run.kill(signal);
    const result = await run;

    expect(result.exitCode).toBe(130);

    const records = readAuditFile(fixture.auditPath);
    const aborted = records.filter((record) => record.event === 'run.aborted');
    expect(aborted).toHaveLength(1);
    expect(aborted[0]?.signal).toBe(signal);

    // Only the tenant that was running when the signal came may have started.
    const started = records.filter((record) => record.event === 'tenant.started').map((record) => record.tenant);
    expect(started).toEqual(['alpha']);

    const finished = new Map(records.filter((record) => record.event === 'tenant.finished').map((record) => [record.tenant, record.status]));
    expect(finished.get('alpha')).toBe('skipped');
    expect(finished.get('bravo')).toBe('skipped');
    expect(finished.get('charlie')).toBe('skipped');
    expect(finished.get('delta')).toBe('skipped');

    const released = records.filter((record) => record.event === 'lock.released').map((record) => record.tenant);
    expect(released).toEqual(['alpha']);
    expect(await fixture.lockKeys()).toEqual([]);

    // The running tenant rolled back at its next migration step.
    expect(await fixture.appliedOf('alpha')).toEqual([]);
    expect(await fixture.tablesOf('alpha')).toEqual([]);
    expect((await fixture.executions()).map((row) => row.migration)).toEqual(['0001_first']);

    const summary = JSON.parse(result.stdout) as { outcome: string; interruptedBy?: string };
    expect(summary.outcome).toBe('interrupted');
    expect(summary.interruptedBy).toBe(signal);
  });
});

describe.each(['SIGTERM', 'SIGINT'] as const)('%s during the last migration', (signal) => {
  let fixture: FaultFixture;

  beforeAll(async () => {
    fixture = await FaultFixture.create(['alpha'], MIGRATIONS);
  });

  afterAll(async () => {
    await fixture?.cleanup();
  }, 300_000);

  // No step follows the last one, so the stop must be honored before the commit instead.
  test(`${signal} rolls the tenant back`, async () => {
    rmSync(fixture.auditPath, { force: true });
    const run = fixture.start(['migrate', '--all', '--json']);
    await waitForEvent(run, (event) => event.event === 'migration.started' && event.migration === '0002_second');
    run.kill(signal);
    const result = await run;

    expect(result.exitCode).toBe(130);
    expect(await fixture.appliedOf('alpha')).toEqual([]);
    expect(await fixture.tablesOf('alpha')).toEqual([]);
    expect(await fixture.lockKeys()).toEqual([]);

    const records = readAuditFile(fixture.auditPath);
    const finished = records.filter((record) => record.event === 'tenant.finished');
    expect(finished.map((record) => record.status)).toEqual(['skipped']);
    expect(records.some((record) => record.event === 'migration.applied')).toBe(false);
  });
});
