import { type Kysely, sql } from 'kysely';

// People who sign in; each belongs to one account, and an email is unique across the tenant.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('account_id', 'bigint', (col) => col.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('email', 'varchar(320)', (col) => col.notNull())
    .addColumn('display_name', 'varchar(200)')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema.createIndex('users_email_unique').on('users').expression(sql`lower(email)`).unique().execute();
  await db.schema.createIndex('users_account_id_idx').on('users').column('account_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('users').execute();
}
