import { randomUUID } from 'node:crypto';

import { UsageError } from '../errors.js';
import { printable } from '../config/printable.js';

const CORRELATION_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/**
 * Returns the given correlation ID after checking it, or a new random UUID. The ID lands in
 * PostgreSQL's application_name, which is limited to 63 bytes, so it is kept short and plain.
 */
export function resolveCorrelationId(given: string | undefined): string {
  if (given === undefined) {
    return randomUUID();
  }

  if (!CORRELATION_ID.test(given)) {
    throw new UsageError(
      `invalid --correlation-id "${printable(given)}": use 1 to 64 letters, digits, ".", "_", ":" or "-", starting with a letter or digit`,
    );
  }

  return given;
}
