import { inspect } from 'node:util';

import { describe, expect, it } from 'vitest';

import { PostgresUrl, RedisUrl } from '../../src/config/connection-url.js';

const PASSWORD = 'Sup3r-S3cret-pw';

function parsePostgres(raw: string): PostgresUrl {
  const parsed = PostgresUrl.parse(raw);
  if (!parsed.ok) {
    throw new Error(`expected ${raw} to parse, got: ${parsed.message}`);
  }

  return parsed.value;
}

function postgresMessage(raw: string): string {
  const parsed = PostgresUrl.parse(raw);
  if (parsed.ok) {
    throw new Error(`expected a parse failure, got ${parsed.value.toString()}`);
  }

  return parsed.message;
}

describe('PostgresUrl parse', () => {
  it('reads every part', () => {
    const url = parsePostgres(`postgres://app:${PASSWORD}@db1.internal:6543/acme?sslmode=require`);

    expect(url.host).toBe('db1.internal');
    expect(url.port).toBe(6543);
    expect(url.user).toBe('app');
    expect(url.database).toBe('acme');
    expect(url.revealPassword()).toBe(PASSWORD);
    expect(url.toPgFields().ssl).toEqual({ rejectUnauthorized: false });
  });

  it('defaults port to 5432', () => {
    expect(parsePostgres('postgresql://app@db1.internal/acme').port).toBe(5432);
  });

  it('decodes percent-encoded password', () => {
    const url = parsePostgres(`postgres://app:${encodeURIComponent('p@ss:w/rd#?%')}@db1.internal/acme`);

    expect(url.revealPassword()).toBe('p@ss:w/rd#?%');
  });

  it('reads IPv6 host', () => {
    const url = parsePostgres('postgres://app@[::1]:5433/acme');

    expect(url.host).toBe('::1');
    expect(url.location).toBe('[::1]:5433/acme');
  });

  it('reads socket folder as host', () => {
    expect(parsePostgres('postgres:///acme?host=/var/run/postgresql').host).toBe('/var/run/postgresql');
  });
});

describe('PostgresUrl rendering', () => {
  const url = parsePostgres(`postgres://app:${encodeURIComponent(`${PASSWORD}@/`)}@db1.internal/acme`);

  it('masks password in toString', () => {
    expect(url.toString()).toBe('postgres://app:****@db1.internal:5432/acme');
  });

  it('masks password in JSON', () => {
    const text = JSON.stringify({ url });

    expect(text).not.toContain(PASSWORD);
    expect(text).toContain('****');
  });

  it('masks password in inspect', () => {
    const text = inspect({ url }, { depth: 5, showHidden: true });

    expect(text).not.toContain(PASSWORD);
  });

  it('masks password in template string', () => {
    expect(`${url}`).not.toContain(PASSWORD);
  });

  it('shows no mask without password', () => {
    expect(parsePostgres('postgres://app@db1.internal/acme').toString()).toBe('postgres://app@db1.internal:5432/acme');
  });
});

describe('PostgresUrl errors', () => {
  const malformed: Array<[string, string]> = [
    ['hash in password', `postgres://app:${PASSWORD}#1@db1.internal/acme`],
    ['bad percent escape', `postgres://app:${PASSWORD}%@db1.internal/acme`],
    ['slash in password', `postgres://app:${PASSWORD}/1@db1.internal/acme`],
    ['port-like password with slash', `postgres://app:5432/${PASSWORD}@db1.internal`],
    ['port-like password with slash and database', `postgres://app:5432/${PASSWORD}@db1.internal/acme`],
    ['port-like password with query', `postgres://app:5432/acme?${PASSWORD}@db1.internal`],
    ['password as query parameter', `postgres://app@db1.internal/acme?password=${PASSWORD}`],
    ['password as query key', `postgres://app@db1.internal/acme?${PASSWORD}`],
    ['wrong scheme', `mysql://app:${PASSWORD}@db1.internal/acme`],
    ['no scheme', `app:${PASSWORD}@db1.internal/acme`],
    ['no host', `postgres://app:${PASSWORD}@/acme`],
    ['no database', `postgres://app:${PASSWORD}@db1.internal/`],
    ['bad sslmode', `postgres://app:${PASSWORD}@db1.internal/acme?sslmode=${PASSWORD}`],
  ];

  it.each(malformed)('never echoes password: %s', (_label, raw) => {
    const message = postgresMessage(raw);

    expect(message).not.toContain(PASSWORD);
    expect(message).not.toContain(encodeURIComponent(PASSWORD));
    expect(message).not.toContain(PASSWORD.slice(0, 8));
  });

  it('rejects empty URL', () => {
    expect(postgresMessage('  ')).toContain('is empty');
  });

  it('names percent-encoding fix for hash', () => {
    expect(postgresMessage(`postgres://app:5432#${PASSWORD}@db1.internal/acme`)).toContain('%23');
  });

  it('names the supported query parameters', () => {
    expect(postgresMessage('postgres://app@db1.internal/acme?connect_timeout=5')).toContain('sslmode');
  });
});

describe('RedisUrl', () => {
  it('masks password in display', () => {
    const parsed = RedisUrl.parse(`redis://:${PASSWORD}@127.0.0.1:6380/2`);
    if (!parsed.ok) {
      throw new Error(parsed.message);
    }

    expect(parsed.value.toString()).toBe('redis://:****@127.0.0.1:6380/2');
    expect(JSON.stringify(parsed.value)).not.toContain(PASSWORD);
    expect(inspect(parsed.value)).not.toContain(PASSWORD);
    expect(parsed.value.reveal()).toContain(PASSWORD);
  });

  it.each([
    ['hash in password', `redis://:${PASSWORD}#@127.0.0.1:6379`],
    ['slash in password', `redis://:${PASSWORD}/x@127.0.0.1:6379`],
    ['port-like password with slash', `redis://h:6379/${PASSWORD}@127.0.0.1`],
    ['wrong scheme', `http://:${PASSWORD}@127.0.0.1:6379`],
  ])('never echoes password: %s', (_label, raw) => {
    const parsed = RedisUrl.parse(raw);

    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.message).not.toContain(PASSWORD);
  });
});
