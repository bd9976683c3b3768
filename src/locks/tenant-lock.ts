import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';

import type { Redis } from 'ioredis';

import type { LockHolder } from '../audit/audit-events.js';
import { LockServiceError, errorMessage } from '../errors.js';
import { parseLockFields, type LockRecord } from './lock-record.js';
import { ACQUIRE_SCRIPT, HEARTBEAT_SCRIPT, RELEASE_SCRIPT, TAKEOVER_SCRIPT } from './lua-scripts.js';
import { runScript } from './run-script.js';

export interface LockSettings {
  prefix: string;
  leaseMs: number;
  staleMs: number;
  heartbeatMs: number;
}

/** The identity of the runner that takes the locks, written into every lock record. */
export interface HolderIdentity {
  host: string;
  pid: number;
  correlationId: string;
  command: string;
}

export type AcquireOutcome =
  | { status: 'acquired'; handle: TenantLockHandle; takenOver?: LockRecord }
  | { status: 'busy'; record: LockRecord; waitedMs: number };

/** The reason a held lock stopped being ours. */
export type LockLossReason = 'expired-or-deleted' | 'taken-by-another' | 'renewal-failed';

/**
 * Takes and inspects per-tenant lease locks in Redis. Failures to talk to Redis surface as
 * LockServiceError, distinct from a lock that another runner holds (the `busy` outcome).
 */
export class TenantLocks {
  readonly #client: Redis;
  readonly #settings: LockSettings;
  readonly #identity: HolderIdentity;

  constructor(client: Redis, settings: LockSettings, identity: HolderIdentity) {
    this.#client = client;
    this.#settings = settings;
    this.#identity = identity;
  }

  get settings(): LockSettings {
    return this.#settings;
  }

  keyFor(tenant: string): string {
    return `${this.#settings.prefix}${tenant}`;
  }

  /**
   * Takes the tenant's lock. A free lock is taken at once; a stale one (no heartbeat for longer
   * than the stale threshold, by the Redis clock) is taken over only if it still holds the token
   * that was read. A live holder's lock is never taken: the call waits up to `waitMs`, polling,
   * and then reports the tenant busy.
   */
  async acquire(tenant: string, options: { waitMs: number; signal?: AbortSignal }): Promise<AcquireOutcome> {
    const key = this.keyFor(tenant);
    const started = Date.now();
    let pollMs = 100;

    for (;;) {
      const token = randomBytes(16).toString('hex');
      const reply = (await this.#call(ACQUIRE_SCRIPT, key, [token, this.#settings.leaseMs, ...this.#holderArgs()])) as unknown[];
      const nowMs = Number(reply[1]);
      if (reply[0] === 1) {
        return { status: 'acquired', handle: new TenantLockHandle(this.#client, this.#settings, tenant, key, token, nowMs) };
      }

      const record = parseLockFields(tenant, key, reply[2], nowMs, Number(reply[3]));
      if (record.heartbeatAgeMs > this.#settings.staleMs) {
        const takeover = await this.#takeOver(tenant, key, record);
        if (takeover !== undefined) {
          return takeover;
        }
        continue;
      }

      const waitedMs = Date.now() - started;
      const leftMs = options.waitMs - waitedMs;
      if (leftMs <= 0 || options.signal?.aborted === true) {
        return { status: 'busy', record, waitedMs };
      }

      try {
        await delay(Math.min(pollMs, leftMs), undefined, { signal: options.signal });
      } catch {
        return { status: 'busy', record, waitedMs: Date.now() - started };
      }

      pollMs = Math.min(pollMs * 2, 2000);
    }
  }

  async #takeOver(tenant: string, key: string, observed: LockRecord): Promise<AcquireOutcome | undefined> {
    const token = randomBytes(16).toString('hex');
    const reply = (await this.#call(TAKEOVER_SCRIPT, key, [
      observed.token,
      this.#settings.staleMs,
      token,
      this.#settings.leaseMs,
      ...this.#holderArgs(),
    ])) as unknown[];

    if (reply[0] === 1) {
      const handle = new TenantLockHandle(this.#client, this.#settings, tenant, key, token, Number(reply[1]));
      return { status: 'acquired', handle, takenOver: observed };
    }

    // The holder renewed, released, or someone else took over first: read the lock again.
    return undefined;
  }

  #holderArgs(): Array<string | number> {
    return [this.#identity.host, this.#identity.pid, this.#identity.correlationId, this.#identity.command];
  }

  async #call(script: string, key: string, args: Array<string | number>): Promise<unknown> {
    try {
      return await runScript(this.#client, script, key, args);
    } catch (error) {
      throw new LockServiceError(`Redis failed a lock command on ${key}: ${errorMessage(error)}`, { cause: error });
    }
  }
}

/**
 * A held tenant lock. `startHeartbeat` renews the lease on a timer; the first renewal that finds
 * the key gone, holding another token, or unreachable marks the lock lost and aborts `signal`,
 * after which nothing further may run under it.
 */
export class TenantLockHandle {
  readonly tenant: string;
  readonly key: string;
  readonly token: string;
  /** Acquisition time by the Redis clock (epoch milliseconds). */
  readonly acquiredAtMs: number;
  /** Acquisition time by the local clock, for measuring how long the lock was held. */
  readonly localAcquiredAt = Date.now();
  readonly #client: Redis;
  readonly #settings: LockSettings;
  readonly #lost = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #lossReason: LockLossReason | undefined;
  #lossDetail = '';
  #beating: Promise<void> | undefined;

  constructor(client: Redis, settings: LockSettings, tenant: string, key: string, token: string, acquiredAtMs: number) {
    this.#client = client;
    this.#settings = settings;
    this.tenant = tenant;
    this.key = key;
    this.token = token;
    this.acquiredAtMs = acquiredAtMs;
  }

  /** Aborted when the lock is lost. */
  get signal(): AbortSignal {
    return this.#lost.signal;
  }

  get lost(): boolean {
    return this.#lossReason !== undefined;
  }

  /** Reason the lock was lost, or undefined while it is held. `renewal-failed` means Redis failed the renewal. */
  get lossReason(): LockLossReason | undefined {
    return this.#lossReason;
  }

  /** A sentence on why the lock was lost, or undefined while it is held. */
  get lossMessage(): string | undefined {
    return this.#lossReason === undefined ? undefined : this.#lossDetail;
  }

  /** Starts renewing the lease every heartbeat interval until `stopHeartbeat` or a loss. */
  startHeartbeat(onLost: (reason: LockLossReason, message: string) => void): void {
    const beat = (): void => {
      this.#beating = this.renew().then((ok) => {
        if (!ok && this.#lossReason !== undefined) {
          onLost(this.#lossReason, this.#lossDetail);
          return;
        }

        if (this.#timer !== undefined) {
          this.#timer = setTimeout(beat, this.#settings.heartbeatMs);
        }
      });
    };

    this.#timer = setTimeout(beat, this.#settings.heartbeatMs);
  }

  /** Stops the heartbeat and waits for a renewal in flight. */
  async stopHeartbeat(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }

    await this.#beating;
  }

  /**
   * Renews the lease once. Returns false and marks the lock lost when the renewal shows it is no
   * longer ours or Redis cannot confirm it; in both cases another runner may already hold the tenant.
   * A stalled event loop needs no check of its own: a takeover during the stall changes the token.
   */
  async renew(): Promise<boolean> {
    if (this.lost) {
      return false;
    }

    let reply: unknown;
    try {
      reply = await runScript(this.#client, HEARTBEAT_SCRIPT, this.key, [this.token, this.#settings.leaseMs]);
    } catch (error) {
      this.#markLost('renewal-failed', `could not renew the lock on ${this.tenant}: ${errorMessage(error)}`);
      return false;
    }

    if (reply === -1) {
      this.#markLost('expired-or-deleted', `the lock on ${this.tenant} expired or was deleted by someone else`);
      return false;
    }

    if (reply === -2) {
      this.#markLost('taken-by-another', `another runner took over the lock on ${this.tenant}`);
      return false;
    }

    return true;
  }

  /** Deletes the lock if it still holds this handle's token. Never deletes another holder's lock. */
  async release(): Promise<'released' | 'not-held'> {
    await this.stopHeartbeat();
    const reply = await runScript(this.#client, RELEASE_SCRIPT, this.key, [this.token]);
    return reply === 1 ? 'released' : 'not-held';
  }

  #markLost(reason: LockLossReason, message: string): void {
    if (this.#lossReason !== undefined) {
      return;
    }

    this.#lossReason = reason;
    this.#lossDetail = message;
    this.#lost.abort(reason);
  }
}
