// The benchmark's tenant fleet: N empty databases on the local server, the five migrations they
// get, and the tenantctl config and bare-Migrator job that point at them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import pg from 'pg';

/** Admin connections used to create, reset and drop databases in parallel. */
const ADMIN_PARALLELISM = 4;

/** Tables the five benchmark migrations and Kysely's Migrator create in every tenant. */
const TENANT_TABLES = ['bench_users', 'bench_accounts', 'kysely_migration', 'kysely_migration_lock'];

// Five small migrations, like the first migrations of a real service: tables, an index, seed rows
// and a column. Plain ESM without imports, so that both tenantctl (through jiti) and Kysely's
// FileMigrationProvider (through import()) load the same files without resolving packages.
const MIGRATIONS = {
  '0001_create_accounts.mjs': `export async function up(db) {
  await db.schema
    .createTable('bench_accounts')
    .addColumn('id', 'serial', (column) => column.primaryKey())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('plan', 'text', (column) => column.notNull().defaultTo('free'))
    .execute();
}

export async function down(db) {
  await db.schema.dropTable('bench_accounts').execute();
}
`,
  '0002_index_account_names.mjs': `export async function up(db) {
  await db.schema.createIndex('bench_accounts_name_idx').on('bench_accounts').column('name').execute();
}

export async function down(db) {
  await db.schema.dropIndex('bench_accounts_name_idx').execute();
}
`,
  '0003_create_users.mjs': `export async function up(db) {
  await db.schema
    .createTable('bench_users')
    .addColumn('id', 'serial', (column) => column.primaryKey())
    .addColumn('account_id', 'integer', (column) => column.notNull().references('bench_accounts.id'))
    .addColumn('email', 'text', (column) => column.notNull().unique())
    .execute();
}

export async function down(db) {
  await db.schema.dropTable('bench_users').execute();
}
`,
  '0004_seed_accounts.mjs': `export async function up(db) {
  await db.insertInto('bench_accounts').values([{ name: 'first' }, { name: 'second', plan: 'team' }, { name: 'third' }]).execute();
}

export async function down(db) {
  await db.deleteFrom('bench_accounts').execute();
}
`,
  '0005_add_users_role.mjs': `export async function up(db) {
  await db.schema.alterTable('bench_users').addColumn('role', 'text', (column) => column.notNull().defaultTo('member')).execute();
}

export async function down(db) {
  await db.schema.alterTable('bench_users').dropColumn('role').execute();
}
`,
};

export const MIGRATION_COUNT = Object.keys(MIGRATIONS).length;

/** Writes the five benchmark migrations into `directory`. */
export function writeMigrations(directory) {
  mkdirSync(directory, { recursive: true });
  for (const [file, text] of Object.entries(MIGRATIONS)) {
    writeFileSync(join(directory, file), text);
  }
}

/** Runs `task` over `items` with at most `limit` at once; the first error rejects. */
export async function forEachBounded(items, limit, task) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      await task(item);
    }
  };

  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Returns the URL of database `name` on the server of `adminUrl`. */
export function databaseUrl(adminUrl, name) {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A set of tenant databases named `<prefix>_0001`, `<prefix>_0002`, ... Every database this object
 * created is remembered, so that `dropAll` removes them even after a partial failure.
 */
export class Fleet {
  #adminUrl;
  #prefix;
  #created = [];

  constructor(adminUrl, prefix) {
    this.#adminUrl = adminUrl;
    this.#prefix = prefix;
  }

  get names() {
    return [...this.#created];
  }

  /** Returns the alias of tenant `index` (1-based): `t0001`. */
  static alias(index) {
    return `t${String(index).padStart(4, '0')}`;
  }

  /** Creates databases until the fleet has `count` of them. */
  async growTo(count) {
    const missing = [];
    for (let index = this.#created.length + 1; index <= count; index++) {
      missing.push(`${this.#prefix}_${String(index).padStart(4, '0')}`);
    }

    await this.#withAdminClients(missing, async (client, name) => {
      await client.query(`create database "${name}"`);
      this.#created.push(name);
    });
    this.#created.sort();
  }

  /** Drops the benchmark's tables from the first `count` databases, so that every migration is pending again. */
  async reset(count = this.#created.length) {
    const names = this.#created.slice(0, count);
    await forEachBounded(names, ADMIN_PARALLELISM, async (name) => {
      const client = new pg.Client({ connectionString: databaseUrl(this.#adminUrl, name), application_name: 'tcbench-admin' });
      await client.connect();
      try {
        await client.query(`drop table if exists ${TENANT_TABLES.join(', ')} cascade`);
      } finally {
        await client.end();
      }
    });
  }

  /** Drops every database this fleet created, closing connections still open to them. */
  async dropAll() {
    const names = this.#created.slice();
    await this.#withAdminClients(names, async (client, name) => {
      await client.query(`drop database if exists "${name}" with (force)`);
      this.#created.splice(this.#created.indexOf(name), 1);
    });
  }

  /** Writes a tenantctl config for the first `count` tenants and returns its path. */
  writeConfig(directory, { count, migrationsDir, auditLog, lockPrefix, redisUrl }) {
    const databases = {};
    for (let index = 1; index <= count; index++) {
      databases[Fleet.alias(index)] = databaseUrl(this.#adminUrl, this.#created[index - 1]);
    }

    const config = {
      tenantMappings: {},
      databases,
      migrationDatabases: Object.keys(databases),
      migrationsDir,
      auditLog,
      redis: { url: redisUrl },
      lock: { prefix: lockPrefix },
    };
    const path = join(directory, `tenantctl-${count}.config.json`);
    writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`);
    return path;
  }

  /** Writes the bare Migrator's job (tenant URLs, folder, concurrency) and returns its path. */
  writeBareJob(directory, { count, migrationsDir, concurrency, applicationName }) {
    const job = {
      urls: this.#created.slice(0, count).map((name) => databaseUrl(this.#adminUrl, name)),
      migrationsDir,
      concurrency,
      applicationName,
    };
    const path = join(directory, `bare-${count}-c${concurrency}.json`);
    writeFileSync(path, `${JSON.stringify(job)}\n`);
    return path;
  }

  async #withAdminClients(names, task) {
    const clients = [];
    try {
      for (let index = 0; index < Math.min(ADMIN_PARALLELISM, names.length); index++) {
        const client = new pg.Client({ connectionString: this.#adminUrl, application_name: 'tcbench-admin' });
        await client.connect();
        clients.push(client);
      }

      const idle = clients.slice();
      await forEachBounded(names, clients.length, async (name) => {
        const client = idle.pop();
        try {
          await task(client, name);
        } finally {
          idle.push(client);
        }
      });
    } finally {
      await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
    }
  }
}
