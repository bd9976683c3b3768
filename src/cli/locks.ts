import type { Command } from 'commander';

import type { RunOutcome } from '../exit-codes.js';
import { addConfigOptions, type ConfigFlags, loadConfigFromFlags } from './config-options.js';
import { Flag } from './flags.js';
import type { CliIo } from './io.js';

interface LocksFlags extends ConfigFlags {
  clearStale?: boolean;
  correlationId?: string;
}

interface ReleaseFlags extends LocksFlags {
  force?: boolean;
  reason?: string;
}

const LOCKS_HELP = `
Locks are listed with SCAN under the lock prefix, never KEYS. --clear-stale judges each lock inside
one Redis script, from the heartbeat time Redis stores and the Redis clock, and deletes it only if it
still holds the token that was read; every removal and every lock left alone is printed and audited.

Exit codes:
    0  done (also when there was nothing to list, clear or release)
    2  invalid command line (e.g. release --force without --reason)
    3  invalid configuration
    5  Redis is unreachable or failed a command
    6  release --force: another runner took the lock after it was read, so nothing was deleted`;

const RELEASE_HELP = `
Without --force nothing changes: the command explains which lock it would delete and what happens to
its holder. With --force the lock is deleted only if it still holds the token that was read, and the
deletion is audited with the operating-system user, host, pid and --reason.

Exit codes:
    0  released, explained (without --force), or the tenant had no lock
    2  invalid command line (--force without --reason, a malformed tenant)
    3  invalid configuration
    5  Redis is unreachable or failed a command
    6  another runner took the lock after it was read, so nothing was deleted`;

/** Registers `tenantctl locks` and `tenantctl locks release`; heavy modules load only when they run. */
export function registerLocks(program: Command, io: CliIo, setOutcome: (outcome: RunOutcome) => void): void {
  const command = program
    .command('locks')
    .description('list tenant locks, clear stale ones, or release one by hand')
    .option('--clear-stale', 'delete the locks whose holder stopped heartbeating, judged by Redis')
    .option(`${Flag.CORRELATION_ID} <id>`, 'correlation ID for the audit records (default: a random UUID)');
  addConfigOptions(command, { auditLog: true, migrations: false });
  command.addHelpText('after', LOCKS_HELP);
  command.action(async (flags: LocksFlags) => {
    setOutcome(await runLocksCli(flags, io));
  });

  const release = command
    .command('release')
    .description('delete one tenant\'s lock by hand (explains only, unless --force)')
    .argument('<tenant>', 'alias or mapped hostname of the tenant')
    .option('--force', 'delete the lock, even if its holder is alive')
    .option('--reason <text>', 'why the lock is deleted; required with --force, recorded in the audit log')
    .option(`${Flag.CORRELATION_ID} <id>`, 'correlation ID for the audit records (default: a random UUID)');
  addConfigOptions(release, { auditLog: true, migrations: false });
  release.addHelpText('after', RELEASE_HELP);
  release.action(async (tenant: string) => {
    // Commander parses a flag given after `release` as an option of `locks`, so both sets are merged.
    setOutcome(await runReleaseCli(tenant, release.optsWithGlobals<ReleaseFlags>(), io));
  });
}

async function runLocksCli(flags: LocksFlags, io: CliIo): Promise<RunOutcome> {
  const config = await loadConfigFromFlags(flags, io);
  const [{ clearStaleLocks, listLocks }, render] = await Promise.all([import('../commands/locks.js'), import('./render-locks.js')]);
  const json = flags.json === true;

  if (flags.clearStale === true) {
    const result = await clearStaleLocks(config, {
      ...(flags.correlationId === undefined ? {} : { correlationId: flags.correlationId }),
      ...(json ? { onEvent: (event) => io.stderr.write(`${JSON.stringify(event)}\n`) } : {}),
    });
    render.renderClearStale(io, result, json);
    return result.outcome;
  }

  const result = await listLocks(config);
  render.renderLockList(io, result, json);
  return result.outcome;
}

async function runReleaseCli(tenant: string, flags: ReleaseFlags, io: CliIo): Promise<RunOutcome> {
  const config = await loadConfigFromFlags(flags, io);
  const [{ releaseLock }, { renderRelease }] = await Promise.all([import('../commands/locks.js'), import('./render-locks.js')]);
  const json = flags.json === true;

  const result = await releaseLock(config, {
    tenant,
    force: flags.force === true,
    ...(flags.reason === undefined ? {} : { reason: flags.reason }),
    ...(flags.correlationId === undefined ? {} : { correlationId: flags.correlationId }),
    ...(json ? { onEvent: (event) => io.stderr.write(`${JSON.stringify(event)}\n`) } : {}),
  });
  renderRelease(io, result, json);
  return result.outcome;
}
