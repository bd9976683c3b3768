import type { Kysely } from 'kysely';

// The product now calls projects "workspaces"; the table, its constraint and the index follow.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('projects').renameTo('workspaces').execute();
  await db.schema.alterTable('workspaces').renameConstraint('projects_account_name_unique', 'workspaces_account_name_unique').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('workspaces').renameConstraint('workspaces_account_name_unique', 'projects_account_name_unique').execute();
  await db.schema.alterTable('workspaces').renameTo('projects').execute();
}
