// One measured run of tenantctl or the bare Migrator, and the smaller probes: cold start, lock cost
// and whether `tenantctl status` exists yet.
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { measureNode, median, startConnectionSampler, timeNode } from './measure.js';

/**
 * The settings every measured run shares: repository root, scratch folder, admin URL, Redis URL,
 * lock prefix, run-ID prefix, concurrency and the abort signal of Ctrl-C.
 */
export class Runner {
  #context;
  #sequence = 0;

  constructor(context) {
    this.#context = context;
  }

  /**
   * Runs `tenantctl migrate --all` (mode 'full' or 'noop') or `tenantctl status` on the fleet of
   * `configPath`, while sampling its connections. `expected` is the tenant count that must come back
   * applied ('full') or up to date ('noop'); anything else makes the run, and the benchmark, invalid.
   */
  async tenantctl(mode, configPath, expected, status = undefined) {
    const { root, concurrency } = this.#context;
    const correlationId = `${this.#context.runPrefix}-${++this.#sequence}`;
    const args =
      mode === 'status'
        ? [join(root, 'bin', 'tenantctl.js'), 'status', '--config', configPath, '--json', ...status.args, ...(status.correlationId ? ['--correlation-id', correlationId] : [])]
        : [join(root, 'bin', 'tenantctl.js'), 'migrate', '--all', '--config', configPath, '--concurrency', String(concurrency), '--json', '--correlation-id', correlationId];

    const run = await this.#measure(args, `tenantctl:${correlationId}%`);
    if (mode === 'status') {
      if (!status.correlationId) {
        // Without --correlation-id, this run's connections cannot be distinguished from those of
        // other tenantctl runs on a shared server, so none are reported.
        run.peakConnections = undefined;
      }

      if (run.code !== 0) {
        throw new Error(`tenantctl status exited with ${run.code}: ${lastLines(run.stderr)}`);
      }

      return run;
    }

    let counts = {};
    try {
      counts = JSON.parse(run.stdout).counts ?? {};
    } catch {
      // Reported below with the exit code and stderr.
    }

    const expectedStatus = mode === 'full' ? 'applied' : 'up-to-date';
    if (run.code !== 0 || counts[expectedStatus] !== expected) {
      throw new Error(`tenantctl migrate (${mode}) exited with ${run.code}, counts ${JSON.stringify(counts)}, expected ${expected} ${expectedStatus}: ${lastLines(run.stderr)}`);
    }

    return run;
  }

  /** Runs the bare Migrator (mode 'full', 'noop' or 'status') with the job file of the fleet. */
  async bare(mode, jobPath, expected, migrationCount) {
    const { root, applicationName } = this.#context;
    const run = await this.#measure([join(root, 'bench', 'bare-migrator.js'), jobPath, mode === 'status' ? 'status' : 'migrate'], `${applicationName}%`);
    let summary = {};
    try {
      summary = JSON.parse(run.stdout);
    } catch {
      // Reported below with the exit code and stderr.
    }

    const expectedApplied = mode === 'full' ? expected * migrationCount : 0;
    if (run.code !== 0 || summary.tenants !== expected || summary.applied !== expectedApplied) {
      throw new Error(`bare Migrator (${mode}) exited with ${run.code}, summary ${JSON.stringify(summary)}, expected ${expected} tenants and ${expectedApplied} applied: ${lastLines(run.stderr)}`);
    }

    return run;
  }

  async #measure(args, connectionPattern) {
    const { root, scratchDir, adminUrl, signal } = this.#context;
    const sampler = await startConnectionSampler(adminUrl, connectionPattern);
    let run;
    try {
      run = await measureNode(args, { cwd: root, scratchDir, signal });
    } finally {
      const sampled = await sampler.stop();
      if (run !== undefined) {
        run.peakConnections = sampled.peak;
        run.connectionSamples = sampled.samples;
      }
    }

    signal.throwIfAborted();
    return run;
  }
}

/**
 * Reads `tenantctl status --help` and returns the flags that select the whole fleet and set the
 * concurrency, and whether it takes --correlation-id. Returns undefined when there is no status command.
 */
export function probeStatusCommand(root, concurrency) {
  const help = spawnSync(process.execPath, [join(root, 'bin', 'tenantctl.js'), 'status', '--help'], { encoding: 'utf8' });
  if (help.status !== 0 || !/Usage: tenantctl status/.test(help.stdout)) {
    return undefined;
  }

  const args = [];
  if (/--all\b/.test(help.stdout)) {
    args.push('--all');
  }

  if (/--concurrency\b/.test(help.stdout)) {
    args.push('--concurrency', String(concurrency));
  }

  return { args, correlationId: /--correlation-id\b/.test(help.stdout) };
}

/**
 * Times `tenantctl --help` against `node -e 0`, alternating, after one unmeasured run of each so
 * that both start from a warm file cache. Returns the medians in milliseconds.
 */
export async function measureColdStart(root, runs, signal) {
  const help = [join(root, 'bin', 'tenantctl.js'), '--help'];
  const empty = ['-e', '0'];
  await timeNode(help, { cwd: root });
  await timeNode(empty, { cwd: root });

  const helpMs = [];
  const nodeMs = [];
  for (let index = 0; index < runs; index++) {
    signal?.throwIfAborted();
    helpMs.push(await timeNode(help, { cwd: root }));
    nodeMs.push(await timeNode(empty, { cwd: root }));
  }

  return { helpMs: median(helpMs), nodeMs: median(nodeMs), helpSamples: helpMs, nodeSamples: nodeMs };
}

/**
 * Acquires and releases tenantctl's lock (TenantLocks from dist/) on every alias in turn against
 * Redis, one at a time. Returns the mean cost per tenant of acquire + release, the mean cost with
 * one renewal per migration in between (as `tenantctl migrate` confirms the lock after each one),
 * and the median PING round trip, all in milliseconds.
 */
export async function measureLockCost(root, { redisUrl, lockPrefix, aliases, renewals, signal }) {
  const [{ Redis }, { TenantLocks }] = await Promise.all([import('ioredis'), import(join(root, 'dist', 'locks', 'tenant-lock.js'))]);
  const client = new Redis(redisUrl, { lazyConnect: true, connectionName: 'tcbench', maxRetriesPerRequest: 1 });
  await client.connect();

  try {
    // Same lease, stale and heartbeat settings as tenantctl's defaults.
    const locks = new TenantLocks(client, { prefix: lockPrefix, leaseMs: 1_800_000, staleMs: 120_000, heartbeatMs: 30_000 }, { host: 'tcbench', pid: process.pid, correlationId: `tcbench-${randomBytes(3).toString('hex')}`, command: 'bench' });

    const cycle = async (alias, renewCount = 0) => {
      signal?.throwIfAborted();
      const outcome = await locks.acquire(alias, { waitMs: 0 });
      if (outcome.status !== 'acquired') {
        throw new Error(`lock on ${alias} is busy; another run uses the prefix ${lockPrefix}`);
      }

      for (let index = 0; index < renewCount; index++) {
        await outcome.handle.renew();
      }

      await outcome.handle.release();
    };

    // The first calls load the Lua scripts into Redis (NOSCRIPT, then EVAL) and are not measured.
    for (const alias of aliases.slice(0, 10)) {
      await cycle(alias);
    }

    const started = process.hrtime.bigint();
    for (const alias of aliases) {
      await cycle(alias);
    }
    const perTenantMs = Number(process.hrtime.bigint() - started) / 1e6 / aliases.length;

    const renewStarted = process.hrtime.bigint();
    for (const alias of aliases) {
      await cycle(alias, renewals);
    }
    const withRenewalsMs = Number(process.hrtime.bigint() - renewStarted) / 1e6 / aliases.length;

    const pings = [];
    for (let index = 0; index < 50; index++) {
      const pingStarted = process.hrtime.bigint();
      await client.ping();
      pings.push(Number(process.hrtime.bigint() - pingStarted) / 1e6);
    }

    return { perTenantMs, withRenewalsMs, renewals, pingMs: median(pings) };
  } finally {
    await client.quit();
  }
}

/** Deletes every Redis key under `prefix` (the benchmark's own lock keys). Returns how many. */
export async function deleteRedisKeys(redisUrl, prefix) {
  const { Redis } = await import('ioredis');
  const client = new Redis(redisUrl, { lazyConnect: true, connectionName: 'tcbench', maxRetriesPerRequest: 1 });
  await client.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [nextCursor, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = nextCursor;
      if (keys.length > 0) {
        deleted += await client.del(...keys);
      }
    } while (cursor !== '0');
  } finally {
    await client.quit();
  }

  return deleted;
}

function lastLines(text) {
  return text.trim().split('\n').slice(-5).join(' | ').slice(0, 1000);
}
