/**
 * The typed audit events. The same records feed the JSON Lines audit file, `--json` output and the
 * human renderer. No event carries a password or a full connection URL.
 */

/** Holder metadata stored with a tenant lock in Redis. */
export interface LockHolder {
  host: string;
  pid: number;
  correlationId: string;
  command: string;
  /** Epoch milliseconds from the Redis server clock. */
  acquiredAt: number;
  /** Epoch milliseconds from the Redis server clock. */
  heartbeatAt: number;
}

/** An error as it appears in results and audit records. PostgreSQL errors keep code, detail and hint. */
export interface ErrorInfo {
  code: string;
  message: string;
  migration?: string;
  postgres?: { code?: string; detail?: string; hint?: string; position?: string; where?: string };
}

/** The person and process behind a manual lock change, for the audit trail. */
export interface Operator {
  /** The operating-system user that ran tenantctl. */
  user: string;
  host: string;
  pid: number;
}

/** A tenant's result in a migrate run. `reverted` means down migrations (`--to` below the applied ones) were committed. */
export type TenantStatus = 'applied' | 'reverted' | 'up-to-date' | 'failed' | 'busy' | 'lock-lost' | 'skipped' | 'rejected';

type EventBody =
  | { event: 'run.started'; command: string; targets: number; concurrency: number; migrations: number; host: string; pid: number; version: string }
  | { event: 'guard.allowed'; tenant: string; input: string }
  | { event: 'guard.rejected'; tenant?: string; input: string; reason: string; message: string }
  | { event: 'lock.acquired'; tenant: string; key: string }
  | { event: 'lock.busy'; tenant: string; holder: LockHolder; heartbeatAgeMs: number; waitedMs: number }
  | { event: 'lock.taken-over'; tenant: string; previousHolder: LockHolder; heartbeatAgeMs: number }
  | { event: 'lock.released'; tenant: string; heldMs: number }
  | { event: 'lock.release-skipped'; tenant: string; reason: string }
  | { event: 'lock.lost'; tenant: string; reason: string }
  | { event: 'lock.cleared'; tenant: string; key: string; previousHolder: LockHolder; heartbeatAgeMs: number; staleMs: number; by: Operator }
  | { event: 'lock.kept'; tenant: string; key: string; holder?: LockHolder; heartbeatAgeMs?: number; reason: string; by: Operator }
  | { event: 'lock.force-released'; tenant: string; key: string; previousHolder: LockHolder; heartbeatAgeMs: number; reason: string; by: Operator }
  | { event: 'tenant.started'; tenant: string; direction: 'up' | 'down'; pending: number }
  | { event: 'migration.started'; tenant: string; migration: string; direction: 'up' | 'down' }
  | { event: 'migration.applied'; tenant: string; migration: string; direction: 'up' | 'down'; durationMs: number }
  | { event: 'migration.failed'; tenant: string; migration: string; direction: 'up' | 'down'; durationMs: number; error: ErrorInfo }
  | { event: 'tenant.finished'; tenant: string; status: TenantStatus; applied: string[]; durationMs: number; error?: ErrorInfo }
  | { event: 'run.aborted'; signal: string; running: number }
  | {
      event: 'run.finished';
      command: string;
      durationMs: number;
      counts: Partial<Record<TenantStatus, number>>;
      outcome: string;
      error?: ErrorInfo;
    };

/** An audit event as written: the body plus time and the invocation's correlation ID. */
export type AuditEvent = EventBody & { time: string; correlationId: string };

export type AuditEventBody = EventBody;

export type AuditEventName = AuditEvent['event'];

/** Receives every event of a run, in order. */
export type EventListener = (event: AuditEvent) => void;
