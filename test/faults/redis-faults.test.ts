import { rmSync } from 'node:fs';

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';

import { FaultFixture, readAuditFile, waitForEvent } from './helpers/fault-fixture.js';
import { startOwnRedis } from './helpers/own-redis.js';
import { startSlowProxy } from './helpers/slow-proxy.js';

const ALIASES = ['alpha', 'bravo', 'charlie'];

interface RunSummary {
  outcome: string;
  tenants: Array<{ tenant: string; status: string; error?: { code: string } }>;
}

describe('Redis failing', () => {
  let fixture: FaultFixture;

  beforeAll(async () => {
    fixture = await FaultFixture.create(ALIASES, [
      { name: '0001_first', sleepSeconds: 1 },
      { name: '0002_second', sleepSeconds: 0.2 },
    ]);
  });

  afterEach(async () => {
    await fixture.resetTenants();
    rmSync(fixture.auditPath, { force: true });
  });

  afterAll(async () => {
    await fixture?.cleanup();
  }, 300_000);

  test('down before the run', async () => {
    const redis = await startOwnRedis();
    await redis.kill();
    fixture.redisUrl = redis.url;
    fixture.writeConfigFile();

    const started = Date.now();
    const result = await fixture.start(['migrate', '--all']);

    expect(result.exitCode).toBe(5);
    expect(result.stderr).toMatch(/LOCK_SERVICE_UNAVAILABLE|Redis at \S+ is unreachable/);
    expect(Date.now() - started).toBeLessThan(15_000);
    for (const alias of ALIASES) {
      expect(await fixture.appliedOf(alias)).toEqual([]);
      expect(await fixture.tablesOf(alias)).toEqual([]);
    }

    expect(await fixture.executions()).toEqual([]);
    const events = readAuditFile(fixture.auditPath).map((record) => record.event);
    expect(events).not.toContain('lock.acquired');
    expect(events).not.toContain('tenant.started');
  });

  test('killed mid-run', async () => {
    const redis = await startOwnRedis();
    try {
      fixture.redisUrl = redis.url;
      fixture.writeConfigFile();

      const started = Date.now();
      const run = fixture.start(['migrate', '--all', '--concurrency', '1', '--json'], fixture.env({ leaseSeconds: 30, staleSeconds: 10, heartbeatSeconds: 0.2 }));
      await waitForEvent(run, (event) => event.event === 'migration.started' && event.tenant === 'alpha');
      await redis.kill();
      const result = await run;

      expect(result.exitCode).toBe(5);
      expect(Date.now() - started).toBeLessThan(20_000);

      const summary = JSON.parse(result.stdout) as RunSummary;
      const status = new Map(summary.tenants.map((tenant) => [tenant.tenant, tenant.status]));
      expect(status.get('alpha')).toBe('lock-lost');
      expect(summary.tenants.find((tenant) => tenant.tenant === 'alpha')?.error?.code).toBe('LOCK_SERVICE_UNAVAILABLE');
      expect(status.get('bravo')).not.toBe('applied');
      expect(status.get('charlie')).not.toBe('applied');

      // No tenant may start without a lock once Redis is gone.
      const records = readAuditFile(fixture.auditPath);
      expect(records.filter((record) => record.event === 'tenant.started').map((record) => record.tenant)).toEqual(['alpha']);
      expect(records.filter((record) => record.event === 'lock.acquired').map((record) => record.tenant)).toEqual(['alpha']);
      for (const alias of ALIASES) {
        expect(await fixture.appliedOf(alias)).toEqual([]);
      }

      const executed = (await fixture.executions()).map((row) => `${row.tenant}:${row.migration}`);
      expect(executed).toEqual([`${fixture.databaseOf('alpha')}:0001_first`]);
    } finally {
      await redis.kill();
    }
  });

  test('slow from the start', async () => {
    const redis = await startOwnRedis();
    const proxy = await startSlowProxy(redis.port, 5000);
    try {
      fixture.redisUrl = `redis://127.0.0.1:${proxy.port}`;
      fixture.writeConfigFile({ redis: { url: fixture.redisUrl, commandTimeoutSeconds: 0.5, connectTimeoutSeconds: 1 } });

      const started = Date.now();
      const result = await fixture.start(['migrate', '--all'], fixture.env(undefined, { TENANTCTL_REDIS_COMMAND_TIMEOUT_SECONDS: '0.5' }));

      expect(result.exitCode).toBe(5);
      expect(result.stderr).toMatch(/LOCK_SERVICE_UNAVAILABLE|Redis at \S+ is unreachable/);
      expect(Date.now() - started).toBeLessThan(12_000);
      expect(await fixture.executions()).toEqual([]);
    } finally {
      await proxy.close();
      await redis.kill();
    }
  });

  test('slow mid-run', async () => {
    const redis = await startOwnRedis();
    const proxy = await startSlowProxy(redis.port, 0);
    try {
      fixture.redisUrl = `redis://127.0.0.1:${proxy.port}`;
      fixture.writeConfigFile();

      const started = Date.now();
      const env = fixture.env({ leaseSeconds: 30, staleSeconds: 10, heartbeatSeconds: 0.2 }, { TENANTCTL_REDIS_COMMAND_TIMEOUT_SECONDS: '0.5' });
      const run = fixture.start(['migrate', '--all', '--concurrency', '1', '--json'], env);
      await waitForEvent(run, (event) => event.event === 'migration.started' && event.tenant === 'alpha');
      proxy.setDelay(5000);
      const result = await run;

      expect(result.exitCode).not.toBe(0);
      expect(Date.now() - started).toBeLessThan(20_000);

      const summary = JSON.parse(result.stdout) as RunSummary;
      const status = new Map(summary.tenants.map((tenant) => [tenant.tenant, tenant.status]));
      expect(status.get('alpha')).toBe('lock-lost');
      expect(status.get('bravo')).not.toBe('applied');
      expect(status.get('charlie')).not.toBe('applied');
      for (const alias of ALIASES) {
        expect(await fixture.appliedOf(alias)).toEqual([]);
      }
    } finally {
      await proxy.close();
      await redis.kill();
    }
  });
});
