import { AsyncLocalStorage } from 'node:async_hooks';

import { TenantContextError } from '../errors.js';

interface TenantStore {
  readonly alias: string;
}

// One storage per loaded copy of this module; the middleware, the cache and tenantDb share it.
const storage = new AsyncLocalStorage<TenantStore>();

/** Returns the alias of the tenant the current request or job runs for, or undefined outside one. */
export function currentTenant(): string | undefined {
  return storage.getStore()?.alias;
}

/** Returns the current tenant alias, or throws TenantContextError when the code runs outside one. */
export function requireTenant(): string {
  const alias = currentTenant();
  if (alias === undefined) {
    throw new TenantContextError('no tenant context: run this code inside the tenant middleware or runWithTenant(alias, fn)');
  }

  return alias;
}

/**
 * Runs fn with the tenant as the current tenant. Callbacks and promises started inside fn keep
 * that tenant, and a nested call switches tenants only for its own callback.
 */
export function runWithTenant<T>(alias: string, fn: () => T): T {
  if (typeof alias !== 'string' || alias === '') {
    throw new TenantContextError('runWithTenant needs a tenant alias, got an empty value');
  }

  return storage.run({ alias }, fn);
}
