import type { Command } from 'commander';

import type { RunOutcome } from '../exit-codes.js';
import { UsageError } from '../errors.js';
import { Option } from './commander.js';
import { addConfigOptions, type ConfigFlags, loadConfigFromFlags, parseSeconds } from './config-options.js';
import { Flag } from './flags.js';
import type { CliIo } from './io.js';

interface MigrateFlags extends ConfigFlags {
  tenant?: string[];
  all?: boolean;
  to?: string;
  lockWait?: number;
  failFast?: boolean;
  correlationId?: string;
  verbose?: boolean;
}

/** Registers `tenantctl migrate`; heavy modules load only when the command runs. */
export function registerMigrate(program: Command, io: CliIo, setOutcome: (outcome: RunOutcome) => void): void {
  const command = program
    .command('migrate')
    .description('run pending migrations on the selected tenants, one Redis lock per tenant')
    .addOption(new Option(`${Flag.TENANT} <alias|hostname>`, 'tenant to migrate, by alias or mapped hostname (repeatable)').argParser(collect))
    .option(Flag.ALL, 'migrate every tenant in the migration allowlist')
    .option(`${Flag.TO} <migration>`, 'migrate up or down to this migration instead of to the latest')
    .addOption(new Option(`${Flag.LOCK_WAIT} <seconds>`, 'wait this long for a busy tenant lock before reporting it busy (default 0)').argParser(parseSeconds(Flag.LOCK_WAIT)))
    .option(Flag.FAIL_FAST, 'start no new tenant after the first failure')
    .option(`${Flag.CORRELATION_ID} <id>`, 'correlation ID for the audit records (default: a random UUID)')
    .option('--verbose', 'list every tenant in the summary table, also on large fleets');

  addConfigOptions(command, { concurrency: true, auditLog: true });
  command.action(async (flags: MigrateFlags) => {
    setOutcome(await runMigrateCli(flags, io));
  });
}

async function runMigrateCli(flags: MigrateFlags, io: CliIo): Promise<RunOutcome> {
  const tenants = flags.tenant ?? [];
  if (tenants.length > 0 && flags.all === true) {
    throw new UsageError(`use either ${Flag.TENANT} or ${Flag.ALL}, not both`);
  }

  if (tenants.length === 0 && flags.all !== true) {
    throw new UsageError(`name the tenants to migrate: ${Flag.TENANT} ALIAS (repeatable) or ${Flag.ALL}`);
  }

  const config = await loadConfigFromFlags(flags, io);
  const { migrate } = await import('../commands/migrate.js');

  let total = 0;
  const renderer =
    flags.json === true
      ? (await import('./migrate-renderer.js')).createJsonRenderer(io)
      : (await import('./render-migrate.js')).createMigrateRenderer(io, { verbose: flags.verbose === true, total: () => total });
  for (const warning of config.warnings) {
    renderer.note(`warning: ${warning.key} (${warning.source}): ${warning.message}`);
  }

  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!controller.signal.aborted) {
      renderer.note(`${signal} received: no new tenant starts; running tenants roll back at their next migration step and release their locks.`);
      controller.abort(signal);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const result = await migrate(config, {
      selection: flags.all === true ? { all: true } : { tenants },
      ...(flags.to === undefined ? {} : { to: flags.to }),
      lockWaitMs: Math.round((flags.lockWait ?? 0) * 1000),
      failFast: flags.failFast === true,
      ...(flags.correlationId === undefined ? {} : { correlationId: flags.correlationId }),
      signal: controller.signal,
      onEvent: (event) => {
        if (event.event === 'run.started') {
          total = event.targets;
        }

        renderer.onEvent(event);
      },
    });
    renderer.finish(result);
    return result.outcome;
  } finally {
    renderer.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
