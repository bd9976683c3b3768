import { hostname, userInfo } from 'node:os';

import type { Redis } from 'ioredis';

import type { EventListener, LockHolder, Operator } from '../audit/audit-events.js';
import { AuditLog } from '../audit/audit-log.js';
import { resolveCorrelationId } from '../audit/correlation-id.js';
import { EventBus } from '../audit/event-bus.js';
import { printable } from '../config/printable.js';
import type { ResolvedConfig } from '../config/resolved-config.js';
import { ALIAS_PATTERN } from '../config/settings.js';
import { LockServiceError, UsageError, errorMessage } from '../errors.js';
import type { RunOutcome } from '../exit-codes.js';
import { lookupAlias } from '../guard/resolve-targets.js';
import { inspectLocks, scanLockedTenants, type InspectedLock } from '../locks/lock-scan.js';
import { CLEAR_STALE_SCRIPT, RELEASE_SCRIPT } from '../locks/lua-scripts.js';
import { closeRedis, connectRedis } from '../locks/redis-client.js';
import { runScript } from '../locks/run-script.js';

/** One tenant lock as `tenantctl locks` lists it. Ages are milliseconds by the Redis clock. */
export interface LockEntry {
  tenant: string;
  key: string;
  /** `stale`: no heartbeat for longer than the stale threshold. `unreadable`: the key is not a lock hash. */
  state: 'held' | 'stale' | 'unreadable';
  holder?: LockHolder;
  ageMs?: number;
  heartbeatAgeMs?: number;
  /** Milliseconds until the lease expires; -1 when the key has no TTL. */
  leaseLeftMs?: number;
  message?: string;
}

export interface LocksOptions {
  /** A Redis client to use instead of connecting to redis.url; the caller keeps ownership. */
  redis?: Redis;
  correlationId?: string;
  onEvent?: EventListener;
  /** The operator recorded in audit records: the current OS user, host and pid by default. */
  operator?: Operator;
}

export interface ListLocksResult {
  command: 'locks';
  prefix: string;
  staleMs: number;
  outcome: RunOutcome;
  locks: LockEntry[];
}

/** The reason clear-stale left a lock alone. */
export type KeptReason = 'live' | 'renewed' | 'gone' | 'changed-hands' | 'unreadable';

export interface ClearStaleResult {
  command: 'locks --clear-stale';
  correlationId: string;
  prefix: string;
  staleMs: number;
  outcome: RunOutcome;
  removed: Array<{ tenant: string; key: string; holder: LockHolder; heartbeatAgeMs: number }>;
  kept: Array<{ tenant: string; key: string; reason: KeptReason; message: string; holder?: LockHolder; heartbeatAgeMs?: number }>;
  auditLog?: string;
}

export interface ClearStaleOptions extends LocksOptions {
  /**
   * Runs after the locks were read and before any is cleared. The window exists in every run;
   * tests use this hook to renew or replace a lock inside it.
   */
  afterRead?: (locks: readonly LockEntry[]) => Promise<void>;
}

export interface ReleaseOptions extends LocksOptions {
  /** Alias or mapped hostname of the tenant whose lock to delete. */
  tenant: string;
  /** Delete the lock; without it the result only explains what would happen. */
  force?: boolean;
  /** The reason for deleting the lock, required with `force` and recorded in the audit log. */
  reason?: string;
}

export type ReleaseAction = 'released' | 'would-release' | 'not-locked' | 'changed-hands';

export interface ReleaseResult {
  command: 'locks release';
  correlationId: string;
  tenant: string;
  key: string;
  action: ReleaseAction;
  outcome: RunOutcome;
  /** The lock that was, or would be, deleted, and the effect on its holder. */
  explanation: string;
  lock?: LockEntry;
  auditLog?: string;
}

/** Lists every tenant lock under the configured prefix, with SCAN. Throws LockServiceError. */
export async function listLocks(config: ResolvedConfig, options: LocksOptions = {}): Promise<ListLocksResult> {
  return withRedis(config, options, async (client) => {
    const locks = await readAllLocks(client, config);
    return { command: 'locks', prefix: config.lock.prefix, staleMs: config.lock.staleMs, outcome: 'ok', locks };
  });
}

/**
 * Deletes the locks whose holder stopped heartbeating. One Lua script per lock judges staleness
 * from the stored heartbeatAt and the Redis clock, and deletes only if the lock still holds the
 * token that was read. So a holder that renews in between, or a new holder, keeps its lock. Every
 * removal and every lock left alone is audited.
 */
export async function clearStaleLocks(config: ResolvedConfig, options: ClearStaleOptions = {}): Promise<ClearStaleResult> {
  const correlationId = resolveCorrelationId(options.correlationId);
  const operator = options.operator ?? currentOperator();
  const audit = config.auditLog === undefined ? undefined : AuditLog.open(config.auditLog);
  const bus = new EventBus(correlationId, [audit === undefined ? undefined : (event) => audit.write(event), options.onEvent]);

  try {
    return await withRedis(config, options, async (client) => {
      const locks = await readAllLocks(client, config);
      await options.afterRead?.(locks);

      const result: ClearStaleResult = { command: 'locks --clear-stale', correlationId, prefix: config.lock.prefix, staleMs: config.lock.staleMs, outcome: 'ok', removed: [], kept: [] };
      for (const lock of locks) {
        await clearOne(client, config, lock, result, (kept) => {
          bus.emit({ event: 'lock.kept', tenant: kept.tenant, key: kept.key, reason: kept.message, by: operator, ...(kept.holder === undefined ? {} : { holder: kept.holder }), ...(kept.heartbeatAgeMs === undefined ? {} : { heartbeatAgeMs: kept.heartbeatAgeMs }) });
        }, (removed) => {
          bus.emit({ event: 'lock.cleared', tenant: removed.tenant, key: removed.key, previousHolder: removed.holder, heartbeatAgeMs: removed.heartbeatAgeMs, staleMs: config.lock.staleMs, by: operator });
        });
      }

      return audit === undefined ? result : { ...result, auditLog: audit.path };
    });
  } finally {
    audit?.close();
  }
}

type Kept = ClearStaleResult['kept'][number];
type Removed = ClearStaleResult['removed'][number];

async function clearOne(client: Redis, config: ResolvedConfig, lock: LockEntry, result: ClearStaleResult, onKept: (kept: Kept) => void, onRemoved: (removed: Removed) => void): Promise<void> {
  const keep = (reason: KeptReason, message: string, heartbeatAgeMs?: number): void => {
    const kept: Kept = { tenant: lock.tenant, key: lock.key, reason, message, ...(lock.holder === undefined ? {} : { holder: lock.holder }), ...(heartbeatAgeMs === undefined ? {} : { heartbeatAgeMs }) };
    result.kept.push(kept);
    onKept(kept);
  };

  if (lock.state === 'unreadable' || lock.holder === undefined) {
    keep('unreadable', `left alone: ${lock.message ?? 'the key is not a lock record'}`);
    return;
  }

  const reply = await call(client, CLEAR_STALE_SCRIPT, lock.key, [tokens.get(lock) ?? '', config.lock.staleMs]);
  const [status, nowMs] = Array.isArray(reply) ? [Number(reply[0]), Number(reply[1])] : [Number.NaN, Number.NaN];
  const heartbeatAgeMs = Math.max(0, nowMs - lock.holder.heartbeatAt);

  switch (status) {
    case 1: {
      const removed: Removed = { tenant: lock.tenant, key: lock.key, holder: lock.holder, heartbeatAgeMs };
      result.removed.push(removed);
      onRemoved(removed);
      return;
    }
    case 0:
      keep(lock.state === 'stale' ? 'renewed' : 'live', `left alone: ${lock.holder.host}:${lock.holder.pid} is alive (heartbeat within the ${config.lock.staleMs / 1000}s stale threshold by the Redis clock)`);
      return;
    case -1:
      keep('gone', 'left alone: the lock was released or expired after it was read');
      return;
    case -2:
      keep('changed-hands', 'left alone: another runner took the lock after it was read');
      return;
    default:
      throw new LockServiceError(`Redis returned an unexpected reply to the clear-stale script on ${lock.key}`);
  }
}

/**
 * Deletes one tenant's lock by hand, for a holder that is known to be dead but not yet stale.
 * Without `force` nothing changes and the result explains what would be deleted. With `force` the
 * lock is deleted only if it still holds the token that was read, and the deletion is audited with
 * the operator and the reason.
 */
export async function releaseLock(config: ResolvedConfig, options: ReleaseOptions): Promise<ReleaseResult> {
  const tenant = resolveLockTenant(config, options.tenant);
  const reason = options.reason?.trim() ?? '';
  if (options.force === true && reason === '') {
    throw new UsageError('--force needs --reason TEXT: say why the lock is deleted, for the audit log');
  }

  const correlationId = resolveCorrelationId(options.correlationId);
  const operator = options.operator ?? currentOperator();
  const key = `${config.lock.prefix}${tenant}`;
  const base = { command: 'locks release' as const, correlationId, tenant, key };

  return withRedis(config, options, async (client) => {
    const [inspected] = await inspectLocks(client, config.lock.prefix, [tenant]);
    const lock = inspected === undefined ? undefined : toEntry(inspected, config.lock.staleMs);
    if (lock === undefined) {
      return { ...base, action: 'not-locked', outcome: 'ok', explanation: `${tenant} has no lock (${key}); nothing to release` };
    }

    const description = describeHolder(lock);
    if (options.force !== true) {
      const consequence = lock.state === 'held' ? ' The holder is alive: it loses the lock at its next heartbeat and rolls its migration back.' : '';
      return { ...base, action: 'would-release', outcome: 'ok', lock, explanation: `Would delete ${key}, ${description}.${consequence} Nothing was changed; run again with --force --reason TEXT to delete it.` };
    }

    const audit = config.auditLog === undefined ? undefined : AuditLog.open(config.auditLog);
    try {
      const reply = await call(client, RELEASE_SCRIPT, key, [tokens.get(lock) ?? '']);
      if (reply === -1) {
        return { ...base, action: 'not-locked', outcome: 'ok', explanation: `${tenant}'s lock was released or expired after it was read; nothing to delete` };
      }

      if (reply !== 1) {
        return { ...base, action: 'changed-hands', outcome: 'lock-busy', lock, explanation: `another runner took ${key} after it was read, so nothing was deleted; run the command again to see the new holder` };
      }

      const bus = new EventBus(correlationId, [audit === undefined ? undefined : (event) => audit.write(event), options.onEvent]);
      bus.emit({ event: 'lock.force-released', tenant, key, previousHolder: lock.holder as LockHolder, heartbeatAgeMs: lock.heartbeatAgeMs ?? 0, reason, by: operator });
      return { ...base, action: 'released', outcome: 'ok', lock, explanation: `Deleted ${key}, ${description}.`, ...(audit === undefined ? {} : { auditLog: audit.path }) };
    } finally {
      audit?.close();
    }
  });
}

/** Accepts any well-formed alias (a lock may outlive its tenant's config entry) or a mapped hostname. */
function resolveLockTenant(config: ResolvedConfig, input: string): string {
  if (ALIAS_PATTERN.test(input)) {
    return input;
  }

  const found = lookupAlias(config, input);
  if ('reason' in found) {
    throw new UsageError(`"${printable(input)}" is neither an alias nor a mapped hostname; run \`tenantctl locks\` to list the locked tenants`);
  }

  return found.alias;
}

function describeHolder(lock: LockEntry): string {
  if (lock.holder === undefined) {
    return 'which is not a readable lock record';
  }

  const holder = lock.holder;
  const state = lock.state === 'stale' ? 'stale' : 'live';
  return `held by ${holder.host}:${holder.pid} (correlation ID ${holder.correlationId}, command ${holder.command}) for ${seconds(lock.ageMs)}, last heartbeat ${seconds(lock.heartbeatAgeMs)} ago (${state})`;
}

function seconds(ms: number | undefined): string {
  return `${Math.round((ms ?? 0) / 1000)}s`;
}

/**
 * The token read with each lock, for token-checked deletes. It is kept out of LockEntry, so it never
 * reaches JSON output or logs: the token is enough to release or renew the lock.
 */
const tokens = new WeakMap<LockEntry, string>();

async function readAllLocks(client: Redis, config: ResolvedConfig): Promise<LockEntry[]> {
  const tenants = await scanLockedTenants(client, config.lock.prefix);
  const inspected = await inspectLocks(client, config.lock.prefix, tenants);
  return inspected.map((lock) => toEntry(lock, config.lock.staleMs)).filter((lock): lock is LockEntry => lock !== undefined);
}

function toEntry(inspected: InspectedLock, staleMs: number): LockEntry | undefined {
  if (inspected.state === 'free') {
    return undefined;
  }

  if (inspected.state === 'unreadable') {
    return { tenant: inspected.tenant, key: inspected.key, state: 'unreadable', message: inspected.message };
  }

  const { record } = inspected;
  const entry: LockEntry = {
    tenant: record.tenant,
    key: record.key,
    state: record.heartbeatAgeMs > staleMs ? 'stale' : 'held',
    holder: record.holder,
    ageMs: record.ageMs,
    heartbeatAgeMs: record.heartbeatAgeMs,
    leaseLeftMs: record.leaseLeftMs,
  };
  tokens.set(entry, record.token);
  return entry;
}

async function withRedis<T>(config: ResolvedConfig, options: LocksOptions, body: (client: Redis) => Promise<T>): Promise<T> {
  const client = options.redis ?? (await connectRedis(config.redis.url, config.redis));
  try {
    return await body(client);
  } finally {
    if (options.redis === undefined) {
      await closeRedis(client);
    }
  }
}

async function call(client: Redis, script: string, key: string, args: Array<string | number>): Promise<unknown> {
  try {
    return await runScript(client, script, key, args);
  } catch (error) {
    throw new LockServiceError(`Redis failed a lock command on ${key}: ${errorMessage(error)}`, { cause: error });
  }
}

/** Returns the OS user, host and pid of this process; the user falls back to $USER or $LOGNAME. */
function currentOperator(): Operator {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER ?? process.env.LOGNAME ?? 'unknown';
  }

  return { user, host: hostname(), pid: process.pid };
}
