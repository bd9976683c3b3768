
import { UsageError } from '../errors.js';
import { EXIT_CODE_DESCRIPTIONS, type RunOutcome } from '../exit-codes.js';
import { toolVersion } from '../version.js';
import { Command, CommanderError } from './commander.js';
import { processIo, redactOutput, type CliIo } from './io.js';
import { registerCache } from './cache.js';
import { registerLocks } from './locks.js';
import { registerMigrate } from './migrate.js';
import { registerResolve } from './resolve.js';
import { registerStatus } from './status.js';
import { registerValidateConfig } from './validate-config.js';

/** The end of a CLI invocation, an outcome or an error; bin/tenantctl.js turns it into the exit code. */
export type CliResult = { outcome: RunOutcome } | { error: unknown };

const ENVIRONMENT_HELP = `
Environment (flags > environment > config file > defaults):
  TENANT_MAPPINGS                 JSON object: hostname -> database alias
  TENANT_DATABASES                JSON object: alias -> postgres:// connection URL
  TENANT_MIGRATION_DATABASES      comma list of aliases migrations may touch (default: default;
                                  set but empty allows nothing)
  TENANT_STRICT_MODE              true/false: reject unknown hostnames (default: true unless
                                  TENANTCTL_ENV or NODE_ENV is development)
  TENANT_UNKNOWN_HOST_ALLOWLIST   comma list of hostnames that fall back to the default alias
  REDIS_URL                       Redis URL for tenant locks (default redis://127.0.0.1:6379)
  TENANTCTL_CONFIG, TENANTCTL_MIGRATIONS_DIR, TENANTCTL_AUDIT_LOG, TENANTCTL_CONCURRENCY,
  TENANTCTL_LOCK_PREFIX, TENANTCTL_LOCK_LEASE_SECONDS, TENANTCTL_LOCK_STALE_SECONDS,
  TENANTCTL_LOCK_HEARTBEAT_SECONDS, TENANTCTL_PG_CONNECT_TIMEOUT_SECONDS,
  TENANTCTL_PG_LOCK_TIMEOUT_SECONDS, TENANTCTL_PG_STATEMENT_TIMEOUT_SECONDS,
  TENANTCTL_REDIS_COMMAND_TIMEOUT_SECONDS, TENANTCTL_ENV
  NO_COLOR, FORCE_COLOR           turn colors off or on`;

function exitCodeHelp(): string {
  const lines = EXIT_CODE_DESCRIPTIONS.map(([code, text]) => `  ${String(code).padStart(3)}  ${text}`);
  return `\nExit codes:\n${lines.join('\n')}`;
}

/** Builds the commander program; every command registers its own flags and loads its modules lazily. */
export function buildProgram(io: CliIo, setOutcome: (outcome: RunOutcome) => void): Command {
  const program = new Command();
  program
    .name('tenantctl')
    .description('Run database migrations safely across every tenant of a multi-tenant PostgreSQL system.')
    .version(toolVersion(), '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // runCli renders commander's errors like every other usage error, as text or as JSON.
      outputError: () => undefined,
    })
    .addHelpText('after', `${ENVIRONMENT_HELP}\n${exitCodeHelp()}\n\nDocumentation: README.md in the tenantctl package.`);

  registerMigrate(program, io, setOutcome);
  registerResolve(program, io, setOutcome);
  registerCache(program, io, setOutcome);
  registerStatus(program, io, setOutcome);
  registerValidateConfig(program, io, setOutcome);
  registerLocks(program, io, setOutcome);
  return program;
}

/**
 * Runs the CLI and reports how it ended. Errors are rendered here (text, or JSON with --json) and
 * returned, never thrown, so that bin/tenantctl.js alone chooses the exit code.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<CliResult> {
  let outcome: RunOutcome = 'ok';
  const program = buildProgram(io, (value) => {
    outcome = value;
  });

  const restoreOutput = redactOutput(io);
  try {
    await program.parseAsync([...argv]);
    return { outcome };
  } catch (error) {
    const normalized = fromCommander(error);
    if (normalized === undefined) {
      return { outcome: 'ok' };
    }

    // Loaded only on failure: it pulls in chalk, which a successful --help does not need.
    const { renderFatalError } = await import('./render-error.js');
    renderFatalError(normalized, io, argv.includes('--json'));
    return { error: normalized };
  } finally {
    restoreOutput();
  }
}

/** Turns commander's own exits into a UsageError, or undefined for help and version output. */
function fromCommander(error: unknown): unknown {
  if (!(error instanceof CommanderError)) {
    return error;
  }

  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || (error.code === 'commander.help' && error.exitCode === 0)) {
    return undefined;
  }

  // A command run without a subcommand: commander has printed the help on stderr already.
  if (error.code === 'commander.help') {
    return Object.assign(new UsageError('no command given; run tenantctl --help for the list of commands'), { reported: true });
  }

  // commander's message may put a suggestion such as "(Did you mean --tenant?)" on a second line.
  const text = error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
  return new UsageError(`${text}; run with --help for usage`);
}
