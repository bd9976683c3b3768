import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { execa, type Options, type Result } from 'execa';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const BIN = join(REPO_ROOT, 'bin', 'tenantctl.js');
export const EXAMPLE_MIGRATIONS = join(REPO_ROOT, 'migrations');

/** A clean environment: no TENANT_* or TENANTCTL_* variables leak in from the developer's shell. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('TENANT') && key !== 'REDIS_URL' && key !== 'NODE_ENV' && key !== 'FORCE_COLOR') {
      env[key] = value;
    }
  }

  return { ...env, NO_COLOR: '1', ...extra };
}

/** Runs the built CLI as a user would. Never throws on a non-zero exit. */
export async function runTenantctl(args: readonly string[], options: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number } = {}): Promise<Result> {
  const execaOptions: Options = {
    cwd: options.cwd ?? REPO_ROOT,
    env: cleanEnv(options.env),
    extendEnv: false,
    reject: false,
    timeout: options.timeoutMs ?? 60_000,
    stdin: 'ignore',
  };
  return execa('node', [BIN, ...args], execaOptions) as unknown as Promise<Result>;
}

/** Makes a temporary folder for one test. */
export function tempDir(label = 'tenantctl'): string {
  const dir = mkdtempSync(join(tmpdir(), `${label}-`));
  createdDirs.push(dir);
  return dir;
}

const createdDirs: string[] = [];

// Each test file runs in its own worker process, so its folders go when that process exits.
process.on('exit', () => {
  for (const dir of createdDirs) {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Writes a config file into the folder and returns its path. */
export function writeConfig(dir: string, config: Record<string, unknown>, name = 'tenantctl.config.json'): string {
  const path = join(dir, name);
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`);
  return path;
}
