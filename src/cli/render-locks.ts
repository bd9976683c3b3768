import { Chalk } from 'chalk';
import Table from 'cli-table3';

import type { ClearStaleResult, ListLocksResult, ReleaseResult } from '../commands/locks.js';
import { formatDuration } from './format-duration.js';
import { colorLevel, type CliIo } from './io.js';

/** Prints the lock list as a table, or as one JSON document. */
export function renderLockList(io: CliIo, result: ListLocksResult, json: boolean): void {
  if (json) {
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }

  if (result.locks.length === 0) {
    io.stdout.write(`No tenant locks under "${result.prefix}".\n`);
    return;
  }

  const chalk = new Chalk({ level: colorLevel(io.stdout, io.env) });
  const table = new Table({
    head: ['tenant', 'holder', 'correlation ID', 'command', 'age', 'last heartbeat', 'lease left', 'stale'],
    style: { head: chalk.level > 0 ? ['bold'] : [], border: [] },
  });

  for (const lock of result.locks) {
    if (lock.holder === undefined) {
      table.push([lock.tenant, chalk.red(lock.message ?? 'unreadable'), '', '', '', '', '', '']);
      continue;
    }

    table.push([
      lock.tenant,
      `${lock.holder.host}:${lock.holder.pid}`,
      lock.holder.correlationId,
      lock.holder.command,
      formatDuration(lock.ageMs ?? 0),
      `${formatDuration(lock.heartbeatAgeMs ?? 0)} ago`,
      lock.leaseLeftMs === -1 ? 'no TTL' : formatDuration(lock.leaseLeftMs ?? 0),
      lock.state === 'stale' ? chalk.yellow('stale') : 'no',
    ]);
  }

  const stale = result.locks.filter((lock) => lock.state === 'stale').length;
  io.stdout.write(`${table.toString()}\n${result.locks.length} lock(s), ${stale} stale (no heartbeat for more than ${formatDuration(result.staleMs)}).\n`);
}

/** Prints each removed and each kept lock of a clear-stale run. */
export function renderClearStale(io: CliIo, result: ClearStaleResult, json: boolean): void {
  if (json) {
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }

  const chalk = new Chalk({ level: colorLevel(io.stdout, io.env) });
  for (const removed of result.removed) {
    io.stdout.write(`${chalk.yellow('removed')} ${removed.tenant}: ${removed.holder.host}:${removed.holder.pid} (correlation ID ${removed.holder.correlationId}) had no heartbeat for ${formatDuration(removed.heartbeatAgeMs)}\n`);
  }

  for (const kept of result.kept) {
    io.stdout.write(`${chalk.dim('kept')} ${kept.tenant}: ${kept.message}\n`);
  }

  const audit = result.auditLog === undefined ? '' : `; audit log ${result.auditLog}`;
  io.stdout.write(`${result.removed.length} stale lock(s) removed, ${result.kept.length} left alone (correlation ID ${result.correlationId}${audit}).\n`);
}

/** Prints what a release did or would do. */
export function renderRelease(io: CliIo, result: ReleaseResult, json: boolean): void {
  if (json) {
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }

  io.stdout.write(`${result.explanation}\n`);
}
