// Timing, peak RSS and connection sampling for the benchmark's child processes.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import pg from 'pg';

const GNU_TIME = '/usr/bin/time';
const SAMPLE_INTERVAL_MS = 20;

/** Returns the median of the numbers (the mean of the middle two for an even count). */
export function median(values) {
  if (values.length === 0) {
    return Number.NaN;
  }

  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** True when GNU time is installed, so that peak RSS comes from the kernel's own accounting. */
export function hasGnuTime() {
  return existsSync(GNU_TIME);
}

/**
 * Samples how many server connections carry an application_name matching `pattern` (a LIKE
 * pattern), every 20 ms, over its own admin connection, until `stop` is called.
 */
export async function startConnectionSampler(adminUrl, pattern) {
  const client = new pg.Client({ connectionString: adminUrl, application_name: 'tcbench-sampler' });
  await client.connect();
  let peak = 0;
  let samples = 0;
  let running = true;

  const loop = (async () => {
    while (running) {
      const result = await client.query('select count(*)::int as n from pg_stat_activity where application_name like $1', [pattern]);
      peak = Math.max(peak, result.rows[0].n);
      samples += 1;
      await delay(SAMPLE_INTERVAL_MS);
    }
  })();

  return {
    async stop() {
      running = false;
      try {
        await loop;
      } finally {
        await client.end();
      }

      return { peak, samples };
    },
  };
}

/** Reads VmHWM (peak resident set) of a live process in kilobytes, or 0 once it has exited. */
function readPeakRssKb(pid) {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? 0 : Number(match[1]);
  } catch {
    return 0;
  }
}

/**
 * Runs `node ARGS` as a child process and measures its wall time (spawn to exit) and peak RSS.
 * With GNU time installed the child runs under `/usr/bin/time -f %M`, which reports the exact peak.
 * Otherwise VmHWM is sampled every 20 ms, so growth in the last interval before exit can be missed.
 * Returns stdout, stderr, the exit code, `wallMs` and `peakRssKb`. `scratchDir` is the folder for the time file.
 */
export async function measureNode(args, { cwd, scratchDir, env = process.env, signal } = {}) {
  const timeFile = join(scratchDir, `time-${process.pid}-${Date.now()}.txt`);
  const useTime = hasGnuTime();
  const command = useTime ? GNU_TIME : process.execPath;
  const commandArgs = useTime ? ['-f', '%M', '-o', timeFile, process.execPath, ...args] : args;

  const started = process.hrtime.bigint();
  const child = spawn(command, commandArgs, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout = [];
  const stderr = [];
  child.stdout.on('data', (chunk) => stdout.push(chunk));
  child.stderr.on('data', (chunk) => stderr.push(chunk));

  // Ctrl-C on the benchmark stops the child it is waiting for, by that child's own pid.
  const onAbort = () => child.kill('SIGINT');
  signal?.addEventListener('abort', onAbort, { once: true });

  let sampledPeakKb = 0;
  const sampler = useTime
    ? undefined
    : setInterval(() => {
        sampledPeakKb = Math.max(sampledPeakKb, readPeakRssKb(child.pid));
      }, SAMPLE_INTERVAL_MS);

  const code = await new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode, exitSignal) => resolve(exitCode ?? exitSignal));
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;

  signal?.removeEventListener('abort', onAbort);
  if (sampler !== undefined) {
    clearInterval(sampler);
  }

  let peakRssKb = sampledPeakKb;
  if (useTime) {
    // GNU time writes "Command exited with non-zero status N" before the figure when the child fails.
    const lines = existsSync(timeFile) ? readFileSync(timeFile, 'utf8').trim().split('\n') : [];
    peakRssKb = Number(lines.at(-1) ?? 0);
    rmSync(timeFile, { force: true });
  }

  return { code, wallMs, peakRssKb, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
}

/** Runs `node ARGS` and returns its wall time in milliseconds, with no wrapper process. */
export async function timeNode(args, { cwd } = {}) {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, args, { cwd, stdio: 'ignore' });
  const code = await new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode) => resolve(exitCode));
  });

  if (code !== 0) {
    throw new Error(`node ${args.join(' ')} exited with ${code}`);
  }

  return Number(process.hrtime.bigint() - started) / 1e6;
}
