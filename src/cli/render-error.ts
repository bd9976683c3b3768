import { Chalk } from 'chalk';

import { ConfigError, GuardError, MigrationLoadError, TenantctlError } from '../errors.js';
import { colorLevel, type CliIo } from './io.js';

/**
 * Prints an error that ended a command: as a JSON document on stdout with --json, otherwise as text
 * on stderr. An error marked `reported` (help that commander printed already) gets no text again.
 */
export function renderFatalError(error: unknown, io: CliIo, json: boolean): void {
  if (json) {
    io.stdout.write(`${JSON.stringify({ error: errorDocument(error) }, null, 2)}\n`);
    return;
  }

  if ((error as { reported?: boolean }).reported === true) {
    return;
  }

  const chalk = new Chalk({ level: colorLevel(io.stderr, io.env) });
  const message = error instanceof Error ? error.message : String(error);
  const label = error instanceof TenantctlError ? error.code : 'INTERNAL';
  io.stderr.write(`${chalk.red(`error [${label}]`)} ${message}\n`);
  if (!(error instanceof TenantctlError)) {
    io.stderr.write('This is a bug in tenantctl; please report it with the command you ran.\n');
    if (error instanceof Error && error.stack !== undefined) {
      io.stderr.write(`${chalk.dim(error.stack)}\n`);
    }
  }
}

function errorDocument(error: unknown): Record<string, unknown> {
  if (!(error instanceof TenantctlError)) {
    return { code: 'INTERNAL', name: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error) };
  }

  const document: Record<string, unknown> = { code: error.code, name: error.name, message: error.message };
  if (error instanceof ConfigError) document.issues = error.issues;
  if (error instanceof GuardError) document.rejections = error.rejections;
  if (error instanceof MigrationLoadError) document.issues = error.issues;
  return document;
}
