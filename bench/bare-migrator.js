#!/usr/bin/env node
// The baseline: Kysely's own Migrator and FileMigrationProvider in one process, over the same
// tenants at the same concurrency as tenantctl, with no locks, guard or audit. It runs as its own
// process so that its wall time and peak RSS are measured exactly like tenantctl's.
//
// Usage: node bench/bare-migrator.js JOB.json migrate|status
// JOB.json: { "urls": [...], "migrationsDir": "...", "concurrency": 8, "applicationName": "..." }
// Prints one JSON line with the number of tenants and migrations applied; exits 1 if any failed.
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';

import { FileMigrationProvider, Kysely, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';

import { forEachBounded } from './fleet.js';

const [jobFile, mode = 'migrate'] = process.argv.slice(2);
if (jobFile === undefined || (mode !== 'migrate' && mode !== 'status')) {
  process.stderr.write('usage: node bench/bare-migrator.js JOB.json migrate|status\n');
  process.exit(2);
}

const job = JSON.parse(readFileSync(jobFile, 'utf8'));
let tenants = 0;
let applied = 0;
let pending = 0;
const failures = [];

await forEachBounded(job.urls, job.concurrency, async (url) => {
  // One connection per tenant, like tenantctl, so that both hold at most `concurrency` connections.
  const pool = new pg.Pool({ connectionString: url, max: 1, application_name: job.applicationName });
  const db = new Kysely({ dialect: new PostgresDialect({ pool }) });
  const migrator = new Migrator({ db, provider: new FileMigrationProvider({ fs, path, migrationFolder: job.migrationsDir }) });

  try {
    if (mode === 'migrate') {
      const { error, results } = await migrator.migrateToLatest();
      if (error !== undefined) {
        failures.push(`${url}: ${error instanceof Error ? error.message : String(error)}`);
      }

      applied += (results ?? []).filter((result) => result.status === 'Success').length;
    } else {
      const migrations = await migrator.getMigrations();
      pending += migrations.filter((migration) => migration.executedAt === undefined).length;
    }

    tenants += 1;
  } finally {
    await db.destroy();
  }
});

process.stdout.write(`${JSON.stringify({ mode, tenants, applied, pending, failed: failures.length })}\n`);
if (failures.length > 0) {
  process.stderr.write(`${failures.slice(0, 5).join('\n')}\n`);
  process.exitCode = 1;
}
