/** Reason a hostname was rejected or fell back to the `default` tenant. */
export type HostRejectionReason = 'malformed' | 'unknown-host';

/** One structured security record, written as a single JSON object. */
export interface SecurityRecord {
  time: string;
  /** `host.rejected` for a refused request, `host.fallback` for an unknown host served as `default`. */
  event: 'host.rejected' | 'host.fallback' | 'host.suppressed';
  reason: HostRejectionReason;
  /** The normalized hostname; for a malformed host, the input escaped and cut to 80 characters. */
  host: string;
  strictMode: boolean;
  /** The alias served instead, for `host.fallback`. */
  alias?: string;
  /** For `host.suppressed`: records of this reason and host that the rate limit dropped in the window that ended. */
  suppressed?: number;
}

export type SecuritySink = (record: SecurityRecord) => void;

export interface SecurityLogOptions {
  /** Destination of the records; by default one JSON line each on stderr. */
  sink?: SecuritySink;
  /** Length of one rate-limit window in milliseconds (default 60,000). */
  windowMs?: number;
  /** Records written per reason and host in one window (default 1); later ones are counted. */
  perKeyLimit?: number;
  /** Distinct reason and host pairs tracked per window (default 1,000); records for more are counted together. */
  maxKeys?: number;
  /** Clock in epoch milliseconds, for tests. */
  now?: () => number;
}

interface KeyState {
  reason: HostRejectionReason;
  host: string;
  strictMode: boolean;
  written: number;
  suppressed: number;
}

/** Host shown on the one record that counts pairs beyond maxKeys; its reason is that of the first of them. */
const OVERFLOW_HOST = '(other hosts)';

/**
 * Writes security records for rejected and fallback hostnames, rate-limited so that a flood of bad
 * requests cannot fill the log. Within one window each reason and host pair writes at most
 * `perKeyLimit` records and at most `maxKeys` pairs are tracked; everything else is counted. When
 * the next window starts (on the next record, or on `flush()`), one `host.suppressed` record per
 * pair reports the count, so a window writes at most maxKeys * (perKeyLimit + 1) + 1 records.
 */
export class SecurityLog {
  private readonly sink: SecuritySink;
  private readonly windowMs: number;
  private readonly perKeyLimit: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  private windowStart: number;
  private readonly keys = new Map<string, KeyState>();
  private overflow: KeyState | undefined;

  constructor(options: SecurityLogOptions = {}) {
    this.sink = options.sink ?? writeJsonLine;
    this.windowMs = options.windowMs ?? 60_000;
    this.perKeyLimit = options.perKeyLimit ?? 1;
    this.maxKeys = options.maxKeys ?? 1000;
    this.now = options.now ?? Date.now;
    this.windowStart = this.now();
  }

  /** Records one rejected or fallback hostname, unless the rate limit drops it. */
  record(entry: { event: 'host.rejected' | 'host.fallback'; reason: HostRejectionReason; host: string; strictMode: boolean; alias?: string }): void {
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      this.flush();
      this.windowStart = now;
    }

    const id = `${entry.reason}\u0000${entry.host}`;
    let state = this.keys.get(id);
    if (state === undefined) {
      if (this.keys.size >= this.maxKeys) {
        this.overflow ??= { reason: entry.reason, host: OVERFLOW_HOST, strictMode: entry.strictMode, written: 0, suppressed: 0 };
        this.overflow.suppressed += 1;
        return;
      }

      state = { reason: entry.reason, host: entry.host, strictMode: entry.strictMode, written: 0, suppressed: 0 };
      this.keys.set(id, state);
    }

    if (state.written >= this.perKeyLimit) {
      state.suppressed += 1;
      return;
    }

    state.written += 1;
    this.write({ time: new Date(now).toISOString(), ...entry });
  }

  /** Writes the suppressed counts of the current window and starts a new one; call it on shutdown. */
  flush(): void {
    const time = new Date(this.now()).toISOString();
    const pending = [...this.keys.values(), ...(this.overflow === undefined ? [] : [this.overflow])];
    this.keys.clear();
    this.overflow = undefined;
    this.windowStart = this.now();

    for (const state of pending) {
      if (state.suppressed > 0) {
        this.write({ time, event: 'host.suppressed', reason: state.reason, host: state.host, strictMode: state.strictMode, suppressed: state.suppressed });
      }
    }
  }

  private write(record: SecurityRecord): void {
    try {
      this.sink(record);
    } catch {
      // A broken log sink must not turn a rejected request into a crashed server.
    }
  }
}

function writeJsonLine(record: SecurityRecord): void {
  process.stderr.write(`${JSON.stringify({ level: 'warn', source: 'tenantctl', ...record })}\n`);
}
