import type { LockHolder } from '../audit/audit-events.js';

/** A lock as read from Redis, with ages computed against the Redis server clock. */
export interface LockRecord {
  tenant: string;
  key: string;
  token: string;
  holder: LockHolder;
  /** Milliseconds since the last heartbeat, by the Redis clock. */
  heartbeatAgeMs: number;
  /** Milliseconds since the lock was acquired, by the Redis clock. */
  ageMs: number;
  /** Milliseconds until the lease expires; -1 when the key has no TTL. */
  leaseLeftMs: number;
}

/** Builds a record from the flat HGETALL reply a Lua script returned. */
export function parseLockFields(tenant: string, key: string, fields: unknown, nowMs: number, pttl: number): LockRecord {
  const map = new Map<string, string>();
  if (Array.isArray(fields)) {
    for (let index = 0; index + 1 < fields.length; index += 2) {
      map.set(String(fields[index]), String(fields[index + 1]));
    }
  }

  const number = (name: string): number => {
    const value = Number(map.get(name));
    return Number.isFinite(value) ? value : 0;
  };

  const holder: LockHolder = {
    host: map.get('host') ?? 'unknown',
    pid: number('pid'),
    correlationId: map.get('correlationId') ?? 'unknown',
    command: map.get('command') ?? 'unknown',
    acquiredAt: number('acquiredAt'),
    heartbeatAt: number('heartbeatAt'),
  };

  return {
    tenant,
    key,
    token: map.get('token') ?? '',
    holder,
    heartbeatAgeMs: Math.max(0, nowMs - holder.heartbeatAt),
    ageMs: Math.max(0, nowMs - holder.acquiredAt),
    leaseLeftMs: pttl,
  };
}
