import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';

import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { RedisUrl } from '../../src/config/connection-url.js';
import { LockServiceError } from '../../src/errors.js';
import { connectRedis } from '../../src/locks/redis-client.js';
import { type AcquireOutcome, type LockSettings, TenantLockHandle, TenantLocks } from '../../src/locks/tenant-lock.js';
import { createRedis, deleteKeys, uniqueLockPrefix } from '../helpers/redis.js';

const prefix = uniqueLockPrefix('tenant-lock');
const settings: LockSettings = { prefix, leaseMs: 2000, staleMs: 1000, heartbeatMs: 200 };

let first: Redis;
let second: Redis;
let admin: Redis;

beforeAll(() => {
  first = createRedis();
  second = createRedis();
  admin = createRedis();
});

afterAll(async () => {
  await deleteKeys(admin, prefix);
  await Promise.all([first.quit(), second.quit(), admin.quit()]);
});

/** A runner with its own Redis connection, named by its correlation ID. */
function runner(client: Redis, name: string): TenantLocks {
  return new TenantLocks(client, settings, { host: 'test-host', pid: 4242, correlationId: name, command: 'test' });
}

function uniqueTenant(): string {
  return `t${randomBytes(4).toString('hex')}`;
}

function handleOf(outcome: AcquireOutcome): TenantLockHandle {
  if (outcome.status !== 'acquired') {
    throw new Error(`expected the lock to be acquired, but it is held by ${outcome.record.holder.correlationId}`);
  }

  return outcome.handle;
}

async function tokenOf(tenant: string): Promise<string | null> {
  return admin.hget(`${prefix}${tenant}`, 'token');
}

describe('tenant lock acquire', () => {
  it('stores token and holder metadata', async () => {
    const tenant = uniqueTenant();

    const handle = handleOf(await runner(first, 'alpha').acquire(tenant, { waitMs: 0 }));
    const fields = await admin.hgetall(`${prefix}${tenant}`);
    const ttl = await admin.pttl(`${prefix}${tenant}`);

    expect(fields.token).toBe(handle.token);
    expect(fields.host).toBe('test-host');
    expect(fields.pid).toBe('4242');
    expect(fields.correlationId).toBe('alpha');
    expect(fields.command).toBe('test');
    expect(Number(fields.acquiredAt)).toBeGreaterThan(0);
    expect(fields.heartbeatAt).toBe(fields.acquiredAt);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(settings.leaseMs);

    await handle.release();
  });

  it('two contenders, exactly one wins', async () => {
    for (let round = 0; round < 20; round++) {
      const tenant = uniqueTenant();

      const outcomes = await Promise.all([runner(first, 'alpha').acquire(tenant, { waitMs: 0 }), runner(second, 'beta').acquire(tenant, { waitMs: 0 })]);
      const winners = outcomes.filter((outcome) => outcome.status === 'acquired');
      const losers = outcomes.filter((outcome) => outcome.status === 'busy');

      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(1);

      const winner = handleOf(winners[0] as AcquireOutcome);
      const loser = losers[0];
      expect(loser?.status === 'busy' ? loser.record.token : undefined).toBe(winner.token);
      expect(await tokenOf(tenant)).toBe(winner.token);

      await winner.release();
    }
  });

  it('busy reports the holder', async () => {
    const tenant = uniqueTenant();
    const handle = handleOf(await runner(first, 'alpha').acquire(tenant, { waitMs: 0 }));

    const outcome = await runner(second, 'beta').acquire(tenant, { waitMs: 0 });

    expect(outcome.status).toBe('busy');
    expect(outcome.status === 'busy' ? outcome.record.holder.correlationId : undefined).toBe('alpha');
    expect(outcome.status === 'busy' ? outcome.record.holder.pid : undefined).toBe(4242);

    await handle.release();
  });

  it('waiter gets lock after release', async () => {
    const tenant = uniqueTenant();
    const holder = handleOf(await runner(first, 'alpha').acquire(tenant, { waitMs: 0 }));
    holder.startHeartbeat(() => undefined);

    const waiting = runner(second, 'beta').acquire(tenant, { waitMs: 5000 });
    await delay(500);
    await holder.release();
    const outcome = await waiting;

    expect(outcome.status).toBe('acquired');
    expect(outcome.status === 'acquired' ? outcome.takenOver : 'none').toBeUndefined();

    await handleOf(outcome).release();
  });

  it('aborted wait reports busy', async () => {
    const tenant = uniqueTenant();
    const holder = handleOf(await runner(first, 'alpha').acquire(tenant, { waitMs: 0 }));
    holder.startHeartbeat(() => undefined);
    const controller = new AbortController();

    const waiting = runner(second, 'beta').acquire(tenant, { waitMs: 10_000, signal: controller.signal });
    await delay(300);
    controller.abort('SIGINT');
    const started = Date.now();
    const outcome = await waiting;

    expect(outcome.status).toBe('busy');
    expect(Date.now() - started).toBeLessThan(1000);

    await holder.release();
  });
});

describe('tenant lock release', () => {
  it('holder release deletes key', async () => {
    const tenant = uniqueTenant();
    const handle = handleOf(await runner(first, 'alpha').acquire(tenant, { waitMs: 0 }));

    const result = await handle.release();

    expect(result).toBe('released');
    expect(await admin.exists(`${prefix}${tenant}`)).toBe(0);
  });

  it('non-holder release refused', async () => {
    const tenant = uniqueTenant();
    const holder = handleOf(await runner(first, 'alpha').acquire(tenant, { waitMs: 0 }));
    const impostor = new TenantLockHandle(second, settings, tenant, holder.key, 'not-the-token', Date.now());

    const result = await impostor.release();

    expect(result).toBe('not-held');
    expect(await tokenOf(tenant)).toBe(holder.token);

    await holder.release();
  });

  it('old holder cannot release successor', async () => {
    const tenant = uniqueTenant();
    const old = handleOf(await runner(first, 'alpha').acquire(tenant, { waitMs: 0 }));
    await delay(settings.staleMs + 300);
    const successor = handleOf(await runner(second, 'beta').acquire(tenant, { waitMs: 0 }));

    const result = await old.release();

    expect(result).toBe('not-held');
    expect(await tokenOf(tenant)).toBe(successor.token);

    await successor.release();
  });
});

describe('tenant lock stale takeover', () => {
  it('takes over silent holder', async () => {
    const tenant = uniqueTenant();
    const silent = handleOf(await runner(first, 'alpha').acquire(tenant, { waitMs: 0 }));
    await delay(settings.staleMs + 300);

    const outcome = await runner(second, 'beta').acquire(tenant, { waitMs: 0 });
    const successor = handleOf(outcome);

    expect(outcome.status === 'acquired' ? outcome.takenOver?.token : undefined).toBe(silent.token);
    expect(outcome.status === 'acquired' ? outcome.takenOver?.holder.correlationId : undefined).toBe('alpha');
    expect(outcome.status === 'acquired' ? outcome.takenOver?.heartbeatAgeMs : 0).toBeGreaterThan(settings.staleMs);
    expect(await tokenOf(tenant)).toBe(successor.token);
    expect(await admin.hget(`${prefix}${tenant}`, 'correlationId')).toBe('beta');

    await successor.release();
  });

  it('taken-over holder learns it lost', async () => {
    const tenant = uniqueTenant();
    const silent = handleOf(await runner(first, 'alpha').acquire(tenant, { waitMs: 0 }));
    await delay(settings.staleMs + 300);
    const successor = handleOf(await runner(second, 'beta').acquire(tenant, { waitMs: 0 }));

    const renewed = await silent.renew();

    expect(renewed).toBe(false);
    expect(silent.lost).toBe(true);
    expect(silent.signal.aborted).toBe(true);
    expect(silent.lossMessage).toContain('took over');
    expect(await tokenOf(tenant)).toBe(successor.token);

    await successor.release();
  });

  it('never steals from live holder', async () => {
    const tenant = uniqueTenant();
    const live = handleOf(await runner(first, 'alpha').acquire(tenant, { waitMs: 0 }));
    let lost = false;
    live.startHeartbeat(() => {
      lost = true;
    });

    // The wait is three lease lengths and six stale thresholds long, so only the heartbeat keeps the lock.
    const started = Date.now();
    const outcome = await runner(second, 'beta').acquire(tenant, { waitMs: 6000 });

    expect(outcome.status).toBe('busy');
    expect(Date.now() - started).toBeGreaterThanOrEqual(6000);
    expect(outcome.status === 'busy' ? outcome.record.heartbeatAgeMs : Infinity).toBeLessThanOrEqual(settings.staleMs);
    expect(await tokenOf(tenant)).toBe(live.token);
    expect(live.lost).toBe(false);
    expect(lost).toBe(false);

    expect(await live.release()).toBe('released');
  }, 15_000);

  it('heartbeat outlives the lease', async () => {
    const tenant = uniqueTenant();
    const live = handleOf(await runner(first, 'alpha').acquire(tenant, { waitMs: 0 }));
    live.startHeartbeat(() => undefined);

    await delay(settings.leaseMs * 2);

    expect(await tokenOf(tenant)).toBe(live.token);
    expect(live.lost).toBe(false);

    await live.release();
  });

  it('lease expires without heartbeat', async () => {
    const tenant = uniqueTenant();
    const silent = handleOf(await runner(first, 'alpha').acquire(tenant, { waitMs: 0 }));

    await delay(settings.leaseMs + 300);

    expect(await admin.exists(`${prefix}${tenant}`)).toBe(0);
    expect(await silent.renew()).toBe(false);
    expect(silent.lossMessage).toContain('expired or was deleted');
  });
});

describe('tenant lock lost mid-run', () => {
  /** Acquires a lock with a running heartbeat and records the loss it reports. */
  async function heartbeatingHandle(tenant: string): Promise<{ handle: TenantLockHandle; losses: string[] }> {
    const handle = handleOf(await runner(first, 'alpha').acquire(tenant, { waitMs: 0 }));
    const losses: string[] = [];
    handle.startHeartbeat((reason) => {
      losses.push(reason);
    });

    return { handle, losses };
  }

  async function waitUntilLost(handle: TenantLockHandle): Promise<void> {
    const deadline = Date.now() + 2000;
    while (!handle.lost && Date.now() < deadline) {
      await delay(50);
    }
  }

  it('deleted key marks lock lost', async () => {
    const tenant = uniqueTenant();
    const { handle, losses } = await heartbeatingHandle(tenant);

    await admin.del(handle.key);
    await waitUntilLost(handle);

    expect(handle.lost).toBe(true);
    expect(handle.signal.aborted).toBe(true);
    expect(losses).toEqual(['expired-or-deleted']);

    await handle.stopHeartbeat();
  });

  it('overwritten token marks lock lost', async () => {
    const tenant = uniqueTenant();
    const { handle, losses } = await heartbeatingHandle(tenant);

    await admin.hset(handle.key, 'token', 'someone-else');
    await waitUntilLost(handle);

    expect(handle.lost).toBe(true);
    expect(handle.signal.aborted).toBe(true);
    expect(losses).toEqual(['taken-by-another']);
    expect(await handle.release()).toBe('not-held');
    expect(await tokenOf(tenant)).toBe('someone-else');

    await admin.del(handle.key);
  });

  it('heartbeat stops after loss', async () => {
    const tenant = uniqueTenant();
    const { handle, losses } = await heartbeatingHandle(tenant);

    await admin.del(handle.key);
    await waitUntilLost(handle);
    await delay(settings.heartbeatMs * 3);

    expect(losses).toHaveLength(1);
    expect(await admin.exists(handle.key)).toBe(0);

    await handle.stopHeartbeat();
  });
});

describe('tenant lock Redis failure', () => {
  it('unreachable Redis fails closed', async () => {
    const url = RedisUrl.parse('redis://127.0.0.1:1');
    if (!url.ok) {
      throw new Error(url.message);
    }

    await expect(connectRedis(url.value, { connectTimeoutMs: 1000, commandTimeoutMs: 1000 })).rejects.toBeInstanceOf(LockServiceError);
  });

  it('closed client fails acquire', async () => {
    const closed = createRedis();
    await closed.quit();

    await expect(runner(closed, 'alpha').acquire(uniqueTenant(), { waitMs: 0 })).rejects.toBeInstanceOf(LockServiceError);
  });
});
