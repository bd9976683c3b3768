#!/usr/bin/env node
// Quick start: creates demo tenant databases on the local PostgreSQL, writes a demo config, and runs
// `tenantctl migrate --all` on them. Run it through `npm run quickstart`, which builds first.
//
// QUICKSTART_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres) and REDIS_URL (default
// redis://127.0.0.1:6379) point it elsewhere; `--reset` drops and recreates the demo databases.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import pg from 'pg';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const adminUrl = new URL(process.env.QUICKSTART_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const reset = process.argv.includes('--reset');

// Three customer tenants that migrations may touch, and one internal database they may not.
const tenants = {
  acme: ['acme.example.test', 'www.acme.example.test'],
  globex: ['globex.example.test'],
  initech: ['initech.example.test'],
  analytics: [],
};
const allowlist = ['acme', 'globex', 'initech'];

function databaseUrl(alias) {
  const url = new URL(adminUrl);
  url.pathname = `/tenantctl_demo_${alias}`;
  return url.toString();
}

const admin = new pg.Client({ connectionString: adminUrl.toString() });
try {
  await admin.connect();
} catch (error) {
  process.stderr.write(`Cannot reach PostgreSQL at ${adminUrl.host}: ${error.message}\nStart it, or set QUICKSTART_PG_URL.\n`);
  process.exit(1);
}

try {
  for (const alias of Object.keys(tenants)) {
    const name = `tenantctl_demo_${alias}`;
    if (reset) {
      await admin.query(`drop database if exists "${name}" with (force)`);
    }

    const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) {
      await admin.query(`create database "${name}"`);
      process.stdout.write(`created database ${name}\n`);
    }
  }
} finally {
  await admin.end();
}

const demoDir = join(root, '.tenantctl-demo');
mkdirSync(demoDir, { recursive: true });
const configPath = join(demoDir, 'tenantctl.config.json');
const config = {
  tenantMappings: Object.fromEntries(Object.entries(tenants).flatMap(([alias, hosts]) => hosts.map((host) => [host, alias]))),
  databases: Object.fromEntries(Object.keys(tenants).map((alias) => [alias, databaseUrl(alias)])),
  migrationDatabases: allowlist,
  migrationsDir: join(root, 'migrations'),
  auditLog: join(demoDir, 'audit.jsonl'),
  lock: { prefix: 'tenantctl-demo:lock:' },
};
writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
process.stdout.write(`wrote ${configPath}\n\n$ tenantctl migrate --all --config ${configPath}\n`);

const run = spawnSync(process.execPath, [join(root, 'bin', 'tenantctl.js'), 'migrate', '--all', '--config', configPath], { stdio: 'inherit' });
process.stdout.write(`\nAudit records: ${config.auditLog}\nRun it again to see every tenant up to date; "analytics" is not in the allowlist, so --all never touches it.\n`);
process.exitCode = run.status ?? 1;
