import type { EventListener } from '../audit/audit-events.js';
import type { MigrateResult } from '../commands/migrate.js';
import type { CliIo } from './io.js';

/** Renders a migrate run: progress while it runs, then the result. */
export interface MigrateRenderer {
  onEvent: EventListener;
  /** Writes a line to stderr without breaking the spinner. */
  note: (text: string) => void;
  finish: (result: MigrateResult) => void;
  stop: () => void;
}

/**
 * Renders a run for machines: every event as a JSON line on stderr, the result as one JSON document
 * on stdout. It loads none of the terminal libraries, which --json runs do not need.
 */
export function createJsonRenderer(io: CliIo): MigrateRenderer {
  return {
    onEvent: (event) => {
      io.stderr.write(`${JSON.stringify(event)}\n`);
    },
    note: (text) => {
      io.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), event: 'cli.note', message: text })}\n`);
    },
    stop: () => undefined,
    finish: (result) => {
      io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    },
  };
}
