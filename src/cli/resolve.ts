import type { Command } from 'commander';

import type { RunOutcome } from '../exit-codes.js';
import { loadConfigFromFlags } from './config-options.js';
import { Flag } from './flags.js';
import { colorLevel, type CliIo } from './io.js';

interface ResolveFlags {
  config?: string;
  json?: boolean;
}

const RESOLVE_HELP = `
Resolves each hostname exactly as the tenant middleware does: normalized (case, port, trailing
dot, IPv6 brackets, internationalized names), then looked up in tenantMappings, then in
TENANT_UNKNOWN_HOST_ALLOWLIST, and in permissive mode (TENANT_STRICT_MODE=false) unknown hosts fall
back to the alias "default". Nothing connects to a database or to Redis.

Exit codes:
    0  every host resolved to an alias
    2  invalid command line
    3  invalid configuration
    7  at least one host was rejected (malformed, or unknown in strict mode)`;

/** Registers `tenantctl resolve HOST...`; the resolver loads only when the command runs. */
export function registerResolve(program: Command, io: CliIo, setOutcome: (outcome: RunOutcome) => void): void {
  program
    .command('resolve')
    .description('show the tenant alias each hostname resolves to, or why it is rejected')
    .argument('<host...>', 'hostnames as a client sends them in the Host header (port allowed)')
    .option(`${Flag.CONFIG} <file>`, 'config file (default: ./tenantctl.config.json, or TENANTCTL_CONFIG)')
    .option(Flag.JSON, 'print one JSON document on stdout')
    .addHelpText('after', RESOLVE_HELP)
    .action(async (hosts: string[], flags: ResolveFlags) => {
      setOutcome(await runResolveCli(hosts, flags, io));
    });
}

async function runResolveCli(hosts: readonly string[], flags: ResolveFlags, io: CliIo): Promise<RunOutcome> {
  const config = await loadConfigFromFlags({ ...(flags.config === undefined ? {} : { config: flags.config }) }, io);
  const [{ TenantResolver }, { printable }] = await Promise.all([import('../hosts/resolve-tenant.js'), import('../config/printable.js')]);

  // Security records are for servers under load; a person checking hosts reads the result instead.
  const resolver = new TenantResolver(config, { securityLog: false });
  const results = hosts.map((host) => ({ input: printable(host), ...resolver.resolveTenant(host) }));
  const outcome: RunOutcome = results.every((result) => result.ok) ? 'ok' : 'check-failed';

  if (flags.json === true) {
    io.stdout.write(`${JSON.stringify({ command: 'resolve', strictMode: config.strictMode, outcome, hosts: results }, null, 2)}\n`);
    return outcome;
  }

  const { Chalk } = await import('chalk');
  const chalk = new Chalk({ level: colorLevel(io.stdout, io.env) });
  const width = Math.min(60, Math.max(...results.map((result) => result.input.length)));
  for (const result of results) {
    const name = result.input.padEnd(width);
    if (result.ok) {
      const note = result.fallback === undefined ? '' : chalk.yellow(` (unknown host, ${result.fallback === 'allowlist' ? 'in the unknown-host allowlist' : 'permissive mode'}: falls back to default)`);
      io.stdout.write(`${name}  ${chalk.green(result.alias)}${note}\n`);
    } else {
      io.stdout.write(`${name}  ${chalk.red(`rejected (${result.reason})`)}: ${result.message}\n`);
    }
  }

  const rejected = results.filter((result) => !result.ok).length;
  if (rejected > 0) {
    io.stderr.write(`${rejected} of ${results.length} host${results.length === 1 ? '' : 's'} rejected (strict mode ${config.strictMode ? 'on' : 'off'}).\n`);
  }

  return outcome;
}
