import type pg from 'pg';

import type { LoadedMigration } from './load-migrations.js';

/** Kysely's default bookkeeping table, read without creating anything. */
export const MIGRATION_TABLE = 'kysely_migration';

export interface MigrationState {
  /** False when Kysely's bookkeeping table does not exist yet. */
  initialized: boolean;
  /** Applied migration names, ordered as Kysely orders them (timestamp, then name). */
  applied: string[];
  /** When each applied migration ran, as Kysely stored it (ISO text). */
  appliedAt: Map<string, string>;
}

/** What a tenant needs, judged from its state and the migration folder. */
export type MigrationPlan =
  | { kind: 'none' }
  | { kind: 'up'; names: string[] }
  | { kind: 'down'; names: string[] }
  | { kind: 'invalid'; message: string };

/**
 * Reads the applied migrations in one query and never creates anything. A missing table
 * (SQLSTATE 42P01) means the tenant was never migrated. The client goes back to the pool healthy
 * in that case too: `pool.query` would discard it, and the migration would open a second connection.
 */
export async function readMigrationState(pool: pg.Pool): Promise<MigrationState> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const result = await client.query<{ name: string; timestamp: string }>(`select name, "timestamp" from ${MIGRATION_TABLE}`);
    const rows = result.rows.slice().sort((a, b) => {
      const byTime = new Date(a.timestamp).getTime() - new Date(b.timestamp).getTime();
      return byTime !== 0 ? byTime : a.name.localeCompare(b.name);
    });
    return { initialized: true, applied: rows.map((row) => row.name), appliedAt: new Map(rows.map((row) => [row.name, row.timestamp])) };
  } catch (error) {
    if ((error as { code?: unknown }).code === '42P01') {
      return { initialized: false, applied: [], appliedAt: new Map() };
    }

    broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.release(broken);
  }
}

/** How a tenant's applied migrations relate to the migrations folder. */
export interface MigrationComparison {
  /** Applied migrations that no file in the folder provides any more. */
  missing: string[];
  /**
   * Migrations in the folder that were never applied but sort before the last applied one. Kysely
   * rejects them, so they can never run without a rename.
   */
  outOfOrder: string[];
  /** Migrations in the folder that were never applied, in name order (out-of-order ones included). */
  pending: string[];
}

/** Compares the applied migrations with the folder, without stopping at the first problem. */
export function compareMigrations(state: MigrationState, migrations: readonly LoadedMigration[]): MigrationComparison {
  const names = migrations.map((migration) => migration.name);
  const known = new Set(names);
  const applied = new Set(state.applied);
  const lastApplied = [...state.applied].filter((name) => known.has(name)).sort().at(-1);

  const pending = names.filter((name) => !applied.has(name));
  return {
    missing: state.applied.filter((name) => !known.has(name)),
    outOfOrder: lastApplied === undefined ? [] : pending.filter((name) => name < lastApplied),
    pending,
  };
}

/**
 * Compares the applied migrations with the folder, with Kysely's rules: every applied migration
 * must still exist, and the applied ones must be the first ones in name order (a new migration may
 * not sort before one already applied). `to` names the migration to end at, up or down.
 */
export function planMigrations(state: MigrationState, migrations: readonly LoadedMigration[], to?: string): MigrationPlan {
  const names = migrations.map((migration) => migration.name);
  const known = new Set(names);

  const missing = state.applied.filter((name) => !known.has(name));
  if (missing.length > 0) {
    return { kind: 'invalid', message: `applied migration ${missing.map((name) => `"${name}"`).join(', ')} is missing from the migrations folder; restore the file` };
  }

  for (let index = 0; index < state.applied.length; index++) {
    if (names[index] !== state.applied[index]) {
      return {
        kind: 'invalid',
        message: `migration "${names[index]}" sorts before the applied "${state.applied[index]}" but was never applied; rename it to sort after the newest migration in the folder (${names.at(-1)})`,
      };
    }
  }

  if (to === undefined) {
    const pending = names.slice(state.applied.length);
    return pending.length === 0 ? { kind: 'none' } : { kind: 'up', names: pending };
  }

  const target = names.indexOf(to);
  const appliedCount = state.applied.length;
  if (target + 1 === appliedCount) {
    return { kind: 'none' };
  }

  if (target + 1 > appliedCount) {
    return { kind: 'up', names: names.slice(appliedCount, target + 1) };
  }

  // Kysely's Migrator skips a migration without `down` and still reports success, so a down plan
  // that passes one would leave the tenant above the target.
  const down = state.applied.slice(target + 1).reverse();
  const byName = new Map(migrations.map((migration) => [migration.name, migration]));
  const blocker = down.find((name) => byName.get(name)?.down === undefined);
  if (blocker !== undefined) {
    return {
      kind: 'invalid',
      message: `${blocker} has no down function, so tenantctl cannot migrate below it; add a down or choose --to ${blocker} or later`,
    };
  }

  return { kind: 'down', names: down };
}
