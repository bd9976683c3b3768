import { createHash } from 'node:crypto';

import type { Redis } from 'ioredis';

const shaCache = new Map<string, string>();

/**
 * Runs a Lua script on one key by its SHA1 and loads it with EVAL only when the server does not
 * know it yet (NOSCRIPT), so the script text crosses the network once per server.
 */
export async function runScript(client: Redis, script: string, key: string, args: ReadonlyArray<string | number>): Promise<unknown> {
  let sha = shaCache.get(script);
  if (sha === undefined) {
    sha = createHash('sha1').update(script).digest('hex');
    shaCache.set(script, sha);
  }

  try {
    return await client.evalsha(sha, 1, key, ...args);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
      return client.eval(script, 1, key, ...args);
    }

    throw error;
  }
}
