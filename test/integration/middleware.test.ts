import { once } from 'node:events';
import { request as httpRequest, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../../src/config/load-config.js';
import { currentTenant, runWithTenant } from '../../src/context/tenant-context.js';
import { TenantResolver } from '../../src/hosts/resolve-tenant.js';
import { type SecurityRecord, SecurityLog } from '../../src/hosts/security-log.js';
import { tenantMiddleware, type TenantMiddleware } from '../../src/middleware/tenant-middleware.js';

const TENANTS = ['acme', 'globex', 'initech', 'umbrella'];

function makeConfig(strict: boolean) {
  const databases = Object.fromEntries([...TENANTS, 'default'].map((alias) => [alias, `postgres://app@127.0.0.1:5432/${alias}`]));
  const mappings = Object.fromEntries(TENANTS.map((alias) => [`${alias}.example.test`, alias]));
  return loadConfig({
    cwd: '/nonexistent-tenantctl-test',
    env: { TENANT_DATABASES: JSON.stringify(databases), TENANT_MAPPINGS: JSON.stringify(mappings), TENANT_STRICT_MODE: String(strict) },
  });
}

/** Starts a server on 127.0.0.1 whose handler returns the current tenant before and after an await. */
async function startServer(middleware: TenantMiddleware): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    middleware(req, res, (error) => {
      if (error !== undefined) {
        res.statusCode = 500;
        res.end('error');
        return;
      }

      const before = currentTenant();
      const delay = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('delay') ?? 0);
      void sleep(delay).then(() => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ before, after: currentTenant() }));
      });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

/** Sends one GET with the Host header as given, raw, so malformed values reach the server. */
function get(port: number, host: string, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET', headers: { host }, setHost: false, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('tenantMiddleware strict', () => {
  const records: SecurityRecord[] = [];
  let server: Server;
  let port: number;

  beforeAll(async () => {
    const resolver = new TenantResolver(makeConfig(true), { securityLog: new SecurityLog({ sink: (record) => records.push(record) }) });
    ({ server, port } = await startServer(tenantMiddleware({ resolver })));
  });

  afterAll(async () => {
    server.close();
    await once(server, 'close');
  });

  it('keeps tenants of concurrent requests', async () => {
    const requests = Array.from({ length: 200 }, (_, i) => {
      const tenant = TENANTS[i % TENANTS.length] ?? 'acme';
      const delay = (i * 7) % 25;
      return get(port, `${tenant.toUpperCase()}.example.test:${8000 + i}`, `/?delay=${delay}`).then((response) => ({ tenant, response }));
    });

    const results = await Promise.all(requests);

    for (const { tenant, response } of results) {
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body)).toEqual({ before: tenant, after: tenant });
    }
  });

  it('answers 403 for unknown hosts', async () => {
    const response = await get(port, 'evil.example.test');

    expect(response.status).toBe(403);
    expect(response.body).toBe('Forbidden: unknown host\n');
  });

  it('answers 400 for malformed hosts', async () => {
    const response = await get(port, 'acme.example.test/<script>alert(1)</script>');

    expect(response.status).toBe(400);
    expect(response.body).not.toContain('<script>');
  });

  it('answers 400 without a host', async () => {
    const response = await get(port, '');

    expect(response.status).toBe(400);
  });

  it('records rejections with reasons', () => {
    const unknown = records.find((record) => record.reason === 'unknown-host');
    const malformed = records.find((record) => record.reason === 'malformed');

    expect(unknown).toMatchObject({ event: 'host.rejected', host: 'evil.example.test', strictMode: true });
    expect(malformed?.host).toBe('acme.example.test/<script>alert(1)</script>');
  });

  it('leaves no tenant behind', () => {
    expect(currentTenant()).toBeUndefined();
  });
});

describe('tenantMiddleware permissive', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    const resolver = new TenantResolver(makeConfig(false), { securityLog: false });
    ({ server, port } = await startServer(tenantMiddleware({ resolver })));
  });

  afterAll(async () => {
    server.close();
    await once(server, 'close');
  });

  it('serves unknown hosts as default', async () => {
    const response = await get(port, 'dev.localhost:3000');

    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ before: 'default', after: 'default' });
  });

  it('still rejects malformed hosts', async () => {
    const response = await get(port, 'a..b');

    expect(response.status).toBe(400);
  });
});

describe('tenantMiddleware options', () => {
  it('reads X-Forwarded-Host when trusted', async () => {
    const resolver = new TenantResolver(makeConfig(true), { securityLog: false });
    const middleware = tenantMiddleware({ resolver, trustForwardedHost: true });
    const seen: Array<string | undefined> = [];
    const req = { headers: { host: 'proxy.internal', 'x-forwarded-host': 'globex.example.test, proxy.internal' } };

    middleware(req as never, {} as never, () => seen.push(currentTenant()));

    expect(seen).toEqual(['globex']);
  });

  it('ignores X-Forwarded-Host by default', async () => {
    const resolver = new TenantResolver(makeConfig(true), { securityLog: false });
    const middleware = tenantMiddleware({ resolver });
    const seen: Array<string | undefined> = [];
    const req = { headers: { host: 'acme.example.test', 'x-forwarded-host': 'globex.example.test' } };

    middleware(req as never, {} as never, () => seen.push(currentTenant()));

    expect(seen).toEqual(['acme']);
  });

  it('nested runWithTenant restores the outer tenant', async () => {
    const seen = await runWithTenant('acme', async () => {
      const inner = await runWithTenant('globex', async () => {
        await sleep(5);
        return currentTenant();
      });
      return [inner, currentTenant()];
    });

    expect(seen).toEqual(['globex', 'acme']);
  });
});
