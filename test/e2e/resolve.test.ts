import { beforeAll, describe, expect, it } from 'vitest';

import { runTenantctl, tempDir, writeConfig } from '../helpers/cli.js';

let dir: string;

beforeAll(() => {
  dir = tempDir('resolve');
  writeConfig(dir, {
    tenantMappings: { 'acme.example.com': 'acme', 'bücher.example': 'globex', '*.shops.example': 'globex' },
    databases: { acme: 'postgres://app:s3cret@127.0.0.1:5432/acme', globex: 'postgres://app@127.0.0.1:5432/globex', default: 'postgres://app@127.0.0.1:5432/fallback' },
    unknownHostAllowlist: ['legacy.example.com'],
  });
});

describe('tenantctl resolve', () => {
  it('prints the alias of mapped hosts', async () => {
    const result = await runTenantctl(['resolve', 'ACME.example.com:8080', 'xn--bcher-kva.example.', 'a.shops.example'], { cwd: dir });

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^ACME\.example\.com:8080\s+acme$/m);
    expect(result.stdout).toMatch(/^xn--bcher-kva\.example\.\s+globex$/m);
    expect(result.stdout).toMatch(/^a\.shops\.example\s+globex$/m);
  });

  it('exits 7 on a rejected host', async () => {
    const result = await runTenantctl(['resolve', 'acme.example.com', 'unknown.example.com'], { cwd: dir });

    expect(result.exitCode).toBe(7);
    expect(result.stdout).toMatch(/^unknown\.example\.com\s+rejected \(unknown-host\)/m);
    expect(result.stderr).toContain('1 of 2 hosts rejected');
  });

  it('reports JSON per host', async () => {
    const result = await runTenantctl(['resolve', '--json', 'acme.example.com', 'a..b', 'legacy.example.com', 'x\u0007y'], { cwd: dir });
    const document = JSON.parse(String(result.stdout)) as { outcome: string; strictMode: boolean; hosts: Array<Record<string, unknown>> };

    expect(result.exitCode).toBe(7);
    expect(document.outcome).toBe('check-failed');
    expect(document.strictMode).toBe(true);
    expect(document.hosts[0]).toMatchObject({ input: 'acme.example.com', ok: true, alias: 'acme' });
    expect(document.hosts[1]).toMatchObject({ input: 'a..b', ok: false, reason: 'malformed' });
    expect(document.hosts[2]).toMatchObject({ ok: true, alias: 'default', fallback: 'allowlist' });
    expect(document.hosts[3]).toMatchObject({ input: 'x\\u0007y', ok: false, reason: 'malformed' });
  });

  it('falls back in permissive mode', async () => {
    const result = await runTenantctl(['resolve', '--json', 'unknown.example.com'], { cwd: dir, env: { TENANT_STRICT_MODE: 'false' } });
    const document = JSON.parse(String(result.stdout)) as { hosts: Array<Record<string, unknown>> };

    expect(result.exitCode).toBe(0);
    expect(document.hosts[0]).toMatchObject({ ok: true, alias: 'default', fallback: 'permissive' });
  });

  it('is permissive in development', async () => {
    const result = await runTenantctl(['resolve', 'unknown.example.com'], { cwd: dir, env: { NODE_ENV: 'development' } });

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('permissive mode');
  });

  it('never prints a password', async () => {
    const result = await runTenantctl(['resolve', '--json', 'acme.example.com', 'nope.example.com'], { cwd: dir });

    expect(`${String(result.stdout)}${String(result.stderr)}`).not.toContain('s3cret');
  });

  it('requires a host', async () => {
    const result = await runTenantctl(['resolve'], { cwd: dir });

    expect(result.exitCode).toBe(2);
  });

  it('exits 3 on a bad wildcard', async () => {
    const bad = tempDir('resolve-bad');
    writeConfig(bad, { tenantMappings: { 'a*.example.com': 'acme' }, databases: { acme: 'postgres://app@127.0.0.1:5432/acme' } });

    const result = await runTenantctl(['resolve', 'a.example.com'], { cwd: bad });

    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('whole first label');
  });
});
