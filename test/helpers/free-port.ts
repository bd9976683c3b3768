import { createServer } from 'node:net';

/** Returns a TCP port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });

  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') {
    throw new Error('the OS returned no TCP port for 127.0.0.1');
  }

  return address.port;
}

/** Resolves once a TCP connection to 127.0.0.1:port succeeds, or throws after timeoutMs. */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) {
      return;
    }

    if (Date.now() > deadline) {
      throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeoutMs} ms`);
    }

    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
