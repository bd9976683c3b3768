import { describe, expect, it } from 'vitest';

import { loadConfig } from '../../src/config/load-config.js';
import type { ResolvedConfig } from '../../src/config/resolved-config.js';
import { ConfigError } from '../../src/errors.js';
import { normalizeHostPattern } from '../../src/hosts/normalize-host.js';
import { TenantResolver, type TenantResolution } from '../../src/hosts/resolve-tenant.js';
import { type SecurityRecord, SecurityLog } from '../../src/hosts/security-log.js';

const DATABASES = {
  acme: 'postgres://app@127.0.0.1:5432/acme',
  globex: 'postgres://app@127.0.0.1:5432/globex',
  shop: 'postgres://app@127.0.0.1:5432/shop',
  default: 'postgres://app@127.0.0.1:5432/fallback',
};

const MAPPINGS = {
  'acme.example.com': 'acme',
  'bücher.example': 'globex',
  'xn--caf-dma.example': 'globex',
  '[2001:db8::7]': 'acme',
  '10.0.0.7': 'acme',
  '*.shops.example': 'shop',
  'vip.shops.example': 'acme',
};

function config(env: Record<string, string> = {}, mappings: Record<string, string> = MAPPINGS, databases: Record<string, string> = DATABASES): ResolvedConfig {
  return loadConfig({
    cwd: '/nonexistent-tenantctl-test',
    env: {
      TENANT_MAPPINGS: JSON.stringify(mappings),
      TENANT_DATABASES: JSON.stringify(databases),
      TENANT_UNKNOWN_HOST_ALLOWLIST: 'legacy.example.com',
      ...env,
    },
  });
}

function resolver(env: Record<string, string> = {}, records: SecurityRecord[] = []): TenantResolver {
  return new TenantResolver(config(env), { securityLog: new SecurityLog({ sink: (record) => records.push(record) }) });
}

type Expected = { alias: string; fallback?: 'permissive' | 'allowlist' } | { reason: 'malformed' | 'unknown-host' };

function summary(result: TenantResolution): Expected {
  if (result.ok) {
    return result.fallback === undefined ? { alias: result.alias } : { alias: result.alias, fallback: result.fallback };
  }

  return { reason: result.reason };
}

const STRICT_CASES: Array<[string, Expected]> = [
  ['acme.example.com', { alias: 'acme' }],
  ['ACME.Example.COM', { alias: 'acme' }],
  ['acme.example.com.', { alias: 'acme' }],
  ['acme.example.com:8080', { alias: 'acme' }],
  ['Acme.Example.Com.:443', { alias: 'acme' }],
  ['bücher.example', { alias: 'globex' }],
  ['BÜCHER.example', { alias: 'globex' }],
  ['xn--bcher-kva.example', { alias: 'globex' }],
  ['café.example', { alias: 'globex' }],
  ['[2001:db8::7]:443', { alias: 'acme' }],
  ['[2001:DB8:0::7]', { alias: 'acme' }],
  ['10.0.0.7:80', { alias: 'acme' }],
  ['a.shops.example', { alias: 'shop' }],
  ['A.Shops.Example:8443', { alias: 'shop' }],
  ['vip.shops.example', { alias: 'acme' }],
  ['shops.example', { reason: 'unknown-host' }],
  ['a.b.shops.example', { reason: 'unknown-host' }],
  ['legacy.example.com', { alias: 'default', fallback: 'allowlist' }],
  ['LEGACY.example.com:8080', { alias: 'default', fallback: 'allowlist' }],
  ['unknown.example.com', { reason: 'unknown-host' }],
  ['example.com', { reason: 'unknown-host' }],
  ['[::1]', { reason: 'unknown-host' }],
  ['', { reason: 'malformed' }],
  ['acme..example.com', { reason: 'malformed' }],
  ['.acme.example.com', { reason: 'malformed' }],
  ['acme.example.com:0', { reason: 'malformed' }],
  ['acme.example.com:65536', { reason: 'malformed' }],
  ['acme.example.com:http', { reason: 'malformed' }],
  ['acme.example.com:', { reason: 'malformed' }],
  ['acme.example.com\r\nX-Injected: 1', { reason: 'malformed' }],
  ['acme.example.com\u0000', { reason: 'malformed' }],
  ['acme example.com', { reason: 'malformed' }],
  ['acme.example.com/admin', { reason: 'malformed' }],
  ['acme.example.com?x=1', { reason: 'malformed' }],
  ["acme.example.com' OR '1'='1", { reason: 'malformed' }],
  ['acme.example.com;DROP TABLE users', { reason: 'malformed' }],
  ['user@acme.example.com', { reason: 'malformed' }],
  ['*.shops.example', { reason: 'malformed' }],
  [`${'a'.repeat(64)}.example.com`, { reason: 'malformed' }],
  [`${'abcdefghi.'.repeat(26)}com`, { reason: 'malformed' }],
  ['x'.repeat(5000), { reason: 'malformed' }],
  ['[2001:db8::7', { reason: 'malformed' }],
  ['2001:db8::zz', { reason: 'malformed' }],
  ['999.1.1.1', { reason: 'malformed' }],
  ['xn--zz.example', { reason: 'malformed' }],
  ['-acme.example.com', { reason: 'malformed' }],
];

describe('resolveTenant in strict mode', () => {
  const strict = resolver();

  it.each(STRICT_CASES)('%j', (host, expected) => {
    expect(summary(strict.resolveTenant(host))).toEqual(expected);
  });
});

describe('resolveTenant in permissive mode', () => {
  it.each([
    ['unknown.example.com', { alias: 'default', fallback: 'permissive' }],
    ['shops.example', { alias: 'default', fallback: 'permissive' }],
    ['acme.example.com', { alias: 'acme' }],
    ['legacy.example.com', { alias: 'default', fallback: 'allowlist' }],
    ['acme..example.com', { reason: 'malformed' }],
    ['acme.example.com/admin', { reason: 'malformed' }],
  ] as Array<[string, Expected]>)('%j', (host, expected) => {
    expect(summary(resolver({ TENANT_STRICT_MODE: 'false' }).resolveTenant(host))).toEqual(expected);
  });

  it('is the development default', () => {
    const result = resolver({ TENANTCTL_ENV: 'development' }).resolveTenant('unknown.example.com');

    expect(summary(result)).toEqual({ alias: 'default', fallback: 'permissive' });
  });

  it('yields to TENANT_STRICT_MODE', () => {
    const result = resolver({ TENANTCTL_ENV: 'development', TENANT_STRICT_MODE: 'true' }).resolveTenant('unknown.example.com');

    expect(summary(result)).toEqual({ reason: 'unknown-host' });
  });

  it('rejects without a default database', () => {
    const { default: _, ...withoutDefault } = DATABASES;
    const permissive = new TenantResolver(config({ TENANT_STRICT_MODE: 'false' }, MAPPINGS, withoutDefault), { securityLog: false });

    const result = permissive.resolveTenant('unknown.example.com');

    expect(summary(result)).toEqual({ reason: 'unknown-host' });
    expect(result.ok ? '' : result.message).toContain('no database "default"');
  });
});

describe('resolveTenant rejections', () => {
  it('carry the normalized host', () => {
    const result = resolver().resolveTenant('Unknown.Example.COM.:8080');

    expect(result.ok).toBe(false);
    expect(result.ok ? undefined : result.normalizedHost).toBe('unknown.example.com');
  });

  it('escape control characters in messages', () => {
    const result = resolver().resolveTenant('evil\r\nSet-Cookie: x');

    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.message).not.toMatch(/[\r\n]/);
    expect(result.ok ? 'x' : result.normalizedHost).toBeUndefined();
  });

  it('write one security record each', () => {
    const records: SecurityRecord[] = [];
    const strict = resolver({}, records);

    strict.resolveTenant('unknown.example.com:8080');
    strict.resolveTenant('bad..host');
    strict.resolveTenant('acme.example.com');

    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ event: 'host.rejected', reason: 'unknown-host', host: 'unknown.example.com', strictMode: true });
    expect(records[1]).toMatchObject({ event: 'host.rejected', reason: 'malformed', host: 'bad..host' });
  });

  it('permissive fallback writes a warning', () => {
    const records: SecurityRecord[] = [];

    resolver({ TENANT_STRICT_MODE: 'false' }, records).resolveTenant('unknown.example.com');

    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ event: 'host.fallback', reason: 'unknown-host', host: 'unknown.example.com', alias: 'default' });
  });

  it('allowlist fallback writes nothing', () => {
    const records: SecurityRecord[] = [];

    resolver({}, records).resolveTenant('legacy.example.com');

    expect(records).toHaveLength(0);
  });
});

describe('tenant map wildcards', () => {
  it.each([
    ['*.example.com', '*.example.com'],
    ['*.Example.COM.', '*.example.com'],
    ['*.bücher.example', '*.xn--bcher-kva.example'],
  ])('normalize %s', (input, key) => {
    const result = normalizeHostPattern(input);

    expect(result.ok ? result.value.key : result.message).toBe(key);
  });

  it.each(['a*.example.com', '*a.example.com', '*.*.example.com', 'a.*.example.com', '*.com', '*', '*.', '*.10.0.0.1', '*.[::1]', '**.example.com'])('reject %s', (input) => {
    expect(normalizeHostPattern(input).ok).toBe(false);
  });

  it('reject *.com in config', () => {
    expect(() => config({}, { '*.com': 'acme' })).toThrow(ConfigError);
  });

  it('duplicate spellings are rejected', () => {
    expect(() => config({}, { '*.example.com': 'acme', '*.EXAMPLE.com.': 'globex' })).toThrow(/same host/);
  });
});
