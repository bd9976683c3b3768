import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { MigrationLoadError } from '../../src/errors.js';
import { loadMigrations, pickMigration } from '../../src/migrations/load-migrations.js';
import { EXAMPLE_MIGRATIONS, tempDir } from '../helpers/cli.js';

const TS_MIGRATION = `import { sql, type Kysely } from 'kysely';
export async function up(db: Kysely<any>): Promise<void> {
  await sql\`select 1\`.execute(db);
}
export async function down(db: Kysely<any>): Promise<void> {
  await sql\`select 2\`.execute(db);
}
`;

const JS_MIGRATION = `export async function up(db) {}\n`;

/** Writes the files into a new temporary folder and returns its path. */
function folderWith(files: Record<string, string>): string {
  const dir = tempDir('load-migrations');
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, name);
    if (name.endsWith('/')) {
      mkdirSync(path);
    } else {
      writeFileSync(path, text);
    }
  }

  return dir;
}

async function loadError(dir: string): Promise<MigrationLoadError> {
  try {
    await loadMigrations(dir);
  } catch (error) {
    if (error instanceof MigrationLoadError) {
      return error;
    }

    throw error;
  }

  throw new Error(`expected ${dir} to fail to load`);
}

describe('loadMigrations loads', () => {
  it('example migrations in name order', async () => {
    const set = await loadMigrations(EXAMPLE_MIGRATIONS);
    const names = set.migrations.map((migration) => migration.name);

    expect(names.length).toBeGreaterThanOrEqual(6);
    expect(names).toEqual([...names].sort());
    expect(names[0]).toBe('0001_create_plans_and_accounts');
  });

  it('TypeScript and JavaScript files', async () => {
    const dir = folderWith({
      '0003_c.mjs': JS_MIGRATION,
      '0001_a.ts': TS_MIGRATION,
      '0002_b.js': JS_MIGRATION,
      '0004_d.cjs': 'exports.up = async function up(db) {};\n',
      '0005_e.mts': TS_MIGRATION,
    });

    const set = await loadMigrations(dir);

    expect(set.migrations.map((migration) => migration.name)).toEqual(['0001_a', '0002_b', '0003_c', '0004_d', '0005_e']);
    expect(typeof set.migrations[0]?.down).toBe('function');
    expect(set.migrations[1]?.down).toBeUndefined();
  });

  it('default export object', async () => {
    const dir = folderWith({ '0001_a.ts': 'export default { up: async () => {}, down: async () => {} };\n' });

    const set = await loadMigrations(dir);

    expect(typeof set.migrations[0]?.up).toBe('function');
    expect(typeof set.migrations[0]?.down).toBe('function');
  });

  // Vitest transforms these files itself, so the namespace shapes that Node gives CommonJS files
  // are checked on pickMigration below and through the built CLI in test/e2e/migrate-module-formats.test.ts.
  it.each([
    ['.cjs object of arrows', '0001_a.cjs', 'module.exports = { up: async (db) => {}, down: async (db) => {} };\n'],
    ['.cjs object of methods', '0001_a.cjs', 'module.exports = {\n  async up(db) {},\n  async down(db) {},\n};\n'],
    ['.cjs exports properties', '0001_a.cjs', 'exports.up = async function up(db) {};\nexports.down = async function down(db) {};\n'],
    ['.mjs named exports', '0001_a.mjs', 'export async function up(db) {}\nexport async function down(db) {}\n'],
    ['.mjs default export', '0001_a.mjs', 'export default { up: async (db) => {}, down: async (db) => {} };\n'],
    ['.ts named exports', '0001_a.ts', TS_MIGRATION],
  ])('up and down from %s', async (_label, file, text) => {
    const set = await loadMigrations(folderWith({ [file]: text }));

    expect(set.migrations).toHaveLength(1);
    expect(typeof set.migrations[0]?.up).toBe('function');
    expect(typeof set.migrations[0]?.down).toBe('function');
  });

  it('.cjs without down has no down', async () => {
    const set = await loadMigrations(folderWith({ '0001_a.cjs': 'module.exports = { up: async (db) => {} };\n' }));

    expect(typeof set.migrations[0]?.up).toBe('function');
    expect(set.migrations[0]?.down).toBeUndefined();
  });

  it('ignores dotfiles, docs and folders', async () => {
    const dir = folderWith({
      '0001_a.ts': TS_MIGRATION,
      '.eslintrc.js': 'module.exports = {};\n',
      'types.d.ts': 'export {};\n',
      '0001_a.js.map': '{}',
      'README.md': '# migrations\n',
      'notes.txt': 'notes\n',
      'helpers/': '',
    });

    const set = await loadMigrations(dir);

    expect(set.migrations.map((migration) => migration.name)).toEqual(['0001_a']);
    expect([...set.ignored].sort()).toEqual(['.eslintrc.js', '0001_a.js.map', 'README.md', 'helpers/', 'notes.txt', 'types.d.ts']);
  });

  it('empty folder as no migrations', async () => {
    const set = await loadMigrations(folderWith({}));

    expect(set.migrations).toEqual([]);
  });
});

describe('loadMigrations rejects', () => {
  it('missing folder', async () => {
    const missing = join(tempDir('load-missing'), 'nope');
    const error = await loadError(missing);

    expect(error.code).toBe('MIGRATIONS_INVALID');
    expect(error.message).toContain(`  - ${missing}: the folder does not exist`);
    expect(error.message).not.toContain('  - .:');
  });

  it('file instead of folder', async () => {
    const dir = folderWith({ 'file.ts': TS_MIGRATION });

    const error = await loadError(join(dir, 'file.ts'));

    expect(error.message).toContain('not a folder');
  });

  it('every bad file at once', async () => {
    const dir = folderWith({
      '0001_ok.ts': TS_MIGRATION,
      '0002_schema.sql': 'create table x ();\n',
      '0003_no_up.ts': 'export const down = async () => {};\n',
      '0004_bad_down.ts': 'export const up = async () => {}; export const down = 42;\n',
      '0005_syntax.ts': 'export async function up( {\n',
      '0006_twin.ts': TS_MIGRATION,
      '0006_twin.js': JS_MIGRATION,
      '0007_throws.js': 'throw new Error("broken on import");\n',
    });

    const error = await loadError(dir);
    const byFile = new Map(error.issues.map((issue) => [issue.file.split('/').at(-1), issue.message]));

    expect(byFile.get('0002_schema.sql')).toContain('is not a migration');
    expect(byFile.get('0003_no_up.ts')).toContain('exports no `up` function');
    expect(byFile.get('0004_bad_down.ts')).toContain('not a function');
    expect(byFile.get('0005_syntax.ts')).toContain('failed to load');
    expect(byFile.get('0007_throws.js')).toContain('broken on import');
    expect(error.issues.some((issue) => issue.message.includes('same migration name "0006_twin"'))).toBe(true);
    expect(error.issues).toHaveLength(6);
  });
});

describe('pickMigration', () => {
  const up = async (): Promise<void> => {};
  const down = async (): Promise<void> => {};

  it('CommonJS namespace with down on default', () => {
    // Node's CommonJS export detection stops at the first arrow function in `module.exports = {...}`.
    const picked = pickMigration({ up, default: { up, down } });

    expect(picked?.up).toBe(up);
    expect(picked?.down).toBe(down);
  });

  it('ESM named exports', () => {
    const picked = pickMigration({ up, down });

    expect(picked?.up).toBe(up);
    expect(picked?.down).toBe(down);
  });

  it('ESM default export object', () => {
    const picked = pickMigration({ default: { up, down } });

    expect(picked?.up).toBe(up);
    expect(picked?.down).toBe(down);
  });

  it('named exports beside unrelated default', () => {
    const picked = pickMigration({ up, down, default: { name: 'not a migration' } });

    expect(picked?.up).toBe(up);
    expect(picked?.down).toBe(down);
  });

  it('module without up', () => {
    expect(pickMigration({ default: { down } })?.up).toBeUndefined();
    expect(pickMigration(undefined)).toBeUndefined();
  });
});
