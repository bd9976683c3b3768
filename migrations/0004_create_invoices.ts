import { type Kysely, sql } from 'kysely';

// Invoices per account; the partial index serves the "open invoices" screen.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('invoices')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('account_id', 'bigint', (col) => col.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('number', 'varchar(40)', (col) => col.notNull().unique())
    .addColumn('amount_cents', 'integer', (col) => col.notNull().check(sql`amount_cents >= 0`))
    .addColumn('status', 'varchar(20)', (col) => col.notNull().defaultTo('open').check(sql`status in ('open', 'paid', 'void')`))
    .addColumn('issued_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema.createIndex('invoices_account_id_idx').on('invoices').column('account_id').execute();
  await db.schema.createIndex('invoices_open_idx').on('invoices').column('issued_at').where(sql.ref('status'), '=', 'open').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('invoices').execute();
}
