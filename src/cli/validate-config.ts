import type { Command } from 'commander';

import type { RunOutcome } from '../exit-codes.js';
import { Option } from './commander.js';
import type { ConfigFlags } from './config-options.js';
import { addConfigOptions } from './config-options.js';
import type { CliIo } from './io.js';
import type { ReportFormat } from './render-validation.js';

interface ValidateFlags extends ConfigFlags {
  offline?: boolean;
  failOnWarnings?: boolean;
  format?: ReportFormat;
}

const VALIDATE_HELP = `
Checks, each reported as pass, warn, fail or skip:
  settings                the config file and every setting load
  tenant-mappings         hostnames well-formed, unique after normalization, not empty, aliases defined
  database-connectivity   every database accepts a connection within the connect timeout (network)
  migrations              the folder loads, names are unique, every migration exports up
  lock-backend            Redis passes a set/get/delete round trip under the lock prefix (network)
  migration-guard         the allowlist is not empty and names defined aliases; warns when it allows all
  strict-mode             warns when strict mode is off in production, or on invalid allowlisted hosts
Connection URLs appear only with the password masked as ****.

Exit codes:
    0  valid (warnings allowed unless --fail-on-warnings)
    2  invalid command line
    3  at least one check failed, including an unreachable database or Redis
    7  --fail-on-warnings and at least one check warned`;

/** Registers `tenantctl validate-config`; heavy modules load only when the command runs. */
export function registerValidateConfig(program: Command, io: CliIo, setOutcome: (outcome: RunOutcome) => void): void {
  const command = program
    .command('validate-config')
    .description('check the configuration, databases, migrations and Redis, and print a report')
    .option('--offline', 'skip the checks that connect to databases and Redis')
    .option('--fail-on-warnings', 'exit 7 when a check warns')
    .addOption(new Option('--format <format>', 'report format; --json is the same as --format json').choices(['text', 'json', 'github']).default('text'));

  addConfigOptions(command);
  command.addHelpText('after', VALIDATE_HELP);
  command.action(async (flags: ValidateFlags) => {
    setOutcome(await runValidateCli(flags, io));
  });
}

async function runValidateCli(flags: ValidateFlags, io: CliIo): Promise<RunOutcome> {
  const [{ validateConfig, judgeValidation }, { renderValidation }] = await Promise.all([import('../commands/validate-config.js'), import('./render-validation.js')]);

  // Flag problems are reported as failed checks like any other setting, not as usage errors.
  const report = await validateConfig({
    offline: flags.offline === true,
    load: {
      cwd: io.cwd,
      env: io.env,
      configPath: flags.config,
      flags: { migrationsDir: flags.migrations, 'redis.url': flags.redisUrl, 'lock.prefix': flags.lockPrefix },
    },
  });

  renderValidation(io, report, flags.json === true ? 'json' : (flags.format ?? 'text'));
  return judgeValidation(report, flags.failOnWarnings === true);
}
