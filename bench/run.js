#!/usr/bin/env node
// Benchmark of tenantctl against Kysely's bare Migrator on a fleet of local tenant databases.
// Run it with `npm run bench` (which builds first); `node bench/run.js --help` lists the flags.
// It is never part of `npm test`: its figures depend on the machine and its load.
import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import pg from 'pg';

import { Fleet, MIGRATION_COUNT, writeMigrations } from './fleet.js';
import { hasGnuTime } from './measure.js';
import { Runner, deleteRedisKeys, measureColdStart, measureLockCost, probeStatusCommand } from './phases.js';
import { TARGETS, judge, renderMarkdown } from './report.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = `Usage: node bench/run.js [options]   (or: npm run bench -- [options])

Creates a fleet of tenant databases on the local PostgreSQL, runs tenantctl and Kysely's bare
Migrator on it in alternating rounds, prints the medians and checks them against the targets.

Options:
  --tenants N          tenant databases in the fleet (default 200)
  --rounds R           rounds of full, no-op and status runs (default 5)
  --concurrency C      tenants at once, for tenantctl and the bare Migrator alike (default 8)
  --skip-scale         skip the run at 5N tenants (peak RSS, and status at 1,000 when 5N >= 1,000)
  --status-fleet M     also time \`tenantctl status\` over M tenants (default: 5N, or N when N >= 1,000)
  --out FILE           write the results as Markdown to FILE
  -h, --help           show this help

Environment: BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres),
BENCH_REDIS_URL (default redis://127.0.0.1:6379).`;

// Cold-start runs of each command, and timed status runs over the large fleet.
const COLD_START_RUNS = 20;
const LARGE_STATUS_RUNS = 3;

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      tenants: { type: 'string', default: '200' },
      rounds: { type: 'string', default: '5' },
      concurrency: { type: 'string', default: '8' },
      'skip-scale': { type: 'boolean', default: false },
      'status-fleet': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });

  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }

  const parseWholeNumber = (flag, value, min, max) => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < min || number > max) {
      throw new Error(`--${flag} must be a whole number from ${min} to ${max}, got "${value}"`);
    }

    return number;
  };

  // The upper bounds keep the load on the shared local servers bounded: PostgreSQL allows 100
  // connections by default, and every tenant is a database of about 7.5 MB.
  return {
    tenants: parseWholeNumber('tenants', values.tenants, 10, 2000),
    rounds: parseWholeNumber('rounds', values.rounds, 1, 50),
    concurrency: parseWholeNumber('concurrency', values.concurrency, 1, 32),
    skipScale: values['skip-scale'],
    statusFleet: values['status-fleet'] === undefined ? undefined : parseWholeNumber('status-fleet', values['status-fleet'], 10, 5000),
    out: values.out === undefined ? undefined : resolve(values.out),
  };
}

function shell(command) {
  try {
    return execSync(command, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'not available';
  }
}

function describeMachine() {
  const cpu = /model name\s*:\s*(.+)/.exec(shell('cat /proc/cpuinfo'))?.[1] ?? 'unknown';
  return {
    CPU: `${shell('nproc')} cores (${cpu})`,
    memory: shell("free -h | awk '/^Mem:/ {print $2 \" total, \" $7 \" available\"}'"),
    OS: shell('uname -srm'),
    Node: shell('node --version'),
    PostgreSQL: shell('psql --version'),
    Redis: shell('redis-server --version'),
    'peak RSS from': hasGnuTime() ? 'GNU time (`/usr/bin/time -f %M`)' : '/proc/PID/status VmHWM sampled every 20 ms',
  };
}

const log = (message) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

async function checkServices(adminUrl, redisUrl) {
  const client = new pg.Client({ connectionString: adminUrl, application_name: 'tcbench-admin', connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`PostgreSQL at ${new URL(adminUrl).host} is unreachable (${error.message}); start it or set BENCH_PG_URL`);
  } finally {
    await client.end().catch(() => undefined);
  }

  try {
    await deleteRedisKeys(redisUrl, 'tcbench:probe:');
  } catch (error) {
    throw new Error(`Redis at ${redisUrl} is unreachable (${error.message}); start it or set BENCH_REDIS_URL`);
  }
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  const adminUrl = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const id = randomBytes(3).toString('hex');
  const lockPrefix = `tcbench:${id}:lock:`;
  const scratchDir = mkdtempSync(join(tmpdir(), 'tcbench-'));
  const migrationsDir = join(scratchDir, 'migrations');
  const auditLog = join(scratchDir, 'audit.jsonl');

  const controller = new AbortController();
  const onSignal = (signal) => {
    if (!controller.signal.aborted) {
      log(`${signal} received: stopping, then dropping the benchmark databases and lock keys`);
      controller.abort(new Error(`stopped by ${signal}`));
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const { tenants: n, rounds, concurrency } = options;
  const scaleSize = options.skipScale ? undefined : n * 5;
  const statusFleetSize = options.statusFleet ?? (n >= TARGETS.statusFleetSize ? n : scaleSize);
  const fleet = new Fleet(adminUrl, `tcbench_${id}`);
  const runner = new Runner({ root, scratchDir, adminUrl, concurrency, signal: controller.signal, runPrefix: `tcb-${id}`, applicationName: `tcbench-bare-${id}` });
  const results = {
    options,
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim().replace(/ --$/, ''),
    date: new Date().toISOString().slice(0, 10),
    machine: describeMachine(),
    loadBefore: shell('uptime'),
    full: { tenantctl: [], bare: [] },
    noop: { tenantctl: [], bare: [] },
    status: { available: false },
  };

  try {
    await checkServices(adminUrl, redisUrl);
    writeMigrations(migrationsDir);

    log(`creating ${n} tenant databases tcbench_${id}_0001 ...`);
    await fleet.growTo(n);
    controller.signal.throwIfAborted();
    const configN = fleet.writeConfig(scratchDir, { count: n, migrationsDir, auditLog, lockPrefix, redisUrl });
    const jobN = fleet.writeBareJob(scratchDir, { count: n, migrationsDir, concurrency, applicationName: `tcbench-bare-${id}` });

    const status = probeStatusCommand(root, concurrency);
    results.status = status === undefined ? { available: false, reason: '`tenantctl status --help` failed, so there is no status command yet' } : { available: true, atN: { tenantctl: [], bare: [] } };
    log(status === undefined ? 'status: not available' : `status: available (flags: ${status.args.join(' ') || 'none'})`);

    log(`cold start: ${COLD_START_RUNS} runs each of tenantctl --help and node -e 0`);
    results.coldStart = await measureColdStart(root, COLD_START_RUNS, controller.signal);

    log(`lock cost: acquire and release on ${n} tenants`);
    results.lockCost = await measureLockCost(root, { redisUrl, lockPrefix, aliases: Array.from({ length: n }, (_, index) => Fleet.alias(index + 1)), renewals: MIGRATION_COUNT, signal: controller.signal });

    for (let round = 1; round <= rounds; round++) {
      // Alternating which runs first spreads drift in machine load over both.
      const order = round % 2 === 1 ? ['tenantctl', 'bare'] : ['bare', 'tenantctl'];
      const run = (tool, mode) => (tool === 'tenantctl' ? runner.tenantctl(mode, configN, n, status) : runner.bare(mode, jobN, n, MIGRATION_COUNT));

      for (const tool of order) {
        await fleet.reset();
        const result = await run(tool, 'full');
        results.full[tool].push(result);
        log(`round ${round}/${rounds}: full migration, ${tool}: ${(result.wallMs / 1000).toFixed(2)} s, ${(result.peakRssKb / 1024).toFixed(0)} MB, ${result.peakConnections} connections`);
      }

      for (const tool of order) {
        const result = await run(tool, 'noop');
        results.noop[tool].push(result);
        log(`round ${round}/${rounds}: no-op, ${tool}: ${(result.wallMs / 1000).toFixed(2)} s, ${(result.peakRssKb / 1024).toFixed(0)} MB, ${result.peakConnections} connections`);
      }

      if (status !== undefined) {
        for (const tool of order) {
          const result = await run(tool, 'status');
          results.status.atN[tool].push(result);
          log(`round ${round}/${rounds}: status, ${tool}: ${(result.wallMs / 1000).toFixed(2)} s`);
        }
      }
    }

    if (scaleSize !== undefined) {
      log(`scale: growing the fleet to ${scaleSize} tenants`);
      await fleet.growTo(scaleSize);
      await fleet.reset();
      controller.signal.throwIfAborted();
      const configScale = fleet.writeConfig(scratchDir, { count: scaleSize, migrationsDir, auditLog, lockPrefix, redisUrl });
      const full = await runner.tenantctl('full', configScale, scaleSize);
      log(`scale: full migration of ${scaleSize}: ${(full.wallMs / 1000).toFixed(2)} s, ${(full.peakRssKb / 1024).toFixed(0)} MB, ${full.peakConnections} connections`);
      const noop = await runner.tenantctl('noop', configScale, scaleSize);
      log(`scale: no-op on ${scaleSize}: ${(noop.wallMs / 1000).toFixed(2)} s, ${(noop.peakRssKb / 1024).toFixed(0)} MB, ${noop.peakConnections} connections`);
      results.scale = { size: scaleSize, full, noop };
    }

    if (status !== undefined && statusFleetSize !== undefined && statusFleetSize !== n) {
      log(`status: ${LARGE_STATUS_RUNS} runs over ${statusFleetSize} tenants`);
      await fleet.growTo(statusFleetSize);
      const configStatus = fleet.writeConfig(scratchDir, { count: statusFleetSize, migrationsDir, auditLog, lockPrefix, redisUrl });
      // Status is timed on a fully migrated fleet, as on a production fleet between deployments.
      if (statusFleetSize !== scaleSize) {
        await fleet.reset(statusFleetSize);
        await runner.tenantctl('full', configStatus, statusFleetSize);
      }

      results.status.atFleet = { size: statusFleetSize, tenantctl: [] };
      for (let index = 0; index < LARGE_STATUS_RUNS; index++) {
        const result = await runner.tenantctl('status', configStatus, statusFleetSize, status);
        results.status.atFleet.tenantctl.push(result);
        log(`status over ${statusFleetSize}: ${(result.wallMs / 1000).toFixed(2)} s`);
      }
    } else if (status !== undefined && statusFleetSize === n) {
      results.status.atFleet = { size: n, tenantctl: results.status.atN.tenantctl };
    }
  } finally {
    log(`cleanup: dropping ${fleet.names.length} databases and the lock keys under ${lockPrefix}`);
    // A second Ctrl-C during cleanup must not leave databases behind, so signals are ignored now.
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.on('SIGINT', () => log('cleanup in progress; databases are being dropped'));
    process.on('SIGTERM', () => log('cleanup in progress; databases are being dropped'));
    await fleet.dropAll().catch((error) => log(`cleanup failed: ${error.message}; drop the databases named tcbench_${id}_* by hand`));
    await deleteRedisKeys(redisUrl, `tcbench:${id}:`).catch((error) => log(`cleanup of Redis keys failed: ${error.message}`));
    rmSync(scratchDir, { recursive: true, force: true });
  }

  results.loadAfter = shell('uptime');
  const rows = judge(results);
  const markdown = renderMarkdown(results, rows);
  process.stdout.write(`${markdown}\n`);
  if (options.out !== undefined) {
    writeFileSync(options.out, `${markdown}\n`);
    log(`results written to ${options.out}`);
  }
}

try {
  await main();
} catch (error) {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = /^stopped by SIG/.test(error?.message ?? '') ? 130 : 1;
}
