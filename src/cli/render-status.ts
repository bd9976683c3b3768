import { Chalk, type ChalkInstance } from 'chalk';
import { stripVTControlCharacters } from 'node:util';

import Table from 'cli-table3';

import type { StatusGroup, StatusResult, TenantHealth, TenantState } from '../commands/status.js';
import type { LockState } from '../locks/lock-state.js';
import { formatDuration } from './format-duration.js';
import { colorLevel, type CliIo } from './io.js';

const HEALTH_COLORS: Record<TenantHealth, (chalk: ChalkInstance, text: string) => string> = {
  'up-to-date': (chalk, text) => chalk.green(text),
  behind: (chalk, text) => chalk.yellow(text),
  broken: (chalk, text) => chalk.red(text),
};

/**
 * Prints a status result. The compact view (the default) shows one row per group of tenants in the
 * same state, then only the tenants that are behind, broken or locked; `verbose` lists every tenant.
 */
export function renderStatus(io: CliIo, result: StatusResult, options: { json: boolean; verbose: boolean }): void {
  if (options.json) {
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }

  const chalk = new Chalk({ level: colorLevel(io.stdout, io.env) });
  const { migrations } = result;
  io.stdout.write(`Migrations: ${migrations.count} in ${migrations.directory}${migrations.latest === undefined ? '' : ` (latest ${migrations.latest})`}\n`);
  if (result.lockServiceError !== undefined) {
    io.stdout.write(`${chalk.red('Lock states unknown:')} ${result.lockServiceError}\n`);
  }

  const width = terminalWidth(io);
  io.stdout.write(`\n${groupTable(result.groups, chalk, width)}\n`);

  const listed = options.verbose ? result.tenants : result.tenants.filter(needsAttention);
  if (listed.length > 0) {
    io.stdout.write(`\n${options.verbose ? 'Tenants:' : 'Tenants behind, broken or locked:'}\n${tenantTable(listed, chalk, width)}\n`);
  }

  const hidden = result.tenants.length - listed.length;
  if (hidden > 0) {
    io.stdout.write(`${hidden} up-to-date tenant(s) without a lock are not listed; --verbose lists every tenant.\n`);
  }

  io.stdout.write(`\n${summaryLine(result)}\n`);
}

function needsAttention(tenant: TenantState): boolean {
  return tenant.health !== 'up-to-date' || tenant.problems.length > 0 || tenant.lock.state !== 'free';
}

function groupTable(groups: readonly StatusGroup[], chalk: ChalkInstance, width: number | undefined): string {
  const head = ['tenants', 'state', 'applied', 'last applied', 'pending', 'problems'];
  const rows: string[][] = [];
  for (const group of groups) {
    rows.push([
      String(group.count),
      HEALTH_COLORS[group.health](chalk, group.health),
      group.applied === undefined ? 'unknown' : String(group.applied),
      group.lastApplied ?? '',
      // A database that could not be read has no known pending count.
      group.applied === undefined ? 'unknown' : String(group.pending),
      group.problems.join(', '),
    ]);
  }

  return drawTable(head, rows, chalk, width);
}

function tenantTable(tenants: readonly TenantState[], chalk: ChalkInstance, width: number | undefined): string {
  const head = ['tenant', 'hostnames', 'database', 'applied', 'pending', 'last applied', 'lock', 'problems'];
  const rows: string[][] = [];

  for (const tenant of tenants) {
    const name = tenant.allowlisted ? tenant.tenant : `${tenant.tenant}\n${chalk.dim('(not in the migration allowlist)')}`;
    const applied = tenant.applied === undefined ? 'unknown' : `${tenant.applied}/${tenant.known}`;
    const last = tenant.lastApplied === undefined ? '' : `${tenant.lastApplied.name}\n${chalk.dim(tenant.lastApplied.at)}`;
    const problems = tenant.problems.map((problem) => `${problem.code}: ${problem.message}`).join('\n');
    const pending = tenant.applied === undefined ? 'unknown' : String(tenant.pending.length);
    rows.push([name, tenant.hostnames.join('\n'), tenant.database, applied, HEALTH_COLORS[tenant.health](chalk, pending), last, lockCell(tenant.lock, chalk), problems]);
  }

  return drawTable(head, rows, chalk, width);
}

/** Returns the terminal width when stdout is a terminal, or undefined for a pipe or a file. */
function terminalWidth(io: CliIo): number | undefined {
  const columns = io.stdout.isTTY === true ? io.stdout.columns : undefined;
  return columns !== undefined && columns > 0 ? columns : undefined;
}

/** Columns narrower than this are not shrunk further; the table may then exceed the terminal. */
const MIN_COLUMN_WIDTH = 8;

/**
 * Draws a table sized to its content. On a terminal narrower than that, the widest columns shrink
 * until the table fits and their cells wrap at word boundaries. Without a terminal width no cell is
 * wrapped or cut, so piped output keeps every value whole.
 */
export function drawTable(head: string[], rows: string[][], chalk: ChalkInstance, width: number | undefined): string {
  const style = { head: chalk.level > 0 ? ['bold'] : [], border: [] };
  const natural = head.map((title, column) => Math.max(cellWidth(title), ...rows.map((row) => cellWidth(row[column] ?? ''))) + 2);
  const borders = head.length + 1;
  const total = natural.reduce((sum, columnWidth) => sum + columnWidth, borders);

  if (width === undefined || total <= width) {
    const table = new Table({ head, style });
    table.push(...rows);
    return table.toString();
  }

  // NOTE: when the longest words alone are wider than the terminal, so is the table.
  const longestWord = head.map((title, column) => Math.max(wordWidth(title), ...rows.map((row) => wordWidth(row[column] ?? ''))));
  const table = new Table({ head, style, wordWrap: true, colWidths: fitWidths(natural, longestWord, width - borders) });
  table.push(...rows);
  return table.toString();
}

/**
 * Shares `available` among columns. Each column first gets its longest word, so that no word is cut,
 * then the rest goes to the columns that still wrap, narrowest first.
 */
function fitWidths(natural: readonly number[], longestWord: readonly number[], available: number): number[] {
  const widths = natural.map((columnWidth, column) => Math.min(columnWidth, Math.max(MIN_COLUMN_WIDTH, longestWord[column] ?? 0)));
  let remaining = available - widths.reduce((sum, columnWidth) => sum + columnWidth, 0);
  const growing = natural.map((_, column) => column).filter((column) => (widths[column] ?? 0) < (natural[column] ?? 0));
  growing.sort((a, b) => (natural[a] ?? 0) - (natural[b] ?? 0));

  growing.forEach((column, index) => {
    const share = Math.max(0, Math.floor(remaining / (growing.length - index)));
    const extra = Math.min((natural[column] ?? 0) - (widths[column] ?? 0), share);
    widths[column] = (widths[column] ?? 0) + extra;
    remaining -= extra;
  });

  return widths;
}

/** Length of the longest space-separated word of a cell, plus the cell padding. */
function wordWidth(text: string): number {
  return Math.max(...stripVTControlCharacters(text).split(/\s+/).map((word) => word.length)) + 2;
}

/** Width of the longest line of a cell as the terminal shows it, without color codes. */
function cellWidth(text: string): number {
  return Math.max(...stripVTControlCharacters(text).split('\n').map((line) => line.length));
}

/** Describes a lock in a few words: free, its holder and how long it has held it, or stale. */
export function lockCell(lock: LockState, chalk: ChalkInstance): string {
  switch (lock.state) {
    case 'free':
      return chalk.dim('free');
    case 'unknown':
      return chalk.red('unknown');
    case 'held':
      return `held by ${lock.holder.host}:${lock.holder.pid} for ${formatDuration(lock.ageMs)}, heartbeat ${formatDuration(lock.heartbeatAgeMs)} ago`;
    case 'stale':
      return chalk.yellow(`stale: ${lock.holder.host}:${lock.holder.pid}, no heartbeat for ${formatDuration(lock.heartbeatAgeMs)}`);
  }
}

function summaryLine(result: StatusResult): string {
  const { counts } = result;
  const parts = [`${counts['up-to-date']} up to date`, `${counts.behind} behind`, `${counts.broken} broken`];
  if (result.lockServiceError === undefined) {
    parts.push(`${counts.locked} locked`, `${counts.stale} with a stale lock`);
  } else {
    parts.push('lock state unknown (Redis unavailable)');
  }

  if (counts.outsideAllowlist > 0) {
    parts.push(`${counts.outsideAllowlist} outside the migration allowlist`);
  }

  return `${result.tenants.length} tenant(s): ${parts.join(', ')} in ${result.durationMs} ms (outcome ${result.outcome})`;
}
