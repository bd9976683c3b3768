import type { Command } from 'commander';

import { UsageError } from '../errors.js';
import type { RunOutcome } from '../exit-codes.js';
import { Option } from './commander.js';
import { addConfigOptions, type ConfigFlags, loadConfigFromFlags } from './config-options.js';
import { Flag } from './flags.js';
import type { CliIo } from './io.js';

interface StatusFlags extends ConfigFlags {
  tenant?: string[];
  all?: boolean;
  failOnPending?: boolean;
  verbose?: boolean;
}

const STATUS_HELP = `
Read-only: one connection per tenant runs one SELECT on Kysely's migration table; nothing is
created. Lock states come from Redis. Problems: an applied migration missing from the folder, a
migration that sorts before an applied one, a database that is unreachable or does not exist,
and a tenant whose migration table does not exist yet (not initialized).

Exit codes:
    0  the status was read (without --fail-on-pending, pending migrations and problems do not count)
    2  invalid command line
    3  invalid configuration or migrations folder
    4  a --tenant value is not a database alias or a mapped hostname
    5  Redis is unreachable, so lock states are unknown (the database states are still printed)
    7  --fail-on-pending and at least one tenant has pending migrations or a problem`;

/** Registers `tenantctl status`; heavy modules load only when the command runs. */
export function registerStatus(program: Command, io: CliIo, setOutcome: (outcome: RunOutcome) => void): void {
  const command = program
    .command('status')
    .description('show applied and pending migrations, problems and locks of every tenant (read-only)')
    .addOption(new Option(`${Flag.TENANT} <alias|hostname>`, 'tenant to show, by alias or mapped hostname (repeatable)').argParser(collect))
    .option(Flag.ALL, 'every alias in the database map, also those outside the migration allowlist (the default)')
    .option('--fail-on-pending', 'exit 7 when any tenant has pending migrations or a problem (a deploy gate for CI)')
    .option('--verbose', 'list every tenant, not only those behind, broken or locked');

  addConfigOptions(command, { concurrency: true });
  command.addHelpText('after', STATUS_HELP);
  command.action(async (flags: StatusFlags) => {
    setOutcome(await runStatusCli(flags, io));
  });
}

async function runStatusCli(flags: StatusFlags, io: CliIo): Promise<RunOutcome> {
  const tenants = flags.tenant ?? [];
  if (tenants.length > 0 && flags.all === true) {
    throw new UsageError(`use either ${Flag.TENANT} or ${Flag.ALL}, not both`);
  }

  const config = await loadConfigFromFlags(flags, io);
  const [{ status }, { renderStatus }] = await Promise.all([import('../commands/status.js'), import('./render-status.js')]);
  if (flags.json !== true) {
    for (const warning of config.warnings) {
      io.stderr.write(`warning: ${warning.key} (${warning.source}): ${warning.message}\n`);
    }
  }

  const result = await status(config, { tenants, failOnPending: flags.failOnPending === true });
  renderStatus(io, result, { json: flags.json === true, verbose: flags.verbose === true });
  return result.outcome;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
