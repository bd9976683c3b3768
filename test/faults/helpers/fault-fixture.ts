import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { execa, type ResultPromise } from 'execa';

import { BIN, cleanEnv, REPO_ROOT, tempDir, writeConfig } from '../../helpers/cli.js';
import { ADMIN_URL, adminQuery, createDatabase, dropDatabase, queryDatabase, uniqueDatabaseName } from '../../helpers/postgres.js';
import { createRedis, deleteKeys, REDIS_URL, uniqueLockPrefix } from '../../helpers/redis.js';

/**
 * Trials per randomized scenario: a short default that keeps `npm test` fast, or the full count
 * from TENANTCTL_FAULT_TRIALS (30 for the recorded long run).
 */
export function faultTrials(shortDefault: number): number {
  const configured = Number(process.env.TENANTCTL_FAULT_TRIALS ?? '');
  return Number.isInteger(configured) && configured > 0 ? configured : shortDefault;
}

/** One test migration: creates table `t_<name>` and can sleep, block the event loop, or record itself. */
export interface MigrationSpec {
  name: string;
  /** Seconds of pg_sleep inside the transaction (the event loop stays free). */
  sleepSeconds?: number;
  /** Milliseconds of a busy loop that blocks the Node.js event loop. */
  blockMs?: number;
}

/** Lock timings for short tests, passed as TENANTCTL_LOCK_* environment variables. */
export interface LockTimings {
  leaseSeconds: number;
  staleSeconds: number;
  heartbeatSeconds: number;
}

export const FAST_LOCKS: LockTimings = { leaseSeconds: 30, staleSeconds: 1.5, heartbeatSeconds: 0.25 };

/**
 * A set of tenant databases on the shared PostgreSQL server, a ledger database that records every
 * execution of a migration through dblink (a second connection, so the record survives a rollback),
 * a migrations folder, a config file, an audit file and a Redis key prefix of its own.
 */
export class FaultFixture {
  readonly dir = tempDir('tenantctl-fault');
  readonly migrationsDir = join(this.dir, 'migrations');
  readonly auditPath = join(this.dir, 'audit.jsonl');
  readonly configPath = join(this.dir, 'tenantctl.config.json');
  readonly prefix = uniqueLockPrefix('fault');
  readonly ledger = uniqueDatabaseName('ledger');
  readonly databases: Map<string, string>;
  migrations: MigrationSpec[] = [];
  redisUrl = REDIS_URL;

  private constructor(readonly aliases: readonly string[]) {
    this.databases = new Map(aliases.map((alias) => [alias, uniqueDatabaseName(alias)]));
  }

  static async create(aliases: readonly string[], migrations: MigrationSpec[]): Promise<FaultFixture> {
    const fixture = new FaultFixture(aliases);
    await createDatabase(fixture.ledger);
    await queryDatabase(fixture.ledger, 'create table executions (tenant text not null, migration text not null, backend_pid int not null, at timestamptz not null default clock_timestamp())');
    for (const database of fixture.databases.values()) {
      await createDatabase(database);
      await queryDatabase(database, 'create extension dblink');
    }

    fixture.writeMigrations(migrations);
    fixture.writeConfigFile();
    return fixture;
  }

  databaseOf(alias: string): string {
    const database = this.databases.get(alias);
    if (database === undefined) {
      throw new Error(`the fixture has no tenant ${alias}`);
    }

    return database;
  }

  /** Rewrites the migrations folder with these migrations, in name order. */
  writeMigrations(migrations: MigrationSpec[]): void {
    this.migrations = migrations;
    rmSync(this.migrationsDir, { recursive: true, force: true });
    mkdirSync(this.migrationsDir, { recursive: true });
    const ledgerUrl = new URL(ADMIN_URL);
    const ledgerConnection = `host=${ledgerUrl.hostname} port=${ledgerUrl.port || '5432'} user=${decodeURIComponent(ledgerUrl.username || 'postgres')} dbname=${this.ledger}`;
    for (const migration of migrations) {
      const lines = [
        `import { type Kysely, sql } from 'kysely';`,
        '',
        'export async function up(db: Kysely<any>): Promise<void> {',
        `  await sql\`select dblink_exec(\${${JSON.stringify(ledgerConnection)}}, format('insert into executions (tenant, migration, backend_pid) values (%L, %L, %s)', current_database(), \${${JSON.stringify(migration.name)}}::text, pg_backend_pid()))\`.execute(db);`,
        `  await sql\`create table ${tableOf(migration.name)} (id int)\`.execute(db);`,
      ];
      if (migration.sleepSeconds !== undefined) {
        lines.push(`  await sql\`select pg_sleep(${migration.sleepSeconds})\`.execute(db);`);
      }

      if (migration.blockMs !== undefined) {
        lines.push(`  const end = Date.now() + ${migration.blockMs};`, '  while (Date.now() < end) {', '    // Blocks the event loop on purpose.', '  }');
      }

      lines.push('}', '');
      writeFileSync(join(this.migrationsDir, `${migration.name}.ts`), lines.join('\n'));
    }
  }

  writeConfigFile(extra: Record<string, unknown> = {}): void {
    writeConfig(this.dir, {
      databases: Object.fromEntries([...this.databases].map(([alias, database]) => [alias, databaseUrlOnShared(database)])),
      migrationDatabases: [...this.aliases],
      migrationsDir: './migrations',
      auditLog: './audit.jsonl',
      redis: { url: this.redisUrl },
      lock: { prefix: this.prefix },
      ...extra,
    });
  }

  /** Environment of a CLI run with the given lock timings. */
  env(locks: LockTimings = FAST_LOCKS, extra: Record<string, string> = {}): Record<string, string> {
    return {
      TENANTCTL_LOCK_LEASE_SECONDS: String(locks.leaseSeconds),
      TENANTCTL_LOCK_STALE_SECONDS: String(locks.staleSeconds),
      TENANTCTL_LOCK_HEARTBEAT_SECONDS: String(locks.heartbeatSeconds),
      TENANTCTL_REDIS_COMMAND_TIMEOUT_SECONDS: '2',
      ...extra,
    };
  }

  /** Starts the built CLI in the fixture folder without waiting for it. */
  start(args: readonly string[], env: Record<string, string> = this.env()): ResultPromise<{ reject: false }> {
    return execa('node', [BIN, ...args], {
      cwd: this.dir,
      env: cleanEnv(env),
      extendEnv: false,
      reject: false,
      timeout: 120_000,
      stdin: 'ignore',
    }) as unknown as ResultPromise<{ reject: false }>;
  }

  /** Drops and recreates the public schema of every tenant and empties the ledger, between trials. */
  async resetTenants(): Promise<void> {
    for (const database of this.databases.values()) {
      await queryDatabase(database, 'drop schema public cascade; create schema public; create extension dblink');
    }

    await queryDatabase(this.ledger, 'truncate executions');
  }

  /** Names in kysely_migration of one tenant, in name order; empty when it was never migrated. */
  async appliedOf(alias: string): Promise<string[]> {
    const rows = await queryDatabase<{ name: string }>(this.databaseOf(alias), `select name from kysely_migration where to_regclass('public.kysely_migration') is not null order by name`).catch(
      (error: { code?: string }) => {
        if (error.code === '42P01') {
          return [];
        }

        throw error;
      },
    );
    return rows.map((row) => row.name);
  }

  /** Tables named t_<migration> that exist in one tenant, in name order. */
  async tablesOf(alias: string): Promise<string[]> {
    const rows = await queryDatabase<{ name: string }>(this.databaseOf(alias), `select table_name as name from information_schema.tables where table_schema = 'public' and table_name like 't\\_%' order by 1`);
    return rows.map((row) => row.name);
  }

  /** Every recorded execution: tenant database, migration name. */
  async executions(): Promise<Array<{ tenant: string; migration: string }>> {
    return queryDatabase<{ tenant: string; migration: string }>(this.ledger, 'select tenant, migration from executions order by at');
  }

  /** Lock keys left under this fixture's prefix. */
  async lockKeys(redisUrl = this.redisUrl): Promise<string[]> {
    const client = createRedis(redisUrl);
    try {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await client.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 500);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
      return keys;
    } finally {
      client.disconnect();
    }
  }

  async cleanup(): Promise<void> {
    for (const database of this.databases.values()) {
      await dropDatabase(database);
    }

    await dropDatabase(this.ledger);
    if (this.redisUrl === REDIS_URL) {
      const client = createRedis();
      try {
        await deleteKeys(client, this.prefix);
      } finally {
        client.disconnect();
      }
    }
  }
}

export function tableOf(migration: string): string {
  return `t_${migration.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`;
}

function databaseUrlOnShared(database: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

/** One parsed audit record. */
export type AuditRecord = Record<string, unknown> & { event: string; correlationId: string };

/**
 * Reads a JSON Lines audit file and throws on a torn or interleaved line: every line must parse
 * as one JSON object with `event`, `time` and `correlationId`, and the file must end with a newline.
 */
export function readAuditFile(path: string): AuditRecord[] {
  if (!existsSync(path)) {
    return [];
  }

  const text = readFileSync(path, 'utf8');
  if (text === '') {
    return [];
  }

  if (!text.endsWith('\n')) {
    throw new Error(`audit file ${path} ends inside a line: ${JSON.stringify(text.slice(-120))}`);
  }

  return text
    .slice(0, -1)
    .split('\n')
    .map((line, index) => {
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        throw new Error(`audit line ${index + 1} is not JSON: ${JSON.stringify(line.slice(0, 200))}`);
      }

      const fields = record as Partial<AuditRecord> & { time?: unknown };
      if (typeof fields.event !== 'string' || typeof fields.correlationId !== 'string' || typeof fields.time !== 'string') {
        throw new Error(`audit line ${index + 1} lacks event, time or correlationId: ${line.slice(0, 200)}`);
      }

      return fields as AuditRecord;
    });
}

/**
 * Resolves with the first JSON Lines event on the subprocess's stderr (a --json run) that matches,
 * or rejects after timeoutMs or when the process ends first.
 */
export function waitForEvent(subprocess: ResultPromise, matches: (event: AuditRecord) => boolean, timeoutMs = 30_000): Promise<AuditRecord> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const stderr = subprocess.stderr;
    if (stderr === null) {
      reject(new Error('the subprocess has no stderr pipe'));
      return;
    }

    const finish = (error?: Error, event?: AuditRecord): void => {
      clearTimeout(timer);
      stderr.off('data', onData);
      subprocess.off('exit', onExit);
      if (error !== undefined) reject(error);
      else resolve(event as AuditRecord);
    };

    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString('utf8');
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf('\n');
        try {
          const event = JSON.parse(line) as AuditRecord;
          if (typeof event.event === 'string' && matches(event)) {
            finish(undefined, event);
            return;
          }
        } catch {
          // Not an event line (a note or a warning); keep reading.
        }
      }
    };

    const onExit = (): void => finish(new Error('the CLI exited before the awaited event'));
    const timer = setTimeout(() => finish(new Error(`no matching event within ${timeoutMs} ms`)), timeoutMs);
    stderr.on('data', onData);
    subprocess.once('exit', onExit);
  });
}

export { REPO_ROOT, adminQuery };
