import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { loadConfig } from '../../src/config/load-config.js';
import { ConfigError } from '../../src/errors.js';
import { tempDir, writeConfig } from '../helpers/cli.js';

const ACME_URL = 'postgres://app:secret@db1.internal:5432/acme';

/** Loads the configuration and returns the ConfigError it throws; fails the test if it loads. */
function configError(options: Parameters<typeof loadConfig>[0]): ConfigError {
  try {
    loadConfig(options);
  } catch (error) {
    if (error instanceof ConfigError) {
      return error;
    }

    throw error;
  }

  throw new Error('expected loadConfig to throw a ConfigError');
}

describe('config precedence', () => {
  const dir = tempDir('config-precedence');
  writeConfig(dir, { concurrency: 3, databases: { acme: ACME_URL } });

  it('flag beats environment and file', () => {
    const config = loadConfig({ cwd: dir, env: { TENANTCTL_CONCURRENCY: '5' }, flags: { concurrency: 7 } });

    expect(config.concurrency).toBe(7);
    expect(config.sources.get('concurrency')).toBe('flag --concurrency');
  });

  it('environment beats file', () => {
    const config = loadConfig({ cwd: dir, env: { TENANTCTL_CONCURRENCY: '5' } });

    expect(config.concurrency).toBe(5);
    expect(config.sources.get('concurrency')).toBe('environment TENANTCTL_CONCURRENCY');
  });

  it('file beats default', () => {
    const config = loadConfig({ cwd: dir, env: {} });

    expect(config.concurrency).toBe(3);
    expect(config.sources.get('concurrency')).toBe(`file ${join(dir, 'tenantctl.config.json')}`);
  });

  it('default applies when unset', () => {
    const config = loadConfig({ cwd: tempDir('config-empty'), env: {} });

    expect(config.concurrency).toBe(4);
    expect(config.sources.get('concurrency')).toBe('default');
    expect([...config.migrationAllowlist]).toEqual(['default']);
    expect(config.lock.leaseMs).toBe(1_800_000);
  });

  it('--config path beats TENANTCTL_CONFIG', () => {
    const other = writeConfig(dir, { concurrency: 9 }, 'other.json');
    const third = writeConfig(dir, { concurrency: 11 }, 'third.json');

    const config = loadConfig({ cwd: dir, env: { TENANTCTL_CONFIG: third }, configPath: other });

    expect(config.concurrency).toBe(9);
  });

  it('TENANT_DATABASES replaces file databases', () => {
    const config = loadConfig({ cwd: dir, env: { TENANT_DATABASES: JSON.stringify({ globex: 'postgres://app@db2/globex' }) } });

    expect([...config.databases.keys()]).toEqual(['globex']);
  });

  it('relative file paths use file folder', () => {
    const nested = tempDir('config-paths');
    const path = writeConfig(nested, { migrationsDir: './db/migrations', auditLog: 'audit.jsonl' });

    const config = loadConfig({ cwd: '/', env: {}, configPath: path });

    expect(config.migrationsDir).toBe(join(nested, 'db', 'migrations'));
    expect(config.auditLog).toBe(join(nested, 'audit.jsonl'));
  });
});

describe('config validation', () => {
  it('reports every problem at once', () => {
    const dir = tempDir('config-all');
    writeConfig(dir, {
      concurrency: 'many',
      lock: { leaseSeconds: -1 },
      postgres: { statementTimeoutSeconds: 0 },
      concurency: 2,
    });

    const error = configError({ cwd: dir, env: { TENANT_STRICT_MODE: 'maybe' } });
    const keys = error.issues.map((issue) => issue.key);

    expect(keys).toContain('concurrency');
    expect(keys).toContain('lock.leaseSeconds');
    expect(keys).toContain('postgres.statementTimeoutSeconds');
    expect(keys).toContain('concurency');
    expect(keys).toContain('strictMode');
    expect(error.issues.length).toBeGreaterThanOrEqual(5);
  });

  it('each issue names its key', () => {
    const dir = tempDir('config-keys');
    writeConfig(dir, { concurrency: 0, lock: { staleSeconds: 'x' } });

    const error = configError({ cwd: dir, env: {} });

    expect(error.message).toContain('concurrency');
    expect(error.message).toContain('lock.staleSeconds');
  });

  it('rejects unknown top-level key', () => {
    const dir = tempDir('config-unknown');
    writeConfig(dir, { tenantMapping: {} });

    const error = configError({ cwd: dir, env: {} });

    expect(error.issues.map((issue) => issue.key)).toEqual(['tenantMapping']);
    expect(error.issues[0]?.message).toContain('tenantMappings');
  });

  it('rejects unknown nested key', () => {
    const dir = tempDir('config-unknown-nested');
    writeConfig(dir, { redis: { uri: 'redis://127.0.0.1:6379' } });

    const error = configError({ cwd: dir, env: {} });

    expect(error.issues.map((issue) => issue.key)).toEqual(['redis.uri']);
  });

  it('environment error names key and value', () => {
    const error = configError({ cwd: tempDir('config-env-value'), env: { TENANTCTL_CONCURRENCY: 'abc' } });

    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.key).toBe('concurrency');
    expect(error.issues[0]?.source).toBe('environment TENANTCTL_CONCURRENCY');
    expect(error.message).toContain('concurrency (environment TENANTCTL_CONCURRENCY): "abc" is not a number');
  });

  it('environment error hides secret value', () => {
    const error = configError({ cwd: tempDir('config-env-secret'), env: { TENANT_DATABASES: '{"acme": "postgres://app:hunter2@db/acme"' } });

    expect(error.issues[0]?.key).toBe('databases');
    expect(error.issues[0]?.source).toBe('environment TENANT_DATABASES');
    expect(error.message).not.toContain('hunter2');
  });

  it('wrong type gets plain message', () => {
    const dir = tempDir('config-zod-type');
    writeConfig(dir, { lock: { leaseSeconds: 'ten' }, strictMode: 'yes', migrationDatabases: 5 });

    const error = configError({ cwd: dir, env: {} });
    const messages = new Map(error.issues.map((issue) => [issue.key, issue.message]));

    expect(messages.get('lock.leaseSeconds')).toBe('must be a number of seconds, got "ten"');
    expect(messages.get('strictMode')).toBe('must be a boolean (true or false), got "yes"');
    expect(messages.get('migrationDatabases')).toBe('must be a list of aliases (JSON array or comma-separated string), got 5');
    expect(error.message).not.toContain('Invalid input');
  });

  it('range error shows the value', () => {
    const dir = tempDir('config-zod-range');
    writeConfig(dir, { concurrency: 0, lock: { staleSeconds: -5 } });

    const error = configError({ cwd: dir, env: {} });
    const messages = new Map(error.issues.map((issue) => [issue.key, issue.message]));

    expect(messages.get('concurrency')).toBe('must be at least 1, got 0');
    expect(messages.get('lock.staleSeconds')).toBe('must be greater than 0, got -5');
  });

  it('wrong type in secret shows no value', () => {
    const dir = tempDir('config-zod-secret');
    writeConfig(dir, { databases: { acme: 42 }, redis: { url: ['redis://:hunter2@127.0.0.1'] } });

    const error = configError({ cwd: dir, env: {} });
    const messages = new Map(error.issues.map((issue) => [issue.key, issue.message]));

    expect(messages.get('databases.acme')).toBe('must be a string, got a number');
    expect(messages.get('redis.url')).toBe('must be a Redis URL string, got an array');
    expect(error.message).not.toContain('42');
    expect(error.message).not.toContain('hunter2');
  });

  it('lists known keys once', () => {
    const dir = tempDir('config-unknown-many');
    writeConfig(dir, { concurency: 2, databse: {}, lock: { prefx: 'a:' }, zzzzzz: 1 });

    const error = configError({ cwd: dir, env: {} });
    const messages = new Map(error.issues.map((issue) => [issue.key, issue.message]));

    expect(error.message.split('Known keys:')).toHaveLength(2);
    expect(messages.get('concurency')).toBe('unknown key; did you mean "concurrency"?');
    expect(messages.get('databse')).toBe('unknown key; did you mean "databases"?');
    expect(messages.get('lock.prefx')).toBe('unknown key; did you mean "lock.prefix"?');
    expect(messages.get('zzzzzz')).toMatch(/^unknown key\. Known keys: tenantMappings, databases, /);
  });

  it('file issues use one source label', () => {
    const dir = tempDir('config-source-label');
    const path = writeConfig(dir, { concurency: 2 });
    writeFileSync(join(dir, 'broken.json'), '{"concurrency": 2,}\n');

    const unknownKey = configError({ cwd: dir, env: {} });
    const badJson = configError({ cwd: dir, env: {}, configPath: 'broken.json' });

    expect(unknownKey.issues[0]?.source).toBe(`file ${path}`);
    expect(badJson.issues[0]?.source).toBe(`file ${join(dir, 'broken.json')}`);
    expect(badJson.message).toContain(`config (file ${join(dir, 'broken.json')}): the file is not valid JSON`);
  });

  it('rejects heartbeat slower than half window', () => {
    const error = configError({ cwd: tempDir('config-heartbeat'), env: { TENANTCTL_LOCK_STALE_SECONDS: '10', TENANTCTL_LOCK_HEARTBEAT_SECONDS: '6' } });

    expect(error.issues.map((issue) => issue.key)).toContain('lock.heartbeatSeconds');
  });

  it('rejects invalid alias in databases', () => {
    const error = configError({ cwd: tempDir('config-alias'), env: { TENANT_DATABASES: JSON.stringify({ '1acme': ACME_URL }) } });

    expect(error.issues[0]?.key).toBe('databases.1acme');
  });

  it('rejects mapping to undefined alias', () => {
    const env = { TENANT_DATABASES: JSON.stringify({ acme: ACME_URL }), TENANT_MAPPINGS: JSON.stringify({ 'globex.example.com': 'globex' }) };

    const error = configError({ cwd: tempDir('config-mapping'), env });

    expect(error.issues[0]?.key).toBe('tenantMappings.globex.example.com');
    expect(error.issues[0]?.message).toContain('globex');
  });

  it('bad URL reported once, not as undefined alias', () => {
    const env = {
      TENANT_DATABASES: JSON.stringify({ alpha: 'mysql://db1/alpha' }),
      TENANT_MAPPINGS: JSON.stringify({ 'x.example.com': 'alpha' }),
      TENANT_MIGRATION_DATABASES: 'alpha',
    };

    const error = configError({ cwd: tempDir('config-bad-url'), env });

    expect(error.issues.map((issue) => issue.key)).toEqual(['databases.alpha']);
    expect(error.message).not.toContain('which no database defines');
  });
});

describe('config migration allowlist', () => {
  const databases = JSON.stringify({ acme: ACME_URL, default: 'postgres://app@db0/main' });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['only commas', ' , ,'],
  ])('%s TENANT_MIGRATION_DATABASES allows nothing', (_label, value) => {
    const config = loadConfig({ cwd: tempDir('config-allowlist'), env: { TENANT_DATABASES: databases, TENANT_MIGRATION_DATABASES: value } });

    expect(config.migrationAllowlist.size).toBe(0);
  });

  it('empty file list allows nothing', () => {
    const dir = tempDir('config-allowlist-file');
    writeConfig(dir, { migrationDatabases: [] });

    const config = loadConfig({ cwd: dir, env: { TENANT_DATABASES: databases } });

    expect(config.migrationAllowlist.size).toBe(0);
  });

  it('splits and trims comma list', () => {
    const config = loadConfig({ cwd: tempDir('config-allowlist-list'), env: { TENANT_DATABASES: databases, TENANT_MIGRATION_DATABASES: ' acme , default ' } });

    expect([...config.migrationAllowlist].sort()).toEqual(['acme', 'default']);
  });

  it('warns on undefined allowlisted alias', () => {
    const config = loadConfig({ cwd: tempDir('config-allowlist-warn'), env: { TENANT_DATABASES: databases, TENANT_MIGRATION_DATABASES: 'acme,ghost' } });

    expect(config.warnings.map((warning) => warning.message).join('\n')).toContain('"ghost"');
  });
});

describe('config secrets', () => {
  const password = 'Sup3r-S3cret-pw';

  const malformedUrls: Array<[string, string]> = [
    ['hash in password', `postgres://app:${password}#x@db1.internal/acme`],
    ['bad percent escape', `postgres://app:${password}%zz@db1.internal/acme`],
    ['slash in password', `postgres://app:${password}/x@db1.internal/acme`],
    ['question mark in password', `postgres://app:${password}?x@db1.internal/acme`],
    ['port-like password with slash', `postgres://app:5432/${password}@db1.internal`],
    ['port-like password with question mark', `postgres://app:5432?${password}@db1.internal/acme`],
    ['wrong scheme', `mysql://app:${password}@db1.internal/acme`],
    ['no database', `postgres://app:${password}@db1.internal`],
    ['unsupported parameter', `postgres://app@db1.internal/acme?password=${password}`],
    ['no host', `postgres://app:${password}@/acme`],
    ['not a URL', `app:${password}@db1.internal/acme`],
  ];

  it.each(malformedUrls)('no password echoed: %s', (_label, url) => {
    const error = configError({ cwd: tempDir('config-secret'), env: { TENANT_DATABASES: JSON.stringify({ acme: url }) } });
    const text = `${error.message}\n${JSON.stringify(error.issues)}`;

    expect(error.issues.map((issue) => issue.key)).toContain('databases.acme');
    expect(text).not.toContain(password);
    expect(text).not.toContain(encodeURIComponent(password));
  });

  it('no password echoed from file', () => {
    const dir = tempDir('config-secret-file');
    writeConfig(dir, { databases: { acme: `postgres://app:${password}#@db1.internal/acme` } });

    const error = configError({ cwd: dir, env: {} });

    expect(error.issues[0]?.key).toBe('databases.acme');
    expect(error.message).not.toContain(password);
  });

  it('no password echoed from invalid JSON', () => {
    const text = `{"acme": "postgres://app:${password}@db1.internal/acme",}`;

    const error = configError({ cwd: tempDir('config-secret-json'), env: { TENANT_DATABASES: text } });

    expect(error.issues[0]?.key).toBe('databases');
    expect(error.message).not.toContain(password);
  });

  it('no password echoed from non-string value', () => {
    const dir = tempDir('config-secret-type');
    writeConfig(dir, { databases: { acme: { url: `postgres://app:${password}@db1.internal/acme` } } });

    const error = configError({ cwd: dir, env: {} });

    expect(error.issues[0]?.key).toContain('databases');
    expect(error.message).not.toContain(password);
  });

  it('no password echoed from Redis URL', () => {
    const error = configError({ cwd: tempDir('config-secret-redis'), env: { REDIS_URL: `redis://:${password}#@127.0.0.1:6379` } });

    expect(error.issues[0]?.key).toBe('redis.url');
    expect(error.message).not.toContain(password);
  });

  it('no password in loaded config JSON', () => {
    const config = loadConfig({ cwd: tempDir('config-secret-ok'), env: { TENANT_DATABASES: JSON.stringify({ acme: `postgres://app:${encodeURIComponent('p@ss:w/rd#1')}@db1.internal/acme` }) } });

    const text = JSON.stringify(Object.fromEntries(config.databases));

    expect(text).not.toContain('p@ss:w/rd#1');
    expect(text).not.toContain(encodeURIComponent('p@ss:w/rd#1'));
    expect(config.databases.get('acme')?.revealPassword()).toBe('p@ss:w/rd#1');
  });
});

describe('config hostnames and JSON keys', () => {
  const databases = JSON.stringify({ acme: ACME_URL });

  it('normalizes mapped hostnames', () => {
    const env = { TENANT_DATABASES: databases, TENANT_MAPPINGS: JSON.stringify({ 'Acme.Example.COM.:8443': 'acme' }) };

    const config = loadConfig({ cwd: tempDir('config-hosts'), env });

    expect([...config.tenantMappings.keys()]).toEqual(['acme.example.com']);
  });

  it('rejects hosts equal after normalization', () => {
    const env = { TENANT_DATABASES: databases, TENANT_MAPPINGS: JSON.stringify({ 'acme.example.com': 'acme', 'ACME.example.com.': 'acme' }) };

    const error = configError({ cwd: tempDir('config-hosts-twin'), env });

    expect(error.issues[0]?.key).toBe('tenantMappings.ACME.example.com.');
  });

  it('rejects repeated key in environment', () => {
    const env = { TENANT_DATABASES: databases, TENANT_MAPPINGS: '{"acme.example.com": "acme", "acme.example.com": "acme"}' };

    const error = configError({ cwd: tempDir('config-dup-env'), env });

    expect(error.issues[0]?.key).toBe('tenantMappings');
    expect(error.issues[0]?.message).toContain('acme.example.com');
  });

  it('rejects repeated key in file', () => {
    const dir = tempDir('config-dup-file');
    writeFileSync(join(dir, 'tenantctl.config.json'), '{"databases": {"acme": "postgres://a@h/acme", "acme": "postgres://a@h/other"}}\n');

    const error = configError({ cwd: dir, env: {} });

    expect(error.issues[0]?.key).toBe('config');
    expect(error.issues[0]?.message).toContain('"acme"');
  });

  it('rejects repeated top-level key', () => {
    const dir = tempDir('config-dup-top');
    writeFileSync(join(dir, 'tenantctl.config.json'), '{"concurrency": 2, "concurrency": 3}\n');

    const error = configError({ cwd: dir, env: {} });

    expect(error.issues[0]?.message).toContain('concurrency');
  });

  it('rejects repeated key in nested group', () => {
    const dir = tempDir('config-dup-nested');
    writeFileSync(join(dir, 'tenantctl.config.json'), '{"lock": {"prefix": "a:", "prefix": "b:"}}\n');

    const error = configError({ cwd: dir, env: {} });

    expect(error.issues[0]?.message).toContain('prefix');
  });
});
