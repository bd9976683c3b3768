import { randomBytes } from 'node:crypto';

import pg from 'pg';

/** Admin URL of the PostgreSQL server the tests use; TEST_PG_URL overrides it. */
export const ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Returns a unique database name for this test run, e.g. `tct_ab12cd_acme`. */
export function uniqueDatabaseName(label: string): string {
  return `tct_${randomBytes(3).toString('hex')}_${label}`.toLowerCase();
}

/** Runs one statement as the admin user on the `postgres` database. */
export async function adminQuery<T extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<T>> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await client.query<T>(text, values);
  } finally {
    await client.end();
  }
}

export async function createDatabase(name: string): Promise<void> {
  await adminQuery(`create database "${name}"`);
}

/** Drops a database, closing any connection still open to it. */
export async function dropDatabase(name: string): Promise<void> {
  await adminQuery(`drop database if exists "${name}" with (force)`);
}

/** Returns a connection URL for a database on the test server. */
export function databaseUrl(name: string, user = 'postgres', password?: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  url.username = user;
  url.password = password === undefined ? '' : encodeURIComponent(password);
  return url.toString();
}

/** Runs a query against one database and closes the connection. */
export async function queryDatabase<T extends pg.QueryResultRow = pg.QueryResultRow>(database: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl(database) });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Lists the applied Kysely migrations of a database; empty when it was never migrated. */
export async function appliedMigrations(database: string): Promise<string[]> {
  const rows = await queryDatabase<{ name: string }>(
    database,
    `select name from kysely_migration where to_regclass('kysely_migration') is not null order by name`,
  ).catch((error: { code?: string }) => {
    if (error.code === '42P01') {
      return [];
    }

    throw error;
  });
  return rows.map((row) => row.name);
}

/** Counts server connections whose application_name starts with the prefix. */
export async function countConnections(applicationPrefix: string): Promise<number> {
  const result = await adminQuery<{ count: string }>(`select count(*) from pg_stat_activity where application_name like $1`, [`${applicationPrefix}%`]);
  return Number(result.rows[0]?.count ?? 0);
}

/** Counts server connections to the given databases, from any client. */
export async function countConnectionsTo(databases: readonly string[]): Promise<number> {
  const result = await adminQuery<{ count: string }>(`select count(*) from pg_stat_activity where datname = any($1)`, [databases]);
  return Number(result.rows[0]?.count ?? 0);
}
