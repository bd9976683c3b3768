import { describe, expect, it } from 'vitest';

import { loadConfig } from '../../src/config/load-config.js';
import type { ResolvedConfig } from '../../src/config/resolved-config.js';
import { lookupAlias, resolveMigrationTargets } from '../../src/guard/resolve-targets.js';
import { TenantResolver } from '../../src/hosts/resolve-tenant.js';
import { tempDir } from '../helpers/cli.js';

const PASSWORD = 'Guard-S3cret-pw';

function configWith(env: Record<string, string>): ResolvedConfig {
  return loadConfig({
    cwd: tempDir('guard'),
    env: {
      TENANT_DATABASES: JSON.stringify({
        acme: `postgres://app:${PASSWORD}@db1.internal/acme`,
        globex: 'postgres://app@db2.internal/globex',
        analytics: 'postgres://app@db3.internal/analytics',
      }),
      TENANT_MAPPINGS: JSON.stringify({ 'acme.example.com': 'acme', 'Stats.Example.com': 'analytics' }),
      TENANT_MIGRATION_DATABASES: 'acme,globex',
      ...env,
    },
  });
}

const config = configWith({});

describe('guard allows', () => {
  it('allowlisted alias', () => {
    const outcome = resolveMigrationTargets(config, { tenants: ['acme'] });

    expect(outcome.rejections).toEqual([]);
    expect(outcome.targets.map((target) => target.alias)).toEqual(['acme']);
    expect(outcome.targets[0]?.url.database).toBe('acme');
  });

  it.each(['acme.example.com', 'ACME.Example.COM', 'acme.example.com.', 'acme.example.com:8443', 'Acme.Example.Com.:443'])('mapped hostname %s', (input) => {
    const outcome = resolveMigrationTargets(config, { tenants: [input] });

    expect(outcome.rejections).toEqual([]);
    expect(outcome.targets.map((target) => target.alias)).toEqual(['acme']);
  });

  it('alias and hostname once', () => {
    const outcome = resolveMigrationTargets(config, { tenants: ['acme', 'acme.example.com', 'acme'] });

    expect(outcome.targets.map((target) => target.alias)).toEqual(['acme']);
  });

  it('--all selects allowlisted aliases only', () => {
    const outcome = resolveMigrationTargets(config, { all: true });

    expect(outcome.rejections).toEqual([]);
    expect(outcome.targets.map((target) => target.alias)).toEqual(['acme', 'globex']);
  });

  it('--all skips undefined allowlisted alias', () => {
    const outcome = resolveMigrationTargets(configWith({ TENANT_MIGRATION_DATABASES: 'acme,ghost' }), { all: true });

    expect(outcome.targets.map((target) => target.alias)).toEqual(['acme']);
  });
});

describe('guard rejects', () => {
  it.each([
    ['unknown alias', 'initech', 'unknown-alias'],
    ['alias with wrong case', 'ACME', 'unknown-alias'],
    ['unknown hostname', 'initech.example.com', 'unknown-host'],
    ['malformed name', 'acme; drop database acme', 'malformed-host'],
    ['path in name', '../acme', 'malformed-host'],
    ['empty name', '', 'malformed-alias'],
    ['overlong name', 'a'.repeat(2000), 'malformed-alias'],
    ['alias not allowlisted', 'analytics', 'not-allowlisted'],
    ['hostname not allowlisted', 'stats.example.com', 'not-allowlisted'],
  ])('%s', (_label, input, reason) => {
    const outcome = resolveMigrationTargets(config, { tenants: [input] });

    expect(outcome.targets).toEqual([]);
    expect(outcome.rejections.map((rejection) => rejection.reason)).toEqual([reason]);
  });

  it('reports every rejected target', () => {
    const outcome = resolveMigrationTargets(config, { tenants: ['acme', 'initech', 'analytics', 'x y'] });

    expect(outcome.rejections.map((rejection) => rejection.reason)).toEqual(['unknown-alias', 'not-allowlisted', 'malformed-host']);
  });

  it('names the fix in messages', () => {
    const outcome = resolveMigrationTargets(config, { tenants: ['analytics', 'initech.example.com'] });
    const messages = outcome.rejections.map((rejection) => rejection.message);

    expect(messages[0]).toContain('TENANT_MIGRATION_DATABASES');
    expect(messages[1]).toContain('TENANT_MAPPINGS');
  });

  it('escapes control characters in messages', () => {
    const outcome = resolveMigrationTargets(config, { tenants: ['acme\u001b[31m\n'] });

    expect(outcome.rejections[0]?.message).not.toMatch(/[\u0000-\u001f]/);
  });

  it('never shows a password', () => {
    const tenants = ['initech', 'analytics', `postgres://app:${PASSWORD}@db1.internal/acme`, `postgres://app:1/${PASSWORD}@db1.internal/acme`, `app:${PASSWORD}@db1`];

    const outcome = resolveMigrationTargets(config, { tenants });

    expect(JSON.stringify(outcome)).not.toContain(PASSWORD);
  });
});

describe('guard with empty allowlist', () => {
  it.each(['', '  ', ','])('TENANT_MIGRATION_DATABASES=%j rejects --all', (value) => {
    const outcome = resolveMigrationTargets(configWith({ TENANT_MIGRATION_DATABASES: value }), { all: true });

    expect(outcome.targets).toEqual([]);
    expect(outcome.rejections.map((rejection) => rejection.reason)).toEqual(['not-allowlisted']);
  });

  it.each(['', '  '])('TENANT_MIGRATION_DATABASES=%j rejects alias', (value) => {
    const outcome = resolveMigrationTargets(configWith({ TENANT_MIGRATION_DATABASES: value }), { tenants: ['acme'] });

    expect(outcome.targets).toEqual([]);
    expect(outcome.rejections.map((rejection) => rejection.reason)).toEqual(['not-allowlisted']);
  });

  it('default allowlist allows only default', () => {
    const env = { TENANT_DATABASES: JSON.stringify({ default: 'postgres://app@db0/main', acme: 'postgres://app@db1/acme' }) };
    const defaults = loadConfig({ cwd: tempDir('guard-default'), env });

    const outcome = resolveMigrationTargets(defaults, { all: true });

    expect(outcome.targets.map((target) => target.alias)).toEqual(['default']);
  });
});

describe('guard wildcard mappings', () => {
  const wildcardConfig = configWith({
    TENANT_DATABASES: JSON.stringify({
      acme: 'postgres://app@db1.internal/acme',
      charlie: 'postgres://app@db4.internal/charlie',
      default: 'postgres://app@db5.internal/default',
    }),
    TENANT_MAPPINGS: JSON.stringify({ '*.charlie.example.test': 'charlie', 'www.charlie.example.test': 'acme' }),
    TENANT_MIGRATION_DATABASES: 'acme,charlie,default',
    TENANT_STRICT_MODE: 'false',
    TENANT_UNKNOWN_HOST_ALLOWLIST: 'listed.example.test',
  });

  it.each(['x.charlie.example.test', 'X.Charlie.Example.Test.', 'x.charlie.example.test:8443'])('matches %s', (input) => {
    const outcome = resolveMigrationTargets(wildcardConfig, { tenants: [input] });

    expect(outcome.rejections).toEqual([]);
    expect(outcome.targets.map((target) => target.alias)).toEqual(['charlie']);
  });

  it('exact entry wins over wildcard', () => {
    const outcome = resolveMigrationTargets(wildcardConfig, { tenants: ['www.charlie.example.test'] });

    expect(outcome.targets.map((target) => target.alias)).toEqual(['acme']);
  });

  it.each(['charlie.example.test', 'a.b.charlie.example.test', 'unknown.example.test', 'listed.example.test'])('rejects %s without fallback', (input) => {
    const outcome = resolveMigrationTargets(wildcardConfig, { tenants: [input] });

    expect(outcome.targets).toEqual([]);
    expect(outcome.rejections.map((rejection) => rejection.reason)).toEqual(['unknown-host']);
  });

  it('resolver falls back where guard rejects', () => {
    const resolver = new TenantResolver(wildcardConfig, { securityLog: false });

    expect(resolver.resolveTenant('unknown.example.test')).toMatchObject({ ok: true, alias: 'default', fallback: 'permissive' });
    expect(resolver.resolveTenant('listed.example.test')).toMatchObject({ ok: true, alias: 'default', fallback: 'allowlist' });
  });

  it('lookupAlias matches wildcard', () => {
    expect(lookupAlias(wildcardConfig, 'x.charlie.example.test')).toEqual({ alias: 'charlie' });
  });
});
