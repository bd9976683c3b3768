import { request as httpRequest } from 'node:http';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { SecurityRecord } from '../../src/hosts/security-log.js';
import { countConnections, createDatabase, databaseUrl, dropDatabase, queryDatabase, uniqueDatabaseName } from '../helpers/postgres.js';
import { createRedis, deleteKeys, REDIS_URL, uniqueLockPrefix } from '../helpers/redis.js';

interface App {
  port: number;
  close(): Promise<void>;
}

const acmeDb = uniqueDatabaseName('acme');
const globexDb = uniqueDatabaseName('globex');
const cachePrefix = `${uniqueLockPrefix('example-app')}tenant:`;
const records: SecurityRecord[] = [];
let app: App;

function get(port: number, host: string, path: string): Promise<{ status: number; body: Record<string, unknown> | string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { host }, setHost: false, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        const json = res.headers['content-type'] === 'application/json';
        resolve({ status: res.statusCode ?? 0, body: json ? (JSON.parse(text) as Record<string, unknown>) : text });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  for (const [name, greeting] of [[acmeDb, 'hello from acme'], [globexDb, 'hello from globex']] as const) {
    await createDatabase(name);
    await queryDatabase(name, 'create table settings (greeting text not null)');
    await queryDatabase(name, 'insert into settings values ($1)', [greeting]);
  }

  // The example app imports the built package, as an application would after `npm install`.
  const { startApp } = (await import('../example-app/app.js')) as { startApp: (options: unknown) => Promise<App> };
  app = await startApp({
    cachePrefix,
    securitySink: (record: SecurityRecord) => records.push(record),
    env: {
      TENANT_DATABASES: JSON.stringify({ acme: databaseUrl(acmeDb), globex: databaseUrl(globexDb) }),
      TENANT_MAPPINGS: JSON.stringify({ 'acme.example.test': 'acme', 'globex.example.test': 'globex' }),
      TENANT_STRICT_MODE: 'true',
      REDIS_URL,
    },
  });
});

afterAll(async () => {
  await app?.close();
  const redis = createRedis();
  try {
    await deleteKeys(redis, cachePrefix.slice(0, -'tenant:'.length));
  } finally {
    await redis.quit();
  }

  await dropDatabase(acmeDb);
  await dropDatabase(globexDb);
});

describe('example app', () => {
  it('serves each tenant its own data', async () => {
    const acme = await get(app.port, 'acme.example.test', '/greeting');
    const globex = await get(app.port, 'GLOBEX.example.test:8080', '/greeting');

    expect(acme.body).toEqual({ tenant: 'acme', greeting: 'hello from acme', cache: 'miss' });
    expect(globex.body).toEqual({ tenant: 'globex', greeting: 'hello from globex', cache: 'miss' });
  });

  it('caches per tenant', async () => {
    const acme = await get(app.port, 'acme.example.test', '/greeting');
    const globex = await get(app.port, 'globex.example.test', '/greeting');

    expect(acme.body).toMatchObject({ greeting: 'hello from acme', cache: 'hit' });
    expect(globex.body).toMatchObject({ greeting: 'hello from globex', cache: 'hit' });
  });

  it('reports cache counters', async () => {
    const stats = await get(app.port, 'acme.example.test', '/stats');

    expect(stats.body).toEqual({ tenant: 'acme', hits: 1, misses: 1 });
  });

  it('rejects unknown hosts with 403', async () => {
    const response = await get(app.port, 'initech.example.test', '/greeting');

    expect(response.status).toBe(403);
    expect(records.at(-1)).toMatchObject({ event: 'host.rejected', reason: 'unknown-host', host: 'initech.example.test' });
  });

  it('uses one pool per tenant', async () => {
    expect(await countConnections('example-app:acme')).toBeGreaterThanOrEqual(1);
    expect(await countConnections('example-app:globex')).toBeGreaterThanOrEqual(1);
  });
});
