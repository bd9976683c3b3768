import { type Kysely, sql } from 'kysely';

// Data backfill: the earliest user of each account becomes its owner.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    update users
       set role = 'owner'
     where id in (
       select distinct on (account_id) id
         from users
        order by account_id, created_at, id
     )
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`update users set role = 'member' where role = 'owner'`.execute(db);
}
