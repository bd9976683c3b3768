import { z } from 'zod';

import { Env } from './env-names.js';
import { parseJsonText } from './json-text.js';

/** Parsed text of an environment variable, or a message that quotes no value. */
type TextParse = { ok: true; value: unknown } | { ok: false; message: string };

/** One configuration setting: where it can come from, how text becomes a value, and its schema. */
export interface SettingDefinition {
  /** Key in the config file; a dot separates a group (`lock.leaseSeconds`). */
  key: string;
  env?: readonly string[];
  /** The command-line flag that sets it, as shown to users. */
  flag?: string;
  fromText: (text: string) => TextParse;
  schema: z.ZodType;
  default?: unknown;
  /** The expected value, for messages ("must be a <expected>"); zod's type name by default. */
  expected?: string;
  /** Values of this setting may contain passwords, so messages must not show them. */
  secret?: boolean;
}

export const ALIAS_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;
export const ALIAS_RULE = 'a letter followed by up to 62 letters, digits, "_" or "-"';

const SECONDS = 'number of seconds';

const seconds = (max: number) => z.number().positive(`must be greater than 0`).max(max, `must be at most ${max}`);

const parseJsonObject = (text: string): TextParse => parseJsonText(text);

const splitList = (text: string): string[] =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

const parseList = (text: string): TextParse => ({ ok: true, value: splitList(text) });

const parseNumber = (text: string): TextParse => {
  const value = Number(text.trim());
  return text.trim() !== '' && Number.isFinite(value) ? { ok: true, value } : { ok: false, message: 'is not a number' };
};

const parseBoolean = (text: string): TextParse => {
  const normalized = text.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(normalized)) {
    return { ok: true, value: true };
  }

  if (['0', 'false', 'no', 'off'].includes(normalized)) {
    return { ok: true, value: false };
  }

  return { ok: false, message: 'is not a boolean; use true or false (1/0, yes/no, on/off also work)' };
};

const parseString = (text: string): TextParse => ({ ok: true, value: text });

const stringList = z.union([z.array(z.string()), z.string().transform(splitList)]);

export const SETTINGS: readonly SettingDefinition[] = [
  {
    key: 'tenantMappings',
    expected: 'JSON object of hostname to alias',
    env: [Env.TENANT_MAPPINGS],
    fromText: parseJsonObject,
    schema: z.record(z.string(), z.string()),
    default: {},
  },
  {
    key: 'databases',
    expected: 'JSON object of alias to connection URL',
    env: [Env.TENANT_DATABASES],
    fromText: parseJsonObject,
    schema: z.record(z.string(), z.string()),
    default: {},
    secret: true,
  },
  {
    key: 'migrationDatabases',
    expected: 'list of aliases (JSON array or comma-separated string)',
    env: [Env.TENANT_MIGRATION_DATABASES],
    fromText: parseList,
    schema: stringList,
    default: ['default'],
  },
  {
    key: 'strictMode',
    expected: 'boolean (true or false)',
    env: [Env.TENANT_STRICT_MODE],
    fromText: parseBoolean,
    schema: z.boolean(),
  },
  {
    key: 'unknownHostAllowlist',
    expected: 'list of hostnames (JSON array or comma-separated string)',
    env: [Env.TENANT_UNKNOWN_HOST_ALLOWLIST],
    fromText: parseList,
    schema: stringList,
    default: [],
  },
  {
    key: 'environment',
    env: [Env.ENVIRONMENT, Env.NODE_ENV],
    fromText: parseString,
    schema: z.string().trim().min(1, 'must not be empty'),
    default: 'production',
  },
  {
    key: 'migrationsDir',
    env: [Env.MIGRATIONS_DIR],
    flag: '--migrations',
    fromText: parseString,
    schema: z.string().min(1, 'must not be empty'),
    default: 'migrations',
  },
  {
    key: 'auditLog',
    env: [Env.AUDIT_LOG],
    flag: '--audit-log',
    fromText: parseString,
    schema: z.string().min(1, 'must not be empty'),
  },
  {
    key: 'concurrency',
    expected: 'whole number from 1 to 256',
    env: [Env.CONCURRENCY],
    flag: '--concurrency',
    fromText: parseNumber,
    schema: z.number().int('must be a whole number').min(1, 'must be at least 1').max(256, 'must be at most 256'),
    default: 4,
  },
  {
    key: 'redis.url',
    expected: 'Redis URL string',
    env: [Env.REDIS_URL],
    flag: '--redis-url',
    fromText: parseString,
    schema: z.string(),
    default: 'redis://127.0.0.1:6379',
    secret: true,
  },
  {
    key: 'redis.commandTimeoutSeconds',
    expected: SECONDS,
    env: [Env.REDIS_COMMAND_TIMEOUT_SECONDS],
    fromText: parseNumber,
    schema: seconds(300),
    default: 5,
  },
  {
    key: 'redis.connectTimeoutSeconds',
    expected: SECONDS,
    fromText: parseNumber,
    schema: seconds(300),
    default: 5,
  },
  {
    key: 'lock.prefix',
    env: [Env.LOCK_PREFIX],
    flag: '--lock-prefix',
    fromText: parseString,
    schema: z
      .string()
      .min(1, 'must not be empty')
      .max(200, 'must be at most 200 characters')
      .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
      .refine((prefix) => !/[*?[\]]/.test(prefix), 'must not contain the glob characters * ? [ ], which SCAN patterns would expand'),
    default: 'tenantctl:lock:',
  },
  {
    key: 'lock.leaseSeconds',
    expected: SECONDS,
    env: [Env.LOCK_LEASE_SECONDS],
    fromText: parseNumber,
    schema: seconds(86_400),
    default: 1800,
  },
  {
    key: 'lock.staleSeconds',
    expected: SECONDS,
    env: [Env.LOCK_STALE_SECONDS],
    fromText: parseNumber,
    schema: seconds(86_400),
    default: 120,
  },
  {
    key: 'lock.heartbeatSeconds',
    expected: SECONDS,
    env: [Env.LOCK_HEARTBEAT_SECONDS],
    fromText: parseNumber,
    schema: seconds(3600),
  },
  {
    key: 'postgres.connectTimeoutSeconds',
    expected: SECONDS,
    env: [Env.PG_CONNECT_TIMEOUT_SECONDS],
    fromText: parseNumber,
    schema: seconds(600),
    default: 10,
  },
  {
    key: 'postgres.lockTimeoutSeconds',
    expected: SECONDS,
    env: [Env.PG_LOCK_TIMEOUT_SECONDS],
    fromText: parseNumber,
    schema: seconds(86_400),
    default: 10,
  },
  {
    key: 'postgres.statementTimeoutSeconds',
    expected: SECONDS,
    env: [Env.PG_STATEMENT_TIMEOUT_SECONDS],
    fromText: parseNumber,
    schema: seconds(86_400),
    default: 900,
  },
];

/** Group keys that hold nested settings in the config file. */
export const SETTING_GROUPS = ['redis', 'lock', 'postgres'] as const;
