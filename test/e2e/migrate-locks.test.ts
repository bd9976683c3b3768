import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { appliedMigrations } from '../helpers/postgres.js';
import { createRedis, deleteKeys } from '../helpers/redis.js';
import { createFleet, type Fleet, jsonOutput, uniqueCorrelationId } from '../fixtures/migrate/tenant-fleet.js';

const HOLDER_TOKEN = 'test-holder-token';

let redis: Redis;
let fleet: Fleet;

beforeAll(async () => {
  redis = createRedis();
  fleet = await createFleet('locks', ['acme', 'globex', 'initech', 'umbrella']);
});

afterAll(async () => {
  await deleteKeys(redis, fleet.lockPrefix);
  await redis.quit();
  await fleet.drop();
});

/** Writes a lock record as another runner would, with its heartbeat `ageMs` old by the Redis clock. */
async function holdLock(alias: string, correlationId: string, ageMs = 0): Promise<string> {
  const key = `${fleet.lockPrefix}${alias}`;
  const [seconds, micros] = await redis.time();
  const heartbeatAt = String(Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - ageMs);
  await redis.hset(key, { token: HOLDER_TOKEN, host: 'other-host', pid: '777', correlationId, command: 'migrate', acquiredAt: heartbeatAt, heartbeatAt });
  await redis.pexpire(key, 600_000);
  return key;
}

describe('migrate busy tenant', () => {
  it('exits 6, keeps the holder', async () => {
    const holder = uniqueCorrelationId('holder');
    const key = await holdLock('acme', holder);

    const result = await fleet.migrate(['--tenant', 'acme', '--json']);
    const tenant = jsonOutput(result).tenants[0];

    expect(result.exitCode).toBe(6);
    expect(tenant.status).toBe('busy');
    expect(tenant.error.code).toBe('LOCK_BUSY');
    expect(tenant.error.message).toMatch(/^locked by other-host:777 \(correlation \S+, last heartbeat \d+s ago\); /);
    expect(tenant.error.message).toContain('; retry later, or pass --lock-wait SECONDS; `tenantctl locks` shows the holder');
    expect(tenant.holder.holder.correlationId).toBe(holder);
    expect(JSON.stringify(tenant)).not.toContain(HOLDER_TOKEN);
    expect(await redis.hget(key, 'token')).toBe(HOLDER_TOKEN);
    expect(await appliedMigrations(fleet.databases.acme as string)).toEqual([]);

    await redis.del(key);
  });

  it('--lock-wait succeeds after release', async () => {
    const key = await holdLock('globex', uniqueCorrelationId('holder'));

    const run = fleet.migrate(['--tenant', 'globex', '--json', '--lock-wait', '3']);
    await delay(1000);
    await redis.del(key);
    const result = await run;
    const tenant = jsonOutput(result).tenants[0];

    expect(result.exitCode).toBe(0);
    expect(tenant.status).toBe('applied');
    expect(await appliedMigrations(fleet.databases.globex as string)).toHaveLength(7);
  });

  it('--lock-wait gives up on live holder', async () => {
    const key = await holdLock('initech', uniqueCorrelationId('holder'));
    const started = Date.now();

    const result = await fleet.migrate(['--tenant', 'initech', '--json', '--lock-wait', '1.5']);

    expect(result.exitCode).toBe(6);
    expect(jsonOutput(result).tenants[0].status).toBe('busy');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(await redis.hget(key, 'token')).toBe(HOLDER_TOKEN);

    await redis.del(key);
  });

  it('busy tenant, others applied', async () => {
    const key = await holdLock('initech', uniqueCorrelationId('holder'));

    const result = await fleet.migrate(['--tenant', 'initech', '--tenant', 'umbrella', '--json']);
    const statuses = jsonOutput(result).tenants.map((tenant: { tenant: string; status: string }) => `${tenant.tenant}:${tenant.status}`);

    expect(result.exitCode).toBe(6);
    expect(statuses).toEqual(['initech:busy', 'umbrella:applied']);

    await redis.del(key);
  });

  it('takes over stale lock, audits it', async () => {
    const holder = uniqueCorrelationId('stale');
    const key = await holdLock('initech', holder, 200_000);
    const auditPath = join(fleet.dir, 'takeover.jsonl');

    const result = await fleet.migrate(['--tenant', 'initech', '--json', '--audit-log', auditPath]);
    const records = readFileSync(auditPath, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; previousHolder?: { correlationId: string } });
    const takeover = records.find((record) => record.event === 'lock.taken-over');

    expect(result.exitCode).toBe(0);
    expect(jsonOutput(result).tenants[0].status).toBe('applied');
    expect(takeover?.previousHolder?.correlationId).toBe(holder);
    expect(await redis.exists(key)).toBe(0);
  });
});
