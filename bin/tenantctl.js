#!/usr/bin/env node
// The only place that sets the process exit status: the CLI returns an outcome or a typed error,
// and the documented table in src/exit-codes.ts turns it into a number.
import { exitCodeForError, exitCodeForOutcome, ExitCode } from '../dist/exit-codes.js';

/** If open handles keep the process alive this long after the command ended, exit anyway. */
const EXIT_GRACE_MS = 10_000;

// A reader that stops early (`tenantctl status | head`) closes the pipe. The run must still finish
// and release its locks, so further output to that stream is dropped instead of crashing.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') {
      throw error;
    }
  });
}

async function main() {
  try {
    const { runCli } = await import('../dist/cli/main.js');
    const result = await runCli(process.argv);
    process.exitCode = 'error' in result ? exitCodeForError(result.error?.code) : exitCodeForOutcome(result.outcome);
  } catch (error) {
    process.stderr.write(`error [INTERNAL] ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = ExitCode.INTERNAL;
  }

  // Locks, pools and the audit file are closed in `finally` blocks before this point. A handle that
  // still keeps the event loop alive is a bug, and it must not hang a CI job.
  setTimeout(() => {
    process.stderr.write('tenantctl: open handles kept the process alive after the command ended; exiting.\n');
    process.exit(process.exitCode);
  }, EXIT_GRACE_MS).unref();
}

await main();
