import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ClearStaleResult, ListLocksResult, ReleaseResult } from '../../src/commands/locks.js';
import { runTenantctl, tempDir, writeConfig } from '../helpers/cli.js';
import { createRedis, deleteKeys, REDIS_URL, uniqueLockPrefix } from '../helpers/redis.js';
import { freePort } from '../helpers/free-port.js';

describe('locks CLI', () => {
  const prefix = uniqueLockPrefix('locks-e2e');
  let redis: Redis;
  let configPath: string;
  let auditPath: string;

  /** Writes a lock record whose heartbeat is `ageMs` old by the Redis clock. */
  async function writeLock(tenant: string, ageMs: number): Promise<void> {
    const [seconds] = await redis.time();
    const at = String(Number(seconds) * 1000 - ageMs);
    await redis.hset(`${prefix}${tenant}`, { token: `token-${tenant}`, host: `${tenant}-host`, pid: '321', correlationId: `${tenant}-run`, command: 'migrate', acquiredAt: at, heartbeatAt: at });
    await redis.pexpire(`${prefix}${tenant}`, 600_000);
  }

  beforeAll(() => {
    redis = createRedis();
    const dir = tempDir('locks-e2e');
    auditPath = join(dir, 'audit.jsonl');
    configPath = writeConfig(dir, { redis: { url: REDIS_URL }, lock: { prefix, staleSeconds: 120 }, auditLog: auditPath });
  });

  afterAll(async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('lists locks as JSON', async () => {
    await writeLock('acme', 1000);
    const result = await runTenantctl(['locks', '--config', configPath, '--json']);
    expect(result.exitCode).toBe(0);
    const document = JSON.parse(String(result.stdout)) as ListLocksResult;
    expect(document.locks.map((lock) => lock.tenant)).toContain('acme');
    expect(String(result.stdout)).not.toContain('token-acme');
  });

  it('lists locks as table', async () => {
    const result = await runTenantctl(['locks', '--config', configPath]);
    expect(String(result.stdout)).toContain('acme-host:321');
    expect(String(result.stdout)).toContain('acme-run');
  });

  it('clears only stale locks', async () => {
    await writeLock('fresh', 1000);
    await writeLock('dead', 3_600_000);
    const result = await runTenantctl(['locks', '--config', configPath, '--clear-stale', '--json']);
    expect(result.exitCode).toBe(0);
    const document = JSON.parse(String(result.stdout)) as ClearStaleResult;
    expect(document.removed.map((lock) => lock.tenant)).toEqual(['dead']);
    expect(document.kept.map((lock) => lock.tenant).sort()).toEqual(['acme', 'fresh']);
    expect(await redis.exists(`${prefix}dead`)).toBe(0);
    expect(await redis.exists(`${prefix}fresh`)).toBe(1);
  });

  it('prints each removal and kept lock', async () => {
    await writeLock('dead2', 3_600_000);
    const result = await runTenantctl(['locks', '--config', configPath, '--clear-stale']);
    const stdout = String(result.stdout);
    expect(stdout).toMatch(/^removed dead2: dead2-host:321/m);
    expect(stdout).toMatch(/^kept fresh: left alone/m);
  });

  it('explains release without force', async () => {
    const result = await runTenantctl(['locks', 'release', 'fresh', '--config', configPath]);
    expect(result.exitCode).toBe(0);
    expect(String(result.stdout)).toContain('Would delete');
    expect(await redis.exists(`${prefix}fresh`)).toBe(1);
  });

  it('rejects force without reason', async () => {
    const result = await runTenantctl(['locks', 'release', 'fresh', '--config', configPath, '--force']);
    expect(result.exitCode).toBe(2);
    expect(await redis.exists(`${prefix}fresh`)).toBe(1);
  });

  it('force-releases with audit', async () => {
    const result = await runTenantctl(['locks', 'release', 'fresh', '--config', configPath, '--force', '--reason', 'host decommissioned', '--json']);
    expect(result.exitCode).toBe(0);
    expect((JSON.parse(String(result.stdout)) as ReleaseResult).action).toBe('released');
    expect(await redis.exists(`${prefix}fresh`)).toBe(0);
    const audit = readFileSync(auditPath, 'utf8');
    expect(audit).toContain('"event":"lock.force-released"');
    expect(audit).toContain('"reason":"host decommissioned"');
  });

  it('exits 5 when Redis is down', async () => {
    const port = await freePort();
    const result = await runTenantctl(['locks', '--config', configPath, '--redis-url', `redis://127.0.0.1:${port}`]);
    expect(result.exitCode).toBe(5);
  });

  it('documents exit codes in help', async () => {
    const result = await runTenantctl(['locks', '--help']);
    expect(String(result.stdout)).toContain('Exit codes:');
    expect(String(result.stdout)).toContain('--clear-stale');
  });
});
