import { Chalk, type ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import ora, { type Ora } from 'ora';

import type { AuditEvent, TenantStatus } from '../audit/audit-events.js';
import type { MigrateResult } from '../commands/migrate.js';
import { canAnimate, colorLevel, type CliIo } from './io.js';
import type { MigrateRenderer } from './migrate-renderer.js';

const STATUS_COLORS: Record<TenantStatus, (chalk: ChalkInstance, text: string) => string> = {
  applied: (chalk, text) => chalk.green(text),
  reverted: (chalk, text) => chalk.green(text),
  'up-to-date': (chalk, text) => chalk.dim(text),
  failed: (chalk, text) => chalk.red(text),
  'lock-lost': (chalk, text) => chalk.red(text),
  busy: (chalk, text) => chalk.yellow(text),
  skipped: (chalk, text) => chalk.yellow(text),
  rejected: (chalk, text) => chalk.red(text),
};

/** Renders a run for people: a spinner or plain progress lines on stderr, then a summary table. */
export function createMigrateRenderer(io: CliIo, options: { verbose: boolean; total: () => number }): MigrateRenderer {
  const chalk = new Chalk({ level: colorLevel(io.stderr, io.env) });
  const tableChalk = new Chalk({ level: colorLevel(io.stdout, io.env) });
  const interactive = canAnimate(io.stderr, io.env);
  let spinner: Ora | undefined;
  let done = 0;

  const write = (text: string): void => {
    if (spinner?.isSpinning === true) {
      spinner.clear();
      io.stderr.write(`${text}\n`);
      spinner.render();
    } else {
      io.stderr.write(`${text}\n`);
    }
  };

  const progress = (): string => `Migrating tenants: ${done} of ${options.total()} done`;

  const onEvent = (event: AuditEvent): void => {
    switch (event.event) {
      case 'run.started':
        write(chalk.dim(`Correlation ID ${event.correlationId}; ${event.targets} tenant(s), concurrency ${event.concurrency}, ${event.migrations} migration(s)`));
        if (interactive) {
          spinner = ora({ stream: io.stderr, text: progress(), color: chalk.level > 0 ? 'cyan' : undefined, isEnabled: true }).start();
        }
        break;
      case 'tenant.finished':
        done += 1;
        if (spinner !== undefined) {
          spinner.text = progress();
        }

        if (!interactive || event.status === 'failed' || event.status === 'lock-lost' || event.status === 'busy') {
          const verb = event.status === 'reverted' ? 'reverted' : 'applied';
          const detail = event.error === undefined ? `${event.applied.length} ${verb}` : event.error.message;
          write(`[${done}/${options.total()}] ${event.tenant}: ${STATUS_COLORS[event.status](chalk, event.status)} (${detail}, ${event.durationMs} ms)`);
        }
        break;
      case 'lock.taken-over':
        write(chalk.yellow(`${event.tenant}: took over a stale lock of ${event.previousHolder.host}:${event.previousHolder.pid} (no heartbeat for ${Math.round(event.heartbeatAgeMs / 1000)}s)`));
        break;
      case 'lock.lost':
        write(chalk.red(`${event.tenant}: lock lost: ${event.reason}`));
        break;
      case 'lock.release-skipped':
        write(chalk.yellow(`${event.tenant}: ${event.reason}`));
        break;
      default:
        break;
    }
  };

  return {
    onEvent,
    note: write,
    stop: () => {
      spinner?.stop();
    },
    finish: (result) => {
      spinner?.stop();
      io.stdout.write(`${summaryTable(result, tableChalk, options.verbose)}\n`);
      io.stdout.write(`${summaryLine(result)}\n`);
    },
  };
}

/** Above this many tenants the table lists only those that did not end applied, reverted or up to date. */
const COMPACT_TABLE_ABOVE = 50;

function summaryTable(result: MigrateResult, chalk: ChalkInstance, verbose: boolean): string {
  const compact = !verbose && result.tenants.length > COMPACT_TABLE_ABOVE;
  const rows = compact ? result.tenants.filter((tenant) => tenant.status !== 'applied' && tenant.status !== 'reverted' && tenant.status !== 'up-to-date') : result.tenants;
  // The error column, the widest, appears only when some listed tenant has an error.
  const withErrors = rows.some((tenant) => tenant.error !== undefined);
  const table = new Table({
    head: ['tenant', 'result', 'migrations', 'duration', ...(withErrors ? ['error'] : [])],
    style: { head: chalk.level > 0 ? ['bold'] : [], border: [] },
    wordWrap: true,
    colWidths: withErrors ? [null, null, null, null, 60] : [],
  });

  for (const tenant of rows) {
    const cells = [tenant.tenant, STATUS_COLORS[tenant.status](chalk, tenant.status), String(tenant.applied.length), `${tenant.durationMs} ms`];
    table.push(withErrors ? [...cells, tenant.error === undefined ? '' : formatError(tenant.error)] : cells);
  }

  const note = compact ? `\n${result.tenants.length - rows.length} tenant(s) applied, reverted or up to date are not listed; --verbose lists every tenant.` : '';
  return rows.length === 0 && compact ? note.trim() : `${table.toString()}${note}`;
}

function formatError(error: NonNullable<MigrateResult['tenants'][number]['error']>): string {
  const parts = [`${error.code}: ${error.message}`];
  if (error.postgres?.code !== undefined) parts.push(`SQLSTATE ${error.postgres.code}`);
  if (error.postgres?.detail !== undefined) parts.push(`detail: ${error.postgres.detail}`);
  if (error.postgres?.hint !== undefined) parts.push(`hint: ${error.postgres.hint}`);
  return parts.join('\n');
}

function summaryLine(result: MigrateResult): string {
  const counts = Object.entries(result.counts)
    .map(([status, count]) => `${count} ${status}`)
    .join(', ');
  const audit = result.auditLog === undefined ? '' : `; audit log ${result.auditLog}`;
  return `${result.tenants.length} tenant(s): ${counts || 'none'} in ${result.durationMs} ms (outcome ${result.outcome}, correlation ID ${result.correlationId}${audit})`;
}
