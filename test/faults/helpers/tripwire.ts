import { createServer, type Socket } from 'node:net';

/** A TCP listener on 127.0.0.1 that counts and drops every connection, so a count of 0 proves that no client connected. */
export interface Tripwire {
  port: number;
  connections: () => number;
  close: () => Promise<void>;
}

/**
 * Starts a tripwire. A silent one keeps each connection open and never replies, like a server that
 * hangs; the default one closes each connection at once.
 */
export async function startTripwire(options: { silent?: boolean } = {}): Promise<Tripwire> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    count += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    if (options.silent !== true) {
      socket.destroy();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });

  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error('the tripwire got no TCP port');
  }

  return {
    port: address.port,
    connections: () => count,
    close: async () => {
      for (const socket of sockets) {
        socket.destroy();
      }

      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
