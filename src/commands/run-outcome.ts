import type { TenantStatus } from '../audit/audit-events.js';
import type { RunOutcome } from '../exit-codes.js';
import type { TenantResult } from '../migrations/migrate-tenant.js';

/** Judges a run: an interruption beats a Redis outage, which beats a tenant failure, then busy. */
export function judgeRun(tenants: readonly TenantResult[], interruptedBy: string | undefined): RunOutcome {
  if (interruptedBy !== undefined) {
    return 'interrupted';
  }

  if (tenants.some((tenant) => tenant.error?.code === 'LOCK_SERVICE_UNAVAILABLE')) {
    return 'lock-unavailable';
  }

  if (tenants.some((tenant) => tenant.status === 'failed' || tenant.status === 'lock-lost')) {
    return 'tenant-failed';
  }

  if (tenants.some((tenant) => tenant.status === 'busy')) {
    return 'lock-busy';
  }

  return 'ok';
}

/** Counts tenants per status. */
export function countStatuses(tenants: readonly TenantResult[]): Partial<Record<TenantStatus, number>> {
  const counts: Partial<Record<TenantStatus, number>> = {};
  for (const tenant of tenants) {
    counts[tenant.status] = (counts[tenant.status] ?? 0) + 1;
  }

  return counts;
}
