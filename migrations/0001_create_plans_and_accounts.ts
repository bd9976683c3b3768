import { type Kysely, sql } from 'kysely';

// Billing plans and the customer accounts that subscribe to them.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('plans')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('code', 'varchar(50)', (col) => col.notNull().unique())
    .addColumn('name', 'varchar(200)', (col) => col.notNull())
    .addColumn('monthly_price_cents', 'integer', (col) => col.notNull().check(sql`monthly_price_cents >= 0`))
    .execute();

  await db.schema
    .createTable('accounts')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('name', 'varchar(200)', (col) => col.notNull())
    .addColumn('plan_id', 'integer', (col) => col.notNull().references('plans.id').onDelete('restrict'))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema.createIndex('accounts_plan_id_idx').on('accounts').column('plan_id').execute();

  await db
    .insertInto('plans')
    .values([
      { code: 'free', name: 'Free', monthly_price_cents: 0 },
      { code: 'team', name: 'Team', monthly_price_cents: 4900 },
      { code: 'business', name: 'Business', monthly_price_cents: 19900 },
    ])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('accounts').execute();
  await db.schema.dropTable('plans').execute();
}
