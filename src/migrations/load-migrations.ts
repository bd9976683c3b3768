import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import type { Jiti } from 'jiti';
import type { Kysely, Migration } from 'kysely';

import { printable } from '../config/printable.js';
import { MigrationLoadError, type MigrationFileIssue, errorMessage } from '../errors.js';

/** One migration file, loaded. */
export interface LoadedMigration {
  name: string;
  file: string;
  up: (db: Kysely<any>) => Promise<void>;
  down?: (db: Kysely<any>) => Promise<void>;
}

/** The migrations of a folder, sorted by name as Kysely's Migrator sorts them. */
export interface MigrationSet {
  directory: string;
  migrations: readonly LoadedMigration[];
  /** Names of files that were skipped on purpose (dotfiles, declarations, docs). */
  ignored: readonly string[];
}

const CODE_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs']);
const NATIVE_EXTENSIONS = new Set(['.js', '.mjs', '.cjs']);
const IGNORED_SUFFIXES = ['.d.ts', '.d.mts', '.d.cts', '.map', '.md', '.txt'];
const MAX_NAME_LENGTH = 255;

/**
 * Loads every migration of a folder once, TypeScript included (through jiti, so users need no
 * build step). Every problem of every file is collected and thrown at once as a MigrationLoadError.
 */
export async function loadMigrations(directory: string): Promise<MigrationSet> {
  const entries = await listFolder(directory);
  const issues: MigrationFileIssue[] = [];
  const ignored: string[] = [];
  const candidates: Array<{ name: string; file: string }> = [];
  const fileByName = new Map<string, string>();

  for (const entry of entries) {
    if (entry.startsWith('.') || IGNORED_SUFFIXES.some((suffix) => entry.endsWith(suffix))) {
      ignored.push(entry);
      continue;
    }

    const path = join(directory, entry);
    if ((await stat(path)).isDirectory()) {
      ignored.push(`${entry}/`);
      continue;
    }

    const extension = extname(entry);
    if (!CODE_EXTENSIONS.has(extension)) {
      issues.push({ file: printable(entry), message: 'is not a migration; migrations are .ts, .mts, .cts, .js, .mjs or .cjs files. Move other files out of the folder' });
      continue;
    }

    const name = entry.slice(0, -extension.length);
    const nameProblem = checkName(name);
    if (nameProblem !== undefined) {
      issues.push({ file: printable(entry), message: nameProblem });
      continue;
    }

    const twin = fileByName.get(name);
    if (twin !== undefined) {
      issues.push({ file: entry, message: `has the same migration name "${name}" as ${twin}; keep one of them` });
      continue;
    }

    fileByName.set(name, entry);
    candidates.push({ name, file: path });
  }

  const migrations = await importAll(candidates, issues);
  if (issues.length > 0) {
    throw new MigrationLoadError(directory, issues);
  }

  migrations.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { directory, migrations, ignored };
}

async function listFolder(directory: string): Promise<string[]> {
  try {
    return await readdir(directory);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? 'the folder does not exist; set --migrations or migrationsDir' : code === 'ENOTDIR' ? 'is not a folder' : `cannot be read: ${errorMessage(error)}`;
    throw new MigrationLoadError(directory, [{ file: directory, message }], { cause: error });
  }
}

function checkName(name: string): string | undefined {
  if (name.length === 0) {
    return 'has an empty migration name';
  }

  if (name.length > MAX_NAME_LENGTH) {
    return `has a name of ${name.length} characters; Kysely stores at most ${MAX_NAME_LENGTH}`;
  }

  if (/[\u0000-\u001f\u007f]/.test(name)) {
    return 'has a control character in its name; rename the file';
  }

  return undefined;
}

async function importAll(candidates: ReadonlyArray<{ name: string; file: string }>, issues: MigrationFileIssue[]): Promise<LoadedMigration[]> {
  const loader = new ModuleLoader();
  const loaded: LoadedMigration[] = [];

  for (const candidate of candidates) {
    let module: unknown;
    try {
      module = await loader.load(candidate.file);
    } catch (error) {
      issues.push({ file: candidate.file, message: `failed to load: ${firstLines(errorMessage(error))}` });
      continue;
    }

    const migration = pickMigration(module);
    if (typeof migration?.up !== 'function') {
      issues.push({ file: candidate.file, message: 'exports no `up` function; export `async function up(db: Kysely<any>)` (and optionally `down`)' });
      continue;
    }

    if (migration.down !== undefined && typeof migration.down !== 'function') {
      issues.push({ file: candidate.file, message: 'exports `down`, but it is not a function' });
      continue;
    }

    loaded.push({ name: candidate.name, file: candidate.file, up: migration.up, ...(migration.down === undefined ? {} : { down: migration.down }) });
  }

  return loaded;
}

/**
 * Loads JavaScript migrations with Node's own import (fast, no transform) and TypeScript through
 * jiti, created only when a file needs it. A JavaScript file that Node cannot load as it is (for
 * example it imports kysely from a folder without node_modules) is retried through jiti.
 */
class ModuleLoader {
  #jiti: Jiti | undefined;

  async load(file: string): Promise<unknown> {
    if (!NATIVE_EXTENSIONS.has(extname(file))) {
      return (await this.#loader()).import(file);
    }

    try {
      // The modification time in the URL makes a changed file load anew within one process.
      const { mtimeMs } = await stat(file);
      return await import(`${pathToFileURL(file).href}?mtime=${mtimeMs}`);
    } catch {
      return (await this.#loader()).import(file);
    }
  }

  async #loader(): Promise<Jiti> {
    if (this.#jiti === undefined) {
      const { createJiti } = await import('jiti');
      this.#jiti = createJiti(import.meta.url, {
        moduleCache: false,
        interopDefault: true,
        // User migrations import kysely; resolving it to tenantctl's copy means they need no install of their own.
        alias: { kysely: fileURLToPath(import.meta.resolve('kysely')) },
      });
    }

    return this.#jiti;
  }
}

/**
 * Picks the object that holds `up` and `down`: the default export when it is an object with an `up`
 * function, otherwise the module namespace. The default comes first because for a CommonJS file
 * (`module.exports = { up, down }`) Node's export detection may expose `up` as a named export but
 * `down` only on `default`.
 */
export function pickMigration(module: unknown): Partial<Migration> | undefined {
  if (typeof module !== 'object' || module === null) {
    return undefined;
  }

  const record = module as Record<string, unknown>;
  const defaultExport = record.default;
  if (typeof defaultExport === 'object' && defaultExport !== null && typeof (defaultExport as Record<string, unknown>).up === 'function') {
    return defaultExport as Partial<Migration>;
  }

  return record as Partial<Migration>;
}

function firstLines(message: string): string {
  const lines = message.split('\n').filter((line) => line.trim() !== '');
  return lines.slice(0, 4).join(' | ');
}
