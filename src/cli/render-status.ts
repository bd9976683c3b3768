import { Chalk, type ChalkInstance } from 'chalk';
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

  io.stdout.write(`\n${groupTable(result.groups, chalk)}\n`);

  const listed = options.verbose ? result.tenants : result.tenants.filter(needsAttention);
  if (listed.length > 0) {
    io.stdout.write(`\n${options.verbose ? 'Tenants:' : 'Tenants behind, broken or locked:'}\n${tenantTable(listed, chalk)}\n`);
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

function groupTable(groups: readonly StatusGroup[], chalk: ChalkInstance): string {
  const table = new Table({ head: ['tenants', 'state', 'applied', 'last applied', 'pending', 'problems'], style: { head: chalk.level > 0 ? ['bold'] : [], border: [] } });
  for (const group of groups) {
    table.push([
      String(group.count),
      HEALTH_COLORS[group.health](chalk, group.health),
      group.applied === undefined ? 'unknown' : String(group.applied),
      group.lastApplied ?? '',
      // A database that could not be read has no known pending count.
      group.applied === undefined ? 'unknown' : String(group.pending),
      group.problems.join(', '),
    ]);
  }

  return table.toString();
}

function tenantTable(tenants: readonly TenantState[], chalk: ChalkInstance): string {
  const table = new Table({
    head: ['tenant', 'hostnames', 'database', 'applied', 'pending', 'last applied', 'lock', 'problems'],
    style: { head: chalk.level > 0 ? ['bold'] : [], border: [] },
    wordWrap: true,
    colWidths: [null, 30, 30, null, null, 30, 30, 50],
  });

  for (const tenant of tenants) {
    const name = tenant.allowlisted ? tenant.tenant : `${tenant.tenant}\n${chalk.dim('(not in the migration allowlist)')}`;
    const applied = tenant.applied === undefined ? 'unknown' : `${tenant.applied}/${tenant.known}`;
    const last = tenant.lastApplied === undefined ? '' : `${tenant.lastApplied.name}\n${chalk.dim(tenant.lastApplied.at)}`;
    const problems = tenant.problems.map((problem) => `${problem.code}: ${problem.message}`).join('\n');
    const pending = tenant.applied === undefined ? 'unknown' : String(tenant.pending.length);
    table.push([name, tenant.hostnames.join('\n'), tenant.database, applied, HEALTH_COLORS[tenant.health](chalk, pending), last, lockCell(tenant.lock, chalk), problems]);
  }

  return table.toString();
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
