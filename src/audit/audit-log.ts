import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';

import type { AuditEvent } from './audit-events.js';

/**
 * An append-only JSON Lines audit file. Each record is one write(2) on a file opened with O_APPEND,
 * so records of concurrent runners never interleave inside a line; `close` fsyncs before returning,
 * so the records are durable before the process exits.
 */
export class AuditLog {
  readonly path: string;
  #fd: number | undefined;

  private constructor(path: string, fd: number) {
    this.path = path;
    this.#fd = fd;
  }

  /**
   * Opens the audit file for appending, creating the file but not its folder: a mistyped folder
   * is reported instead of created (and recursive mkdir under /proc spins forever on Node 20).
   */
  static open(path: string): AuditLog {
    return new AuditLog(path, openSync(path, 'a', 0o640));
  }

  write(event: AuditEvent): void {
    if (this.#fd === undefined) {
      return;
    }

    writeSync(this.#fd, `${JSON.stringify(event)}\n`);
  }

  /** Flushes the records to disk and closes the file. Safe to call twice. */
  close(): void {
    if (this.#fd === undefined) {
      return;
    }

    const fd = this.#fd;
    this.#fd = undefined;
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
