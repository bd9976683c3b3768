import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { freePort } from '../helpers/free-port.js';
import { createRedis } from '../helpers/redis.js';
import { createFleet, type Fleet, jsonOutput, sampleConnections, sessionCount, tablesOf, uniqueCorrelationId } from '../fixtures/migrate/tenant-fleet.js';

describe('migrate guard rejections', () => {
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await createFleet('guard', ['acme', 'analytics'], {
      allowlist: ['acme'],
      config: { tenantMappings: { 'acme.example.test': 'acme', 'stats.example.test': 'analytics' } },
    });
  });

  afterAll(async () => {
    await fleet.drop();
  });

  it.each([
    ['unknown alias', ['--tenant', 'initech'], 'unknown-alias'],
    ['unknown host', ['--tenant', 'initech.example.test'], 'unknown-host'],
    ['malformed name', ['--tenant', 'acme;drop database acme'], 'malformed-host'],
    ['alias not allowlisted', ['--tenant', 'analytics'], 'not-allowlisted'],
    ['host not allowlisted', ['--tenant', 'Stats.Example.Test.'], 'not-allowlisted'],
    ['one bad among good', ['--tenant', 'acme', '--tenant', 'initech'], 'unknown-alias'],
  ])('%s exits 4, connects nowhere', async (_label, args, reason) => {
    const correlationId = uniqueCorrelationId('guard');
    const databases = Object.values(fleet.databases);
    const sessionsBefore = await Promise.all(databases.map(sessionCount));
    const sampler = sampleConnections({ applicationName: `tenantctl:${correlationId}` });
    const toTargets = sampleConnections({ databases });

    // Port 1 on loopback refuses connections: the guard must reject before Redis is ever contacted.
    const result = await fleet.migrate([...args, '--json', '--correlation-id', correlationId, '--redis-url', 'redis://127.0.0.1:1']);
    const tenantctlConnections = await sampler.stop();
    const targetConnections = await toTargets.stop();
    await delay(700);
    const sessionsAfter = await Promise.all(databases.map(sessionCount));
    const output = jsonOutput(result);

    expect(result.exitCode).toBe(4);
    expect(output.error.code).toBe('GUARD_REJECTED');
    expect(output.error.rejections.map((rejection: { reason: string }) => rejection.reason)).toEqual([reason]);
    expect(tenantctlConnections.samples).toBeGreaterThan(0);
    expect(tenantctlConnections.max).toBe(0);
    expect(targetConnections.max).toBe(0);
    expect(sessionsAfter).toEqual(sessionsBefore);
    for (const database of databases) {
      expect(await tablesOf(database)).toEqual([]);
    }
  });

  it('empty allowlist rejects --all', async () => {
    const result = await fleet.migrate(['--all', '--json'], { TENANT_MIGRATION_DATABASES: ' ' });

    expect(result.exitCode).toBe(4);
    expect(jsonOutput(result).error.code).toBe('GUARD_REJECTED');
    expect(await tablesOf(fleet.databases.acme as string)).toEqual([]);
  });

  it('rejection is audited', async () => {
    const auditPath = `${fleet.dir}/guard-audit.jsonl`;

    const result = await fleet.migrate(['--tenant', 'analytics', '--audit-log', auditPath]);
    const events = readFileSync(auditPath, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; reason?: string });

    expect(result.exitCode).toBe(4);
    expect(events.map((event) => event.event)).toEqual(['guard.rejected', 'run.finished']);
    expect(events[0]?.reason).toBe('not-allowlisted');
    expect(String(result.stderr)).toContain('migration allowlist');
  });
});

describe('migrate with Redis down', () => {
  let fleet: Fleet;
  let redis: ChildProcess | undefined;

  beforeAll(async () => {
    fleet = await createFleet('redisdown', ['acme', 'globex']);
  });

  afterAll(async () => {
    redis?.kill('SIGKILL');
    await fleet.drop();
  });

  it('exits 5, touches no tenant', async () => {
    const port = await freePort();
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: 'ignore' });
    const redisUrl = `redis://127.0.0.1:${port}`;

    // Wait until the server replies to PING, so the kill below stops a server that really ran.
    let ready = false;
    for (let attempt = 0; attempt < 50 && !ready; attempt++) {
      const client = createRedis(redisUrl);
      client.on('error', () => undefined);
      ready = await client.ping().then(
        () => true,
        () => false,
      );
      client.disconnect();
      if (!ready) {
        await delay(100);
      }
    }
    expect(ready).toBe(true);

    const exited = new Promise((resolve) => redis?.once('exit', resolve));
    redis.kill('SIGKILL');
    await exited;
    redis = undefined;

    const databases = Object.values(fleet.databases);
    const sessionsBefore = await Promise.all(databases.map(sessionCount));
    const result = await fleet.migrate(['--all', '--json', '--redis-url', redisUrl]);
    await delay(700);
    const sessionsAfter = await Promise.all(databases.map(sessionCount));
    const output = jsonOutput(result);

    expect(result.exitCode).toBe(5);
    expect(output.error.code).toBe('LOCK_SERVICE_UNAVAILABLE');
    expect(output.error.message).toContain(`127.0.0.1:${port}`);
    expect(sessionsAfter).toEqual(sessionsBefore);
    for (const database of databases) {
      expect(await tablesOf(database)).toEqual([]);
    }
  });
});
