import { describe, expect, it } from 'vitest';

import type { LoadedMigration } from '../../src/migrations/load-migrations.js';
import { compareMigrations, type MigrationState, planMigrations } from '../../src/migrations/migration-state.js';

const noop = async (): Promise<void> => {};

function migration(name: string, withDown = true): LoadedMigration {
  return { name, file: `/migrations/${name}.ts`, up: noop, ...(withDown ? { down: noop } : {}) };
}

function stateWith(applied: string[]): MigrationState {
  return { initialized: true, applied, appliedAt: new Map(applied.map((name) => [name, '2024-01-01T00:00:00.000Z'])) };
}

const FOLDER = [migration('0001_a'), migration('0002_b'), migration('0003_nodown', false), migration('0004_d')];

describe('planMigrations down', () => {
  it('reverts migrations that have down', () => {
    const plan = planMigrations(stateWith(['0001_a', '0002_b', '0003_nodown', '0004_d']), FOLDER, '0003_nodown');

    expect(plan).toEqual({ kind: 'down', names: ['0004_d'] });
  });

  it('rejects passing a migration without down', () => {
    const plan = planMigrations(stateWith(['0001_a', '0002_b', '0003_nodown', '0004_d']), FOLDER, '0001_a');

    expect(plan.kind).toBe('invalid');
    expect(plan.kind === 'invalid' ? plan.message : '').toBe(
      '0003_nodown has no down function, so tenantctl cannot migrate below it; add a down or choose --to 0003_nodown or later',
    );
  });

  it('names the newest migration without down', () => {
    const folder = [migration('0001_a'), migration('0002_nodown', false), migration('0003_nodown', false)];
    const plan = planMigrations(stateWith(['0001_a', '0002_nodown', '0003_nodown']), folder, '0001_a');

    expect(plan.kind === 'invalid' ? plan.message : '').toMatch(/^0003_nodown has no down function/);
  });

  it('plans up past a migration without down', () => {
    const plan = planMigrations(stateWith(['0001_a']), FOLDER, '0004_d');

    expect(plan).toEqual({ kind: 'up', names: ['0002_b', '0003_nodown', '0004_d'] });
  });
});

describe('compareMigrations', () => {
  it('ignores missing down functions', () => {
    const comparison = compareMigrations(stateWith(['0001_a', '0002_b', '0003_nodown']), FOLDER);

    expect(comparison).toEqual({ missing: [], outOfOrder: [], pending: ['0004_d'] });
  });
});

describe('planMigrations out of order', () => {
  it('names newest migration in folder', () => {
    const plan = planMigrations(stateWith(['0001_a', '0002_b', '0004_d']), FOLDER);

    expect(plan.kind).toBe('invalid');
    expect(plan.kind === 'invalid' ? plan.message : '').toBe(
      'migration "0003_nodown" sorts before the applied "0004_d" but was never applied; rename it to sort after the newest migration in the folder (0004_d)',
    );
  });

  it('gives same advice on every tenant', () => {
    const folder = [...FOLDER, migration('0005_e')];
    const behind = planMigrations(stateWith(['0001_a', '0002_b', '0004_d']), folder);
    const ahead = planMigrations(stateWith(['0001_a', '0002_b', '0004_d', '0005_e']), folder);

    expect(behind.kind === 'invalid' ? behind.message : '').toMatch(/newest migration in the folder \(0005_e\)$/);
    expect(ahead.kind === 'invalid' ? ahead.message : '').toMatch(/newest migration in the folder \(0005_e\)$/);
  });
});
