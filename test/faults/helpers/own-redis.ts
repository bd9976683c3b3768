import { type ChildProcess, spawn } from 'node:child_process';

import { freePort, waitForPort } from '../../helpers/free-port.js';

/** A redis-server that this test started on its own loopback port, and may kill. */
export interface OwnRedis {
  port: number;
  url: string;
  /** Sends SIGKILL and waits until the process has exited. */
  kill: () => Promise<void>;
}

/** Starts redis-server on a free 127.0.0.1 port, without persistence, and waits until it accepts connections. */
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await waitForPort(port);
  return { port, url: `redis://127.0.0.1:${port}`, kill: () => killChild(child) };
}

async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}
