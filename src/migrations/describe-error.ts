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

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').slice(0, 2000);
}
