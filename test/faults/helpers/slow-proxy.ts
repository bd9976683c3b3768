import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A TCP proxy on 127.0.0.1 that delays every reply from the upstream server by the current delay. */
export interface SlowProxy {
  port: number;
  /** Changes the delay of replies from now on. */
  setDelay: (delayMs: number) => void;
  close: () => Promise<void>;
}

/** Starts a proxy to 127.0.0.1:upstreamPort that delays each chunk the server sends back. */
export async function startSlowProxy(upstreamPort: number, initialDelayMs: number): Promise<SlowProxy> {
  let delayMs = initialDelayMs;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection(upstreamPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      const forward = (): void => {
        if (!client.destroyed) {
          client.write(chunk);
        }
      };
      if (delayMs === 0) {
        forward();
      } else {
        setTimeout(forward, delayMs);
      }
    });

    const closeBoth = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });

  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error('the slow proxy got no TCP port');
  }

  return {
    port: address.port,
    setDelay: (value) => {
      delayMs = value;
    },
    close: async () => {
      for (const socket of sockets) {
        socket.destroy();
      }

      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
