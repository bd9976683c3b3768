import { describe, expect, it } from 'vitest';

import type { TenantStatus } from '../../src/audit/audit-events.js';
import { countStatuses, judgeRun } from '../../src/commands/run-outcome.js';
import type { TenantResult } from '../../src/migrations/migrate-tenant.js';

function result(status: TenantStatus, code?: string): TenantResult {
  return { tenant: `t-${status}`, status, applied: [], durationMs: 1, ...(code === undefined ? {} : { error: { code, message: code } }) };
}

describe('judgeRun', () => {
  it('reverted tenants are ok', () => {
    expect(judgeRun([result('reverted'), result('applied'), result('up-to-date')], undefined)).toBe('ok');
  });

  it('failure beside reverted fails', () => {
    expect(judgeRun([result('reverted'), result('failed', 'MIGRATION_FAILED')], undefined)).toBe('tenant-failed');
  });
});

describe('countStatuses', () => {
  it('counts reverted apart from applied', () => {
    expect(countStatuses([result('reverted'), result('reverted'), result('applied')])).toEqual({ reverted: 2, applied: 1 });
  });
});
