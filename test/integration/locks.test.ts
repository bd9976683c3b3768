import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { clearStaleLocks, listLocks, releaseLock } from '../../src/commands/locks.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { ResolvedConfig } from '../../src/config/resolved-config.js';
import { LockServiceError, UsageError } from '../../src/errors.js';
import { TenantLocks, type TenantLockHandle } from '../../src/locks/tenant-lock.js';
import { tempDir, writeConfig } from '../helpers/cli.js';
import { createRedis, deleteKeys, REDIS_URL, uniqueLockPrefix } from '../helpers/redis.js';
import { freePort } from '../helpers/free-port.js';

const OPERATOR = { user: 'ops-alice', host: 'ops-box', pid: 77 };

function auditEvents(path: string): Array<Record<string, unknown>> {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('locks', () => {
  let redis: Redis;
  let config: ResolvedConfig;
  let prefix: string;
  let auditPath: string;
  let dir: string;
  const handles: TenantLockHandle[] = [];

  /** Writes the record a crashed runner leaves behind: its heartbeat is an hour old by the Redis clock. */
  async function writeDeadLock(tenant: string, token = 'dead-token'): Promise<void> {
    const [seconds] = await redis.time();
    const oldMs = Number(seconds) * 1000 - 3_600_000;
    await redis.hset(`${prefix}${tenant}`, { token, host: 'dead-host', pid: '999', correlationId: 'dead-run', command: 'migrate', acquiredAt: String(oldMs), heartbeatAt: String(oldMs) });
    await redis.pexpire(`${prefix}${tenant}`, 60_000);
  }

  async function holdLiveLock(tenant: string): Promise<TenantLockHandle> {
    const locks = new TenantLocks(redis, config.lock, { host: 'live-host', pid: 4242, correlationId: 'live-run', command: 'migrate' });
    const outcome = await locks.acquire(tenant, { waitMs: 0 });
    if (outcome.status !== 'acquired') {
      throw new Error(`test setup: ${tenant} is already locked`);
    }

    outcome.handle.startHeartbeat(() => undefined);
    handles.push(outcome.handle);
    return outcome.handle;
  }

  beforeAll(() => {
    redis = createRedis();
  });

  afterEach(async () => {
    for (const handle of handles.splice(0)) {
      await handle.release().catch(() => undefined);
    }

    await deleteKeys(redis, prefix);
  });

  afterAll(() => {
    redis.disconnect();
  });

  // A fresh prefix and audit file per test, with a 2 s stale threshold and 200 ms heartbeats.
  function setUp(): void {
    prefix = uniqueLockPrefix('locks');
    dir = tempDir('locks');
    auditPath = join(dir, 'audit.jsonl');
    const path = writeConfig(dir, { redis: { url: REDIS_URL }, lock: { prefix, staleSeconds: 2, leaseSeconds: 60, heartbeatSeconds: 0.2 }, auditLog: auditPath });
    config = loadConfig({ cwd: dir, env: {}, configPath: path });
  }

  it('lists live and stale locks', async () => {
    setUp();
    await holdLiveLock('live');
    await writeDeadLock('dead');
    await redis.set(`${prefix}validate-config:probe`, 'x', 'PX', 60_000);

    const result = await listLocks(config, { redis });
    expect(result.locks.map((lock) => lock.tenant)).toEqual(['dead', 'live']);
    expect(result.locks[0]?.state).toBe('stale');
    expect(result.locks[0]?.heartbeatAgeMs).toBeGreaterThan(3_500_000);
    expect(result.locks[1]?.state).toBe('held');
    expect(result.locks[1]?.holder?.host).toBe('live-host');
    expect(result.locks[1]?.holder?.correlationId).toBe('live-run');
    expect(result.locks[1]?.leaseLeftMs).toBeGreaterThan(50_000);
  });

  it('keeps token out of listing', async () => {
    setUp();
    await writeDeadLock('dead', 'secret-token-value');
    const result = await listLocks(config, { redis });
    expect(JSON.stringify(result)).not.toContain('secret-token-value');
  });

  it('lists beyond one SCAN batch', async () => {
    setUp();
    const pipeline = redis.pipeline();
    for (let index = 0; index < 2500; index++) {
      pipeline.hset(`${prefix}t${index}`, { token: `token-${index}`, host: 'h', pid: '1', correlationId: 'c', command: 'migrate', acquiredAt: '0', heartbeatAt: '0' });
    }
    await pipeline.exec();

    const result = await listLocks(config, { redis });
    expect(result.locks).toHaveLength(2500);
  });

  it('clears dead lock, keeps live', async () => {
    setUp();
    const live = await holdLiveLock('live');
    await writeDeadLock('dead');
    // Longer than the stale threshold: only the heartbeat keeps the live lock fresh.
    await delay(2500);

    const result = await clearStaleLocks(config, { redis, operator: OPERATOR });
    expect(result.removed.map((lock) => lock.tenant)).toEqual(['dead']);
    expect(result.kept.map((lock) => [lock.tenant, lock.reason])).toEqual([['live', 'live']]);
    expect(await redis.exists(`${prefix}dead`)).toBe(0);
    expect(await redis.exists(`${prefix}live`)).toBe(1);
    expect(await live.renew()).toBe(true);
  });

  it('keeps lock renewed during scan', async () => {
    setUp();
    const live = await holdLiveLock('live');
    await writeDeadLock('dead');
    // The live holder's heartbeat is late when the scan reads it, and arrives before the delete.
    const [seconds] = await redis.time();
    await redis.hset(`${prefix}live`, 'heartbeatAt', String(Number(seconds) * 1000 - 60_000));

    let readState: string | undefined;
    const result = await clearStaleLocks(config, {
      redis,
      operator: OPERATOR,
      afterRead: async (locks) => {
        readState = locks.find((lock) => lock.tenant === 'live')?.state;
        expect(await live.renew()).toBe(true);
      },
    });

    expect(readState).toBe('stale');
    expect(result.removed.map((lock) => lock.tenant)).toEqual(['dead']);
    expect(result.kept.map((lock) => [lock.tenant, lock.reason])).toEqual([['live', 'renewed']]);
    expect(await redis.hget(`${prefix}live`, 'token')).toBe(live.token);
    expect(live.lost).toBe(false);
  });

  it('keeps lock that changed hands', async () => {
    setUp();
    await writeDeadLock('dead');
    const result = await clearStaleLocks(config, {
      redis,
      operator: OPERATOR,
      afterRead: async () => {
        await redis.del(`${prefix}dead`);
        await writeDeadLock('dead', 'new-holder-token');
      },
    });

    expect(result.removed).toEqual([]);
    expect(result.kept[0]?.reason).toBe('changed-hands');
    expect(await redis.hget(`${prefix}dead`, 'token')).toBe('new-holder-token');
  });

  it('audits removals and kept locks', async () => {
    setUp();
    await holdLiveLock('live');
    await writeDeadLock('dead');
    const result = await clearStaleLocks(config, { redis, operator: OPERATOR, correlationId: 'clear-run-1' });
    expect(result.auditLog).toBe(auditPath);

    const events = auditEvents(auditPath);
    const cleared = events.find((event) => event.event === 'lock.cleared');
    const kept = events.find((event) => event.event === 'lock.kept');
    expect(cleared?.tenant).toBe('dead');
    expect(cleared?.by).toEqual(OPERATOR);
    expect(cleared?.correlationId).toBe('clear-run-1');
    expect((cleared?.previousHolder as { host?: string } | undefined)?.host).toBe('dead-host');
    expect(kept?.tenant).toBe('live');
    expect(kept?.reason).toContain('alive');
  });

  it('explains release without force', async () => {
    setUp();
    await holdLiveLock('live');
    const result = await releaseLock(config, { redis, tenant: 'live' });
    expect(result.action).toBe('would-release');
    expect(result.explanation).toContain('live-host:4242');
    expect(result.explanation).toContain('--force');
    expect(await redis.exists(`${prefix}live`)).toBe(1);
  });

  it('requires reason with force', async () => {
    setUp();
    await writeDeadLock('dead');
    await expect(releaseLock(config, { redis, tenant: 'dead', force: true })).rejects.toBeInstanceOf(UsageError);
    expect(await redis.exists(`${prefix}dead`)).toBe(1);
  });

  it('force-releases and audits', async () => {
    setUp();
    const live = await holdLiveLock('live');
    const result = await releaseLock(config, { redis, tenant: 'live', force: true, reason: 'runner host was rebooted', operator: OPERATOR });
    expect(result.action).toBe('released');
    expect(result.outcome).toBe('ok');
    expect(await redis.exists(`${prefix}live`)).toBe(0);
    expect(await live.renew()).toBe(false);

    const event = auditEvents(auditPath).find((entry) => entry.event === 'lock.force-released');
    expect(event?.reason).toBe('runner host was rebooted');
    expect(event?.by).toEqual(OPERATOR);
    expect((event?.previousHolder as { pid?: number } | undefined)?.pid).toBe(4242);
  });

  it('reports release of free lock', async () => {
    setUp();
    const result = await releaseLock(config, { redis, tenant: 'nobody', force: true, reason: 'cleanup' });
    expect(result.action).toBe('not-locked');
  });

  it('fails when Redis is down', async () => {
    setUp();
    const port = await freePort();
    const down = loadConfig({ cwd: dir, env: {}, flags: { 'redis.url': `redis://127.0.0.1:${port}` } });
    await expect(listLocks(down)).rejects.toBeInstanceOf(LockServiceError);
  });
});
