import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { TenantCache } from '../../src/cache/tenant-cache.js';
import { runWithTenant } from '../../src/context/tenant-context.js';
import { runTenantctl, tempDir, writeConfig } from '../helpers/cli.js';
import { createRedis, deleteKeys, REDIS_URL, uniqueLockPrefix } from '../helpers/redis.js';

const basePrefix = uniqueLockPrefix('cache-cli');
const prefix = `${basePrefix}tenant:`;
let redis: Redis;
let dir: string;

beforeAll(async () => {
  redis = createRedis();
  dir = tempDir('cache-cli');
  writeConfig(dir, {
    tenantMappings: { 'acme.example.com': 'acme' },
    databases: { acme: 'postgres://app@127.0.0.1:5432/acme', globex: 'postgres://app@127.0.0.1:5432/globex' },
    redis: { url: REDIS_URL },
  });

  const cache = new TenantCache(redis, { prefix });
  await runWithTenant('acme', async () => {
    await cache.setMany({ 'user:1': 'a', 'globex:user:1': 'b', '*': 'c' }, 120);
    await cache.get('user:1');
    await cache.get('missing');
  });
  await runWithTenant('globex', () => cache.setMany({ 'user:1': 'x', 'user:2': 'y' }, 120));
});

afterAll(async () => {
  await deleteKeys(redis, basePrefix);
  await redis.quit();
});

describe('tenantctl cache', () => {
  it('stats lists keys and counters', async () => {
    const result = await runTenantctl(['cache', 'stats', '--json', '--cache-prefix', prefix], { cwd: dir });
    const document = JSON.parse(String(result.stdout)) as { tenants: unknown[] };

    expect(result.exitCode).toBe(0);
    expect(document.tenants).toEqual([
      { alias: 'acme', keys: 3, hits: 1, misses: 1 },
      { alias: 'globex', keys: 2, hits: 0, misses: 0 },
    ]);
  });

  it('stats prints a table', async () => {
    const result = await runTenantctl(['cache', 'stats', '--tenant', 'acme', '--cache-prefix', prefix], { cwd: dir });

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/acme\s+│\s+3\s+│\s+1\s+│\s+1\s+│\s+50\.0%/);
    expect(result.stdout).not.toContain('globex');
  });

  it('clear removes one tenant only', async () => {
    const result = await runTenantctl(['cache', 'clear', '--tenant', 'acme.example.com', '--cache-prefix', prefix], { cwd: dir });

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Removed 3 cache keys of tenant acme.');
    expect(await redis.get(`${prefix}globex:user%3A1`)).toBe('x');
    expect(await redis.get(`${prefix}globex:user%3A2`)).toBe('y');
    expect(await redis.exists(`${prefix}acme:user%3A1`)).toBe(0);
  });

  it('clear reports JSON', async () => {
    const result = await runTenantctl(['cache', 'clear', '--tenant', 'acme', '--json', '--cache-prefix', prefix], { cwd: dir });

    expect(result.exitCode).toBe(0);
    expect(JSON.parse(String(result.stdout))).toMatchObject({ command: 'cache clear', tenant: 'acme', removed: 0 });
  });

  it('clear exits 4 on unknown tenant', async () => {
    const result = await runTenantctl(['cache', 'clear', '--tenant', 'initech', '--cache-prefix', prefix], { cwd: dir });

    expect(result.exitCode).toBe(4);
    expect(result.stderr).toContain('TENANT_ALIAS_UNKNOWN');
  });

  it('clear requires --tenant', async () => {
    const result = await runTenantctl(['cache', 'clear', '--cache-prefix', prefix], { cwd: dir });

    expect(result.exitCode).toBe(2);
  });

  it('exits 5 when Redis is down', async () => {
    // Port 1 on loopback has no listener, so the connection is refused at once.
    const result = await runTenantctl(['cache', 'stats', '--redis-url', 'redis://127.0.0.1:1'], { cwd: dir });

    expect(result.exitCode).toBe(5);
    expect(result.stderr).toContain('CACHE_SERVICE_UNAVAILABLE');
  });
});
