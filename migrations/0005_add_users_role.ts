import { type Kysely, sql } from 'kysely';

// Adds a role column; existing rows get the default, so the NOT NULL holds at once.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('role', 'varchar(20)', (col) => col.notNull().defaultTo('member').check(sql`role in ('owner', 'admin', 'member')`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('role').execute();
}
