// A small multi-tenant HTTP service that uses tenantctl the way an application would: one tenant
// per Host header, one database per tenant, and a per-tenant cache. It imports the built package.
import { createServer } from 'node:http';
import { once } from 'node:events';

import {
  connectCacheRedis,
  currentTenant,
  loadConfig,
  SecurityLog,
  TenantCache,
  TenantDatabases,
  TenantResolver,
  tenantMiddleware,
} from '../../dist/index.js';

/**
 * Starts the service on 127.0.0.1 with an ephemeral port. GET /greeting returns the tenant's
 * greeting from its own database, cached per tenant; GET /stats returns the tenant's cache counters.
 */
export async function startApp({ env, cachePrefix, securitySink }) {
  const config = loadConfig({ env, cwd: process.cwd() });
  const resolver = new TenantResolver(config, { securityLog: new SecurityLog({ sink: securitySink }) });
  const databases = new TenantDatabases(config, { maxConnections: 2, applicationName: 'example-app' });
  const redis = await connectCacheRedis(config);
  const cache = new TenantCache(redis, { prefix: cachePrefix, defaultTtlSeconds: 60 });
  const withTenant = tenantMiddleware({ resolver });

  const server = createServer((request, response) => {
    withTenant(request, response, (error) => {
      if (error !== undefined) {
        send(response, 500, { error: 'internal error' });
        return;
      }

      handle(request, response).catch((failure) => send(response, 500, { error: String(failure?.message ?? failure) }));
    });
  });

  async function handle(request, response) {
    if (request.url === '/greeting') {
      const cached = await cache.get('greeting');
      if (cached !== null) {
        send(response, 200, { tenant: currentTenant(), greeting: cached, cache: 'hit' });
        return;
      }

      const row = await databases.tenantDb().selectFrom('settings').select('greeting').executeTakeFirstOrThrow();
      await cache.set('greeting', row.greeting);
      send(response, 200, { tenant: currentTenant(), greeting: row.greeting, cache: 'miss' });
      return;
    }

    if (request.url === '/stats') {
      send(response, 200, { tenant: currentTenant(), ...cache.stats() });
      return;
    }

    send(response, 404, { error: 'not found' });
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  return {
    port: server.address().port,
    async close() {
      const closed = once(server, 'close');
      server.close();
      // Keep-alive sockets would hold close() open until they time out.
      server.closeAllConnections();
      await closed;
      await databases.destroyAll();
      await redis.quit();
    },
  };
}

function send(response, status, body) {
  response.statusCode = status;
  response.setHeader('content-type', 'application/json');
  response.end(JSON.stringify(body));
}
