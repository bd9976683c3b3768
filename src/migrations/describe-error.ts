import type { ErrorInfo } from '../audit/audit-events.js';
import { TenantctlError, errorMessage } from '../errors.js';

interface PgErrorFields {
  code?: unknown;
  detail?: unknown;
  hint?: unknown;
  position?: unknown;
  where?: unknown;
  severity?: unknown;
}

/** SQLSTATE classes that mean the database could not be reached or used at all. */
const UNAVAILABLE_CODES = new Set(['3D000', '28000', '28P01', '53300', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EPIPE']);

/**
 * Turns any error from a tenant run into an ErrorInfo. PostgreSQL errors keep their SQLSTATE code,
 * detail and hint, as the server sent them.
 */
export function describeError(error: unknown, fallbackCode: string, migration?: string): ErrorInfo {
  const info: ErrorInfo = { code: fallbackCode, message: oneLine(errorMessage(error)) };
  if (migration !== undefined) {
    info.migration = migration;
  }

  if (error instanceof TenantctlError) {
    info.code = error.code;
    return info;
  }

  const fields = (typeof error === 'object' && error !== null ? error : {}) as PgErrorFields;
  if (typeof fields.code === 'string' && typeof fields.severity === 'string') {
    const postgres: NonNullable<ErrorInfo['postgres']> = { code: fields.code };
    if (typeof fields.detail === 'string') postgres.detail = fields.detail;
    if (typeof fields.hint === 'string') postgres.hint = fields.hint;
    if (typeof fields.position === 'string') postgres.position = fields.position;
    if (typeof fields.where === 'string') postgres.where = oneLine(fields.where);
    info.postgres = postgres;
  }

  return info;
}

/** True when the error says the tenant database could not be reached or does not exist. */
export function isUnavailableError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || NETWORK_CODES.has(code))) {
    return true;
  }

  const message = errorMessage(error);
  return /timeout expired|Connection terminated|connect ECONNREFUSED/i.test(message);
}

/** True when the error is a connect timeout from pg or pg-pool, not a refusal or a server error. */
export function isConnectTimeout(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ETIMEDOUT' || /timeout expired|timeout exceeded when trying to connect|due to connection timeout/i.test(errorMessage(error));
}

/** Returns the next step for a database of `alias` that could not be reached or used. */
export function unavailableAdvice(error: unknown, alias: string): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === '3D000') {
    return `create it or fix databases.${alias}`;
  }

  if (code === '28000' || code === '28P01') {
    return `check the user and password in databases.${alias}`;
  }

  return `check that the server runs and databases.${alias} points at it`;
}

/** Describes a DATABASE_UNAVAILABLE error of one tenant and appends what to do next. */
export function describeUnavailableError(error: unknown, alias: string): ErrorInfo {
  const info = describeError(error, 'DATABASE_UNAVAILABLE');
  info.message = `${info.message}; ${unavailableAdvice(error, alias)}`;
  return info;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').slice(0, 2000);
}
