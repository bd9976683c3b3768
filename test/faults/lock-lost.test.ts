import { rmSync } from 'node:fs';

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';

import { createRedis, REDIS_URL } from '../helpers/redis.js';
import { FaultFixture, type LockTimings, readAuditFile, waitForEvent } from './helpers/fault-fixture.js';
import { startOwnRedis } from './helpers/own-redis.js';

const SHORT_LEASE: LockTimings = { leaseSeconds: 1, staleSeconds: 1, heartbeatSeconds: 0.25 };

describe('lock lost mid-run', () => {
  let fixture: FaultFixture;

  beforeAll(async () => {
    fixture = await FaultFixture.create(['alpha', 'bravo'], []);
  });

  afterEach(async () => {
    await fixture.resetTenants();
    rmSync(fixture.auditPath, { force: true });
  });

  afterAll(async () => {
    await fixture?.cleanup();
  }, 300_000);

  test('event loop blocked past lease', async () => {
    fixture.writeMigrations([{ name: '0001_block', blockMs: 2500 }, { name: '0002_after' }]);
    const result = await fixture.start(['migrate', '--tenant', 'alpha', '--json'], fixture.env(SHORT_LEASE));

    expect(result.exitCode).toBe(1);
    const summary = JSON.parse(result.stdout) as { tenants: Array<{ tenant: string; status: string; error?: { code: string } }> };
    expect(summary.tenants[0]?.status).toBe('lock-lost');
    expect(summary.tenants[0]?.error?.code).toBe('LOCK_LOST');

    const records = readAuditFile(fixture.auditPath);
    expect(records.some((record) => record.event === 'lock.lost' && record.tenant === 'alpha')).toBe(true);
    expect(await fixture.appliedOf('alpha')).toEqual([]);
    expect(await fixture.tablesOf('alpha')).toEqual([]);
    expect((await fixture.executions()).map((row) => row.migration)).toEqual(['0001_block']);
  });

  test('lock key deleted mid-run', async () => {
    fixture.writeMigrations([{ name: '0001_slow', sleepSeconds: 1.5 }, { name: '0002_after' }]);
    const run = fixture.start(['migrate', '--all', '--concurrency', '2', '--json'], fixture.env({ leaseSeconds: 30, staleSeconds: 10, heartbeatSeconds: 0.2 }));
    await waitForEvent(run, (event) => event.event === 'migration.started' && event.tenant === 'alpha');

    const redis = createRedis();
    try {
      expect(await redis.del(`${fixture.prefix}alpha`)).toBe(1);
    } finally {
      redis.disconnect();
    }

    const result = await run;
    expect(result.exitCode).toBe(1);

    const summary = JSON.parse(result.stdout) as { tenants: Array<{ tenant: string; status: string }> };
    const status = new Map(summary.tenants.map((tenant) => [tenant.tenant, tenant.status]));
    expect(status.get('alpha')).toBe('lock-lost');
    expect(status.get('bravo')).toBe('applied');

    const records = readAuditFile(fixture.auditPath);
    expect(records.some((record) => record.event === 'lock.lost' && record.tenant === 'alpha')).toBe(true);
    expect(records.some((record) => record.event === 'lock.release-skipped' && record.tenant === 'alpha')).toBe(true);
    expect(await fixture.appliedOf('alpha')).toEqual([]);
    expect(await fixture.tablesOf('alpha')).toEqual([]);
    expect(await fixture.appliedOf('bravo')).toEqual(['0001_slow', '0002_after']);

    const alphaDatabase = fixture.databaseOf('alpha');
    const alphaRuns = (await fixture.executions()).filter((row) => row.tenant === alphaDatabase).map((row) => row.migration);
    expect(alphaRuns).toEqual(['0001_slow']);
  });

  test.each(['deleted', 'taken over', 'unreachable'] as const)('lock %s during long statement', async (loss) => {
    const ownRedis = loss === 'unreachable' ? await startOwnRedis() : undefined;
    try {
      if (ownRedis !== undefined) {
        fixture.redisUrl = ownRedis.url;
        fixture.writeConfigFile();
      }

      fixture.writeMigrations([{ name: '0001_long', sleepSeconds: 20 }, { name: '0002_after' }]);
      const run = fixture.start(['migrate', '--tenant', 'alpha', '--json'], fixture.env({ leaseSeconds: 30, staleSeconds: 10, heartbeatSeconds: 0.2 }));
      await waitForEvent(run, (event) => event.event === 'migration.started' && event.tenant === 'alpha');

      const lostAt = Date.now();
      if (ownRedis !== undefined) {
        await ownRedis.kill();
      } else {
        const redis = createRedis();
        try {
          const key = `${fixture.prefix}alpha`;
          expect(loss === 'deleted' ? await redis.del(key) : await redis.hset(key, 'token', 'another-runner')).toBe(loss === 'deleted' ? 1 : 0);
        } finally {
          redis.disconnect();
        }
      }

      const result = await run;

      // The statement that was running when the lock went away is cancelled, not left to finish.
      expect(Date.now() - lostAt).toBeLessThan(8_000);
      // A Redis outage exits 5 (lock service unavailable), but a lock that someone else removed exits 1.
      expect(result.exitCode).toBe(loss === 'unreachable' ? 5 : 1);
      const summary = JSON.parse(result.stdout) as { tenants: Array<{ tenant: string; status: string; error?: { code: string } }> };
      expect(summary.tenants[0]?.status).toBe('lock-lost');
      expect(summary.tenants[0]?.error?.code).toBe(loss === 'unreachable' ? 'LOCK_SERVICE_UNAVAILABLE' : 'LOCK_LOST');
      expect(await fixture.appliedOf('alpha')).toEqual([]);
      expect(await fixture.tablesOf('alpha')).toEqual([]);
      expect((await fixture.executions()).map((row) => row.migration)).toEqual(['0001_long']);
    } finally {
      await ownRedis?.kill();
      fixture.redisUrl = REDIS_URL;
      fixture.writeConfigFile();
    }
  });
});
