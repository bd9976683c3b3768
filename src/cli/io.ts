import { redactSecrets } from '../config/secret-registry.js';

/** The streams and environment a command renders to; tests and bin pass the process's own. */
export interface CliIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/**
 * Returns the chalk color level for a stream: FORCE_COLOR wins, then NO_COLOR (any non-empty value)
 * turns colors off, and otherwise colors follow whether the stream is a terminal.
 */
export function colorLevel(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): 0 | 1 | 2 | 3 {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '' && force !== '0' && force !== 'false') {
    const level = Number(force);
    return level === 2 || level === 3 ? level : 1;
  }

  if ((env.NO_COLOR ?? '') !== '' || force === '0' || force === 'false') {
    return 0;
  }

  return stream.isTTY === true && env.TERM !== 'dumb' ? 2 : 0;
}

/**
 * Returns whether a spinner may draw on the stream: a terminal with a known width, outside CI. A
 * width of 0 (a pseudo-terminal without a window size, as under `script`) makes ora 8 clear lines forever.
 */
export function canAnimate(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && (stream.columns ?? 0) > 0 && env.CI === undefined && env.TERM !== 'dumb';
}

/**
 * Passes everything written to stdout and stderr through the secret registry until the returned
 * function is called, so no configured password reaches the terminal or a pipe from any writer.
 */
export function redactOutput(io: CliIo): () => void {
  const restorers: Array<() => void> = [];

  for (const stream of new Set([io.stdout, io.stderr])) {
    const original = stream.write;
    const redacting = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      const text = typeof chunk === 'string' ? redactSecrets(chunk) : chunk;
      return (original as (...args: unknown[]) => boolean).call(this, text, ...rest);
    };
    stream.write = redacting as typeof stream.write;
    restorers.push(() => {
      stream.write = original;
    });
  }

  return () => {
    for (const restore of restorers) {
      restore();
    }
  };
}
