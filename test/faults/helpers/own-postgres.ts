import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from '../../helpers/free-port.js';

const BIN = '/usr/lib/postgresql/15/bin';

/** A PostgreSQL cluster that this test started on its own loopback port, and may stop. */
export interface OwnPostgres {
  port: number;
  /** Admin URL (user postgres, trust auth) of the `postgres` database. */
  adminUrl: string;
  urlFor: (database: string) => string;
  /** Stops the server at once (pg_ctl stop -m immediate) and deletes its data folder. */
  stop: () => void;
}

/**
 * Creates and starts a throwaway cluster. initdb rejects root, so the cluster runs as the postgres
 * user in a temporary folder that user owns. `settings` become `-c name=value` server options.
 */
export function startOwnPostgres(settings: Record<string, string | number> = {}): Promise<OwnPostgres> {
  return freePort().then((port) => {
    const dir = mkdtempSync(join(tmpdir(), 'tenantctl-pg-'));
    const postgresUid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const postgresGid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, postgresUid, postgresGid);

    const asPostgres = (command: string, args: string[]): void => {
      execFileSync('runuser', ['-u', 'postgres', '--', join(BIN, command), ...args], { stdio: 'ignore', timeout: 60_000 });
    };

    const data = join(dir, 'data');
    asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    const options = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c fsync=off', ...Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`)];
    asPostgres('pg_ctl', ['-D', data, '-o', options.join(' '), '-l', join(dir, 'server.log'), '-w', 'start']);

    let stopped = false;
    return {
      port,
      adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
      urlFor: (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`,
      stop: () => {
        if (stopped) {
          return;
        }

        stopped = true;
        try {
          asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  });
}
