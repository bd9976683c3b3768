import type { LockHolder } from '../audit/audit-events.js';
import type { InspectedLock } from './lock-scan.js';

/**
 * A tenant's lock as status and locks report it. Ages are in milliseconds by the Redis clock.
 * `stale` means the heartbeat is older than the stale threshold, so the next runner may take the
 * lock over or `locks --clear-stale` may delete it.
 */
export type LockState =
  | { state: 'free' }
  | { state: 'held' | 'stale'; holder: LockHolder; ageMs: number; heartbeatAgeMs: number; leaseLeftMs: number }
  | { state: 'unknown'; message: string };

/** Describes an inspected lock; `serviceError` explains why no lock could be read at all. */
export function describeLock(inspected: InspectedLock | undefined, serviceError: string | undefined, staleMs: number): LockState {
  if (serviceError !== undefined) {
    return { state: 'unknown', message: serviceError };
  }

  if (inspected === undefined || inspected.state === 'free') {
    return { state: 'free' };
  }

  if (inspected.state === 'unreadable') {
    return { state: 'unknown', message: `${inspected.key} ${inspected.message}` };
  }

  const { record } = inspected;
  return {
    state: record.heartbeatAgeMs > staleMs ? 'stale' : 'held',
    holder: record.holder,
    ageMs: record.ageMs,
    heartbeatAgeMs: record.heartbeatAgeMs,
    leaseLeftMs: record.leaseLeftMs,
  };
}
