import { existsSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { runTenantctl, tempDir } from '../helpers/cli.js';
import { startTripwire, type Tripwire } from './helpers/tripwire.js';

/** The password of every configured database; no piece of it may reach the output. */
const PASSWORD = 'Hx7$kq!Vz@4#pL/9m%Ty:Qw';
const OTHER_PASSWORD = 'Rt5&Lm*Qx9^Wv2(Kp8)Zn';
/** Shortest piece of a password that counts as a leak. */
const FRAGMENT_LENGTH = 8;

const GOOD_MIGRATION = `import { type Kysely, sql } from 'kysely';\n\nexport async function up(db: Kysely<any>): Promise<void> {\n  await sql\`create table items (id int)\`.execute(db);\n}\n`;

interface HostileCase {
  name: string;
  /** Arguments after `migrate`; defaults to --tenant acme. */
  args?: string[];
  /** Replaces the base config: an object merged over it, or raw file text. */
  config?: Record<string, unknown> | string;
  env?: Record<string, string>;
  /** Replaces the migrations folder with these files. */
  migrations?: Record<string, string>;
  exitCode: number;
  code: 'USAGE_INVALID' | 'CONFIG_INVALID' | 'MIGRATIONS_INVALID' | 'GUARD_REJECTED';
  /** Text the error must contain. */
  message: RegExp;
  /** Further passwords that this case puts into the config. */
  secrets?: string[];
}

const guard = (name: string, tenant: string, message: RegExp = /rejected before any connection; no database was touched/i): HostileCase => ({ name, args: ['--tenant', tenant], exitCode: 4, code: 'GUARD_REJECTED', message });
const config = (name: string, value: Record<string, unknown> | string, message: RegExp, secrets?: string[]): HostileCase => ({ name, config: value, exitCode: 3, code: 'CONFIG_INVALID', message, ...(secrets === undefined ? {} : { secrets }) });
const folder = (name: string, files: Record<string, string>, message: RegExp): HostileCase => ({ name, migrations: files, exitCode: 3, code: 'MIGRATIONS_INVALID', message });
const usage = (name: string, args: string[], message: RegExp): HostileCase => ({ name, args, exitCode: 2, code: 'USAGE_INVALID', message });
const badUrl = (name: string, url: string): HostileCase => config(name, { tenantMappings: {}, databases: { acme: url }, migrationDatabases: ['acme'] }, /databases\.acme/, [OTHER_PASSWORD]);

const CASES: HostileCase[] = [
  // Tenant names and hostnames: quotes, SQL and shell fragments.
  guard('single quote', "acme'"),
  guard('double quote', 'acme"'),
  guard('backtick', 'acme`'),
  guard('sql drop database', "'; drop database acme; --"),
  guard('sql or clause', "acme' or '1'='1"),
  guard('sql comment', 'acme--'),
  guard('sql block comment', 'acme/**/'),
  guard('sql union', 'acme union select 1'),
  guard('semicolon', 'acme;globex'),
  guard('shell substitution', '$(rm -rf /)'),
  guard('shell backticks', '`id`'),
  guard('shell and', 'acme && echo pwned'),
  guard('shell pipe', 'acme | cat /etc/passwd'),
  guard('shell redirect', 'acme > /tmp/x'),
  guard('shell variable', '${HOME}'),
  guard('glob star', '*'),
  guard('percent sign', '%'),
  guard('comma list', 'acme,globex'),
  guard('braces', '{acme}'),
  guard('redis pattern', 'tenantctl:lock:*'),
  // Path traversal.
  guard('dot dot slash', '../../etc/passwd'),
  guard('backslash traversal', '..\\..\\windows'),
  guard('alias then traversal', 'acme/../globex'),
  guard('dot slash alias', './acme'),
  guard('absolute path', '/etc/passwd'),
  guard('encoded traversal', '%2e%2e%2f'),
  guard('encoded nul', 'acme%00'),
  guard('host then traversal', 'acme.example.com/../'),
  // Control characters (NUL cannot travel in argv; the config cases below carry it).
  guard('start of heading', 'acme\u0001'),
  guard('ansi escape', 'acme\u001b[31m'),
  guard('trailing newline', 'acme\n'),
  guard('carriage return', 'acme\r\nglobex'),
  guard('tab', 'acme\t'),
  guard('delete character', '\u007f'),
  guard('c1 control sequence introducer', 'acme\u009b31m'),
  guard('soft hyphen', 'ac\u00adme'),
  guard('left to right isolate', '\u2066acme'),
  guard('byte order mark', '\ufeffacme'),
  guard('line separator', 'acme\u2028globex'),
  guard('unicode tag character', 'acme\u{e0041}'),
  guard('bell', '\u0007acme'),
  guard('leading space', ' acme'),
  guard('trailing space', 'acme '),
  // Unicode look-alikes and invisible characters.
  guard('cyrillic a', '\u0430cme'),
  guard('cyrillic e', 'acm\u0435'),
  guard('fullwidth letters', '\uff41\uff43\uff4d\uff45'),
  guard('zero width space', 'acme\u200b'),
  guard('right to left override', 'acme\u202e'),
  guard('combining accent', 'acme\u0301'),
  guard('cyrillic in hostname', 'acme.ex\u0430mple.com'),
  guard('dotless i hostname', 'acme.\u0131nternal'),
  guard('emoji', 'acme\u{1f600}'),
  // Empty and long values.
  guard('empty tenant', ''),
  guard('10000 letters', 'a'.repeat(10_000)),
  guard('10000 char hostname', `${'a.'.repeat(5_000)}`),
  guard('64 char alias', `a${'b'.repeat(63)}`),
  // Names that look right but are not allowed.
  guard('uppercase alias', 'ACME'),
  guard('unknown alias', 'initech'),
  guard('not allowlisted', 'analytics', /not in the migration allowlist/),
  guard('unmapped hostname', 'evil.example.com', /not in the tenant map/),
  guard('hostname suffix attack', 'acme.example.com.evil.test', /not in the tenant map/),
  guard('userinfo in hostname', 'acme.example.com@evil.test'),
  guard('ip address', '127.0.0.1'),
  guard('default alias', 'default'),

  // Config files: malformed JSON.
  config('unclosed object', '{"databases": {', /not valid JSON/),
  config('missing value', '{"databases": }', /not valid JSON/),
  config('trailing comma', `{"databases": {"acme": "postgres://app:${encodeURIComponent(OTHER_PASSWORD)}@127.0.0.1/acme",}}`, /not valid JSON/, [OTHER_PASSWORD]),
  config('line comment', '// tenants\n{}', /not valid JSON/),
  config('single quotes', "{'databases': {}}", /not valid JSON/),
  config('unquoted keys', '{databases: {}}', /not valid JSON/),
  config('empty file', '', /not valid JSON/),
  config('json null', 'null', /JSON object/),
  config('json array', '[]', /JSON object/),
  config('json string', '"postgres://x"', /JSON object/),
  config('json number', '42', /JSON object/),
  config('nan literal', '{"concurrency": NaN}', /not valid JSON/),
  config('two documents', '{}{}', /not valid JSON/),
  config('nul byte in text', '{"databases": {}}\u0000', /not valid JSON/),
  // Wrong types and values.
  config('databases array', { databases: [] }, /databases/),
  config('databases string', { databases: 'postgres://x' }, /databases/),
  config('database url number', { databases: { acme: 5 } }, /databases/),
  config('allowlist number', { migrationDatabases: 5 }, /migrationDatabases/),
  config('concurrency text', { concurrency: 'four' }, /concurrency/),
  config('concurrency zero', { concurrency: 0 }, /concurrency/),
  config('concurrency huge', { concurrency: 1e9 }, /concurrency/),
  config('concurrency fraction', { concurrency: 2.5 }, /concurrency/),
  config('strict mode text', { strictMode: 'maybe' }, /strictMode/),
  config('negative lease', { lock: { leaseSeconds: -1 } }, /lock\.leaseSeconds/),
  config('heartbeat above half lease', { lock: { leaseSeconds: 10, staleSeconds: 10, heartbeatSeconds: 8 } }, /heartbeat/i),
  config('redis as string', { redis: 'redis://x' }, /redis/),
  config('redis url number', { redis: { url: 5 } }, /redis\.url/),
  config('unknown key', { databasess: {} }, /databasess/),
  config('mapping to number', { tenantMappings: { 'acme.example.com': 5 } }, /tenantMappings/),
  // Duplicate and hostile keys.
  config('duplicate hostname', '{"tenantMappings": {"a.example.com": "acme", "a.example.com": "globex"}}', /repeats a key/),
  config('hostname differs by case', { tenantMappings: { 'a.example.com': 'acme', 'A.EXAMPLE.COM': 'globex' } }, /same host/),
  config('hostname differs by dot', { tenantMappings: { 'a.example.com': 'acme', 'a.example.com.': 'globex' } }, /same host/),
  config('duplicate alias', `{"databases": {"acme": "postgres://127.0.0.1/a", "acme": "postgres://127.0.0.1/b"}}`, /repeats a key/),
  config('alias with semicolon', { databases: { 'acme; drop': 'postgres://127.0.0.1/acme' } }, /databases/),
  config('alias with traversal', { databases: { '../acme': 'postgres://127.0.0.1/acme' } }, /databases/),
  config('alias with nul', { databases: { 'ac\u0000me': 'postgres://127.0.0.1/acme' } }, /databases/),
  config('empty alias', { databases: { '': 'postgres://127.0.0.1/acme' } }, /databases/),
  config('10000 char alias', { databases: { [`a${'b'.repeat(9_999)}`]: 'postgres://127.0.0.1/acme' } }, /databases/),
  config('cyrillic alias', { databases: { '\u0430cme': 'postgres://127.0.0.1/acme' } }, /databases/),
  config('hostname with nul', { tenantMappings: { 'evil.test\u0000acme.example.com': 'acme' } }, /tenantMappings/),
  config('hostname with quote', { tenantMappings: { "acme'.example.com": 'acme' } }, /tenantMappings/),
  config('10000 char hostname key', { tenantMappings: { [`${'a'.repeat(10_000)}.com`]: 'acme' } }, /tenantMappings/),
  config('allowlist entry with nul', { migrationDatabases: ['acme\u0000'] }, /migrationDatabases/),
  // Connection strings with unencoded special characters in the password.
  badUrl('hash in password', `postgres://app:${OTHER_PASSWORD.replace('*', '#')}@127.0.0.1/acme`),
  badUrl('slash in password', `postgres://app:12/${OTHER_PASSWORD}@127.0.0.1/acme`),
  badUrl('question mark in password', `postgres://app:12?${OTHER_PASSWORD}@127.0.0.1/acme`),
  badUrl('percent in password', `postgres://app:${OTHER_PASSWORD}%zz@127.0.0.1/acme`),
  badUrl('slash and at sign in password', `postgres://app:ab/cd@${OTHER_PASSWORD}@127.0.0.1/acme`),
  badUrl('space and hash in password', `postgres://app:${OTHER_PASSWORD} #x@127.0.0.1/acme`),
  badUrl('password as scheme', `${OTHER_PASSWORD.replace(/[^A-Za-z0-9]/g, 'x')}://app@127.0.0.1/acme`),
  badUrl('password in port', `postgres://app:x@127.0.0.1:${OTHER_PASSWORD}/acme`),
  badUrl('password in sslmode', `postgres://app:x@127.0.0.1/acme?sslmode=${encodeURIComponent(OTHER_PASSWORD)}`),
  badUrl('password as query key', `postgres://app:x@127.0.0.1/acme?${encodeURIComponent(OTHER_PASSWORD)}=1`),
  {
    name: 'env databases malformed',
    env: { TENANT_DATABASES: `{"acme": "postgres://app:${OTHER_PASSWORD}@127.0.0.1/acme",}` },
    exitCode: 3,
    code: 'CONFIG_INVALID',
    message: /TENANT_DATABASES/,
    secrets: [OTHER_PASSWORD],
  },
  {
    name: 'env databases unencoded',
    env: { TENANT_DATABASES: JSON.stringify({ acme: `postgres://app:ab/${OTHER_PASSWORD}@127.0.0.1/acme` }) },
    exitCode: 3,
    code: 'CONFIG_INVALID',
    message: /TENANT_DATABASES|databases/,
    secrets: [OTHER_PASSWORD],
  },
  { name: 'huge config file', config: 'HUGE', exitCode: 3, code: 'CONFIG_INVALID', message: /limit/ },

  // Migration folders.
  folder('syntax error', { '0001_broken.ts': 'export async function up( {\n' }, /failed to load/),
  folder('exports nothing', { '0001_empty.ts': 'export const note = 1;\n' }, /exports no `up`/),
  folder('up not a function', { '0001_up.ts': 'export const up = 5;\n' }, /exports no `up`/),
  folder('down not a function', { '0001_down.ts': 'export async function up() {}\nexport const down = "x";\n' }, /not a function/),
  folder('duplicate names', { '0001_same.ts': GOOD_MIGRATION, '0001_same.js': 'export async function up() {}\n' }, /same migration name/),
  folder('sql file', { '0001_good.ts': GOOD_MIGRATION, '0002_next.sql': 'create table x ();\n' }, /is not a migration/),
  folder('json file', { '0001_good.ts': GOOD_MIGRATION, 'settings.json': '{}\n' }, /is not a migration/),
  folder('file without extension', { '0001_good.ts': GOOD_MIGRATION, README: 'notes\n' }, /is not a migration/),
  folder('throws on import', { '0001_throws.ts': 'throw new Error("boom at import");\nexport async function up() {}\n' }, /boom at import/),
  folder('control char in name', { '0001_a\u0001b.ts': GOOD_MIGRATION }, /control character/),

  // Flags.
  usage('concurrency text', ['--tenant', 'acme', '--concurrency', 'abc'], /--concurrency/),
  usage('concurrency zero', ['--tenant', 'acme', '--concurrency', '0'], /concurrency/),
  usage('concurrency huge', ['--tenant', 'acme', '--concurrency', '100000'], /concurrency/),
  usage('negative lock wait', ['--tenant', 'acme', '--lock-wait', '-1'], /--lock-wait/),
  usage('lock wait text', ['--tenant', 'acme', '--lock-wait', 'soon'], /--lock-wait/),
  usage('tenant and all', ['--tenant', 'acme', '--all'], /either/),
  usage('no target', [], /--tenant/),
  usage('unknown flag', ['--tenantt', 'acme'], /unknown option/),
  usage('to unknown migration', ['--tenant', 'acme', '--to', "0009'; drop"], /--to/),
  usage('redis url bad port', ['--tenant', 'acme', '--redis-url', `redis://:${OTHER_PASSWORD}@127.0.0.1:notaport`], /redis/i),
  usage('correlation id escape', ['--tenant', 'acme', '--correlation-id', 'abc\u001b[31m'], /--correlation-id/),
  usage('correlation id sql', ['--tenant', 'acme', '--correlation-id', "x'; drop table y; --"], /--correlation-id/),
  usage('correlation id 10000 chars', ['--tenant', 'acme', '--correlation-id', 'a'.repeat(10_000)], /--correlation-id/),
  usage('lock prefix empty', ['--tenant', 'acme', '--lock-prefix', ''], /--lock-prefix/),
  usage('lock prefix newline', ['--tenant', 'acme', '--lock-prefix', 'a\nb'], /--lock-prefix/),
  usage('lock prefix glob', ['--tenant', 'acme', '--lock-prefix', 'tenantctl:*'], /--lock-prefix/),
  usage('lock prefix 10000 chars', ['--tenant', 'acme', '--lock-prefix', 'a'.repeat(10_000)], /--lock-prefix/),
  usage('migrations flag empty', ['--tenant', 'acme', '--migrations', ''], /--migrations/),
  { name: 'migrations folder missing', args: ['--tenant', 'acme', '--migrations', '/nonexistent/tenantctl-migrations'], exitCode: 3, code: 'MIGRATIONS_INVALID', message: /does not exist/ },
  { name: 'migrations path is a file', args: ['--tenant', 'acme', '--migrations', '/etc/hostname'], exitCode: 3, code: 'MIGRATIONS_INVALID', message: /not a folder/ },
  // A path that only a flag gives is a usage error (exit 2), as for every other flag.
  usage('config file missing', ['--tenant', 'acme', '--config', '/nonexistent/tenantctl.json'], /does not exist/),
  usage('config path is a folder', ['--tenant', 'acme', '--config', '/tmp'], /cannot be read/),
  usage('redis url hash', ['--tenant', 'acme', '--redis-url', `redis://:${OTHER_PASSWORD.replace('*', '#')}@127.0.0.1:6379`], /redis/i),
];

/** Every piece of FRAGMENT_LENGTH characters of each secret, plain, percent-encoded and JSON-escaped. */
function secretFragments(secrets: readonly string[]): string[] {
  const fragments = new Set<string>();
  for (const secret of secrets) {
    for (const form of [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]) {
      for (let start = 0; start + FRAGMENT_LENGTH <= form.length; start++) {
        fragments.add(form.slice(start, start + FRAGMENT_LENGTH));
      }
    }
  }

  return [...fragments];
}

describe('hostile and broken input', () => {
  let postgresWire: Tripwire;
  let redisWire: Tripwire;
  const root = tempDir('tenantctl-hostile');

  beforeAll(async () => {
    [postgresWire, redisWire] = await Promise.all([startTripwire(), startTripwire()]);
  });

  afterAll(async () => {
    await postgresWire?.close();
    await redisWire?.close();
  });

  const baseConfig = (): Record<string, unknown> => ({
    tenantMappings: { 'acme.example.com': 'acme', 'globex.example.com': 'globex' },
    databases: {
      acme: `postgres://app:${encodeURIComponent(PASSWORD)}@127.0.0.1:${postgresWire.port}/acme`,
      globex: `postgres://app:${encodeURIComponent(PASSWORD)}@127.0.0.1:${postgresWire.port}/globex`,
      analytics: `postgres://app:${encodeURIComponent(PASSWORD)}@127.0.0.1:${postgresWire.port}/analytics`,
    },
    migrationDatabases: ['acme', 'globex'],
    migrationsDir: './migrations',
    auditLog: './audit.jsonl',
    redis: { url: `redis://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${redisWire.port}`, commandTimeoutSeconds: 1, connectTimeoutSeconds: 1 },
  });

  /** Writes the case's folder and returns it. */
  const prepare = (hostile: HostileCase, index: number): string => {
    const dir = join(root, `case-${index}`);
    mkdirSync(join(dir, 'migrations'), { recursive: true });
    const configPath = join(dir, 'tenantctl.config.json');
    if (hostile.config === 'HUGE') {
      // A sparse file: its size passes the limit without writing 64 MiB.
      writeFileSync(configPath, '');
      truncateSync(configPath, 64 * 1024 * 1024 + 1);
    } else if (typeof hostile.config === 'string') {
      writeFileSync(configPath, hostile.config);
    } else {
      writeFileSync(configPath, JSON.stringify({ ...baseConfig(), ...(hostile.config ?? {}) }, null, 2));
    }

    for (const [file, text] of Object.entries(hostile.migrations ?? { '0001_good.ts': GOOD_MIGRATION })) {
      writeFileSync(join(dir, 'migrations', file), text);
    }

    return dir;
  };

  test('table has 100 or more cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(100);
  });

  test.concurrent.each(CASES.map((hostile, index) => [hostile.name, hostile, index] as const))('%s', async (_name, hostile, index) => {
    const dir = prepare(hostile, index);
    const result = await runTenantctl(['migrate', ...(hostile.args ?? ['--tenant', 'acme'])], { cwd: dir, env: hostile.env ?? {} });
    const stdout = String(result.stdout);
    const stderr = String(result.stderr);
    const output = `${stdout}\n${stderr}`;

    expect(result.exitCode, output.slice(0, 2000)).toBe(hostile.exitCode);
    expect(output).toMatch(hostile.message);
    if (hostile.exitCode !== 2 || !/^error: /m.test(stderr)) {
      expect(stderr).toContain(`error [${hostile.code}]`);
    }

    // Untrusted text is escaped before it reaches a terminal: no control or format character
    // other than the newlines that end lines.
    expect(output.replace(/\n/g, '')).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u);

    const auditPath = join(dir, 'audit.jsonl');
    const audit = existsSync(auditPath) ? readFileSync(auditPath, 'utf8') : '';
    for (const fragment of secretFragments([PASSWORD, ...(hostile.secrets ?? [])])) {
      expect(stdout.includes(fragment), `stdout contains "${fragment}"`).toBe(false);
      expect(stderr.includes(fragment), `stderr contains "${fragment}"`).toBe(false);
      expect(audit.includes(fragment), `audit contains "${fragment}"`).toBe(false);
    }

    expect(audit).not.toContain('"lock.acquired"');
    expect(postgresWire.connections(), 'connections to the tenant databases').toBe(0);
    expect(redisWire.connections(), 'connections to Redis').toBe(0);
  });
});

describe('tripwire control', () => {
  test('valid tenant reaches a tripwire', async () => {
    const [postgresWire, redisWire] = await Promise.all([startTripwire(), startTripwire()]);
    try {
      const dir = tempDir('tenantctl-tripwire');
      mkdirSync(join(dir, 'migrations'));
      writeFileSync(join(dir, 'migrations', '0001_good.ts'), GOOD_MIGRATION);
      writeFileSync(
        join(dir, 'tenantctl.config.json'),
        JSON.stringify({
          databases: { acme: `postgres://app:${encodeURIComponent(PASSWORD)}@127.0.0.1:${postgresWire.port}/acme` },
          migrationDatabases: ['acme'],
          redis: { url: `redis://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${redisWire.port}`, commandTimeoutSeconds: 1, connectTimeoutSeconds: 1 },
        }),
      );

      const result = await runTenantctl(['migrate', '--tenant', 'acme'], { cwd: dir });

      // Which server is contacted first depends on whether the pending check or Redis comes first;
      // either way a valid target must trip one of the two listeners.
      expect([1, 5]).toContain(result.exitCode);
      expect(postgresWire.connections() + redisWire.connections()).toBeGreaterThan(0);
      for (const fragment of secretFragments([PASSWORD])) {
        expect(`${result.stdout}${result.stderr}`.includes(fragment), `output contains "${fragment}"`).toBe(false);
      }
    } finally {
      await postgresWire.close();
      await redisWire.close();
    }
  });
});
