import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';

import { ConfigError, type ConfigIssue } from '../errors.js';
import { normalizeHost, normalizeHostPattern } from '../hosts/normalize-host.js';
import { PostgresUrl, RedisUrl } from './connection-url.js';
import { registerSecret } from './secret-registry.js';
import { DEFAULT_CONFIG_FILE, Env } from './env-names.js';
import { parseJsonText } from './json-text.js';
import { printable } from './printable.js';
import type { ResolvedConfig } from './resolved-config.js';
import { describeSchemaIssue } from './schema-issue.js';
import { ALIAS_PATTERN, ALIAS_RULE, SETTING_GROUPS, SETTINGS, type SettingDefinition } from './settings.js';

/** Config files larger than this are rejected before parsing; 10,000 tenants fit in a few MiB. */
const MAX_CONFIG_FILE_BYTES = 64 * 1024 * 1024;

export interface LoadConfigOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Path from --config; wins over TENANTCTL_CONFIG and ./tenantctl.config.json. */
  configPath?: string | undefined;
  /** Values from command-line flags, by setting key (`lock.prefix`); undefined means not given. */
  flags?: Readonly<Record<string, unknown>>;
}

interface Candidate {
  value: unknown;
  source: string;
  /** Base folder for relative paths: the config file's folder for file values, else the working directory. */
  baseDir: string;
}

/**
 * Loads and validates the configuration with the precedence flags > environment > file > defaults.
 * Every problem is collected and thrown at once as a ConfigError; values that may hold secrets are
 * never quoted in a message.
 */
export function loadConfig(options: LoadConfigOptions = {}): ResolvedConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const flags = options.flags ?? {};
  const issues: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];

  const file = readConfigFile(cwd, env, options.configPath, issues);
  const chosen = new Map<string, Candidate>();
  const sources = new Map<string, string>();

  for (const setting of SETTINGS) {
    const candidate = pickCandidate(setting, { flags, env, file, cwd }, issues);
    if (candidate === undefined) {
      continue;
    }

    const parsed = setting.schema.safeParse(candidate.value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const path = issue.path.length > 0 ? `.${issue.path.map(String).join('.')}` : '';
        issues.push({ key: `${setting.key}${path}`, source: candidate.source, message: describeSchemaIssue(setting, issue, candidate.value) });
      }
      continue;
    }

    chosen.set(setting.key, { ...candidate, value: parsed.data });
    sources.set(setting.key, candidate.source);
  }

  const config = resolveValues(chosen, sources, file?.path, issues, warnings);
  if (config !== undefined) {
    for (const url of config.databases.values()) {
      registerSecret(url.revealPassword());
    }

    registerSecret(config.redis.url.revealPassword());
  }

  if (issues.length > 0 || config === undefined) {
    throw new ConfigError(issues);
  }

  return config;
}

interface ConfigFile {
  path: string;
  values: Map<string, unknown>;
}

function readConfigFile(cwd: string, env: NodeJS.ProcessEnv, flagPath: string | undefined, issues: ConfigIssue[]): ConfigFile | undefined {
  const explicit = flagPath ?? env[Env.CONFIG];
  const source = flagPath !== undefined ? 'flag --config' : `environment ${Env.CONFIG}`;
  const path = resolve(cwd, explicit ?? DEFAULT_CONFIG_FILE);

  if (explicit === undefined && !existsSync(path)) {
    return undefined;
  }

  if (explicit !== undefined && explicit.trim() === '') {
    issues.push({ key: 'config', source, message: 'is empty; give the path of a JSON config file' });
    return undefined;
  }

  let text: string;
  try {
    const size = statSync(path).size;
    if (size > MAX_CONFIG_FILE_BYTES) {
      issues.push({ key: 'config', source: `file ${path}`, message: `is ${size} bytes; the limit is ${MAX_CONFIG_FILE_BYTES} bytes` });
      return undefined;
    }

    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    const hint = code === 'ENOENT' ? 'the file does not exist; check the path' : `cannot be read (${code})`;
    issues.push({ key: 'config', source: explicit === undefined ? 'default' : source, message: `${printable(path, 200)}: ${hint}` });
    return undefined;
  }

  const parsed = parseJsonText(text);
  if (!parsed.ok) {
    issues.push({ key: 'config', source: `file ${path}`, message: `the file ${parsed.message}` });
    return undefined;
  }

  if (typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) {
    issues.push({ key: 'config', source: `file ${path}`, message: 'the file must contain a JSON object' });
    return undefined;
  }

  return { path, values: flattenFile(parsed.value as Record<string, unknown>, path, issues) };
}

function flattenFile(object: Record<string, unknown>, path: string, issues: ConfigIssue[]): Map<string, unknown> {
  const known = new Set(SETTINGS.map((setting) => setting.key));
  const values = new Map<string, unknown>();
  const source = `file ${path}`;
  const unknownKeyIssues: ConfigIssue[] = [];

  for (const [key, value] of Object.entries(object)) {
    if (key === '$schema') {
      continue;
    }

    if ((SETTING_GROUPS as readonly string[]).includes(key)) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        issues.push({ key, source, message: 'must be a JSON object' });
        continue;
      }

      for (const [child, childValue] of Object.entries(value)) {
        addFileValue(`${key}.${child}`, childValue, known, values, source, unknownKeyIssues);
      }
      continue;
    }

    addFileValue(key, value, known, values, source, unknownKeyIssues);
  }

  // The list of known keys is long, so it is printed once, after the last unknown key.
  const last = unknownKeyIssues.at(-1);
  if (last !== undefined) {
    const end = last.message.endsWith('?') ? '' : '.';
    last.message = `${last.message}${end} Known keys: ${[...known].join(', ')}`;
  }

  issues.push(...unknownKeyIssues);
  return values;
}

function addFileValue(key: string, value: unknown, known: Set<string>, values: Map<string, unknown>, source: string, unknownKeyIssues: ConfigIssue[]): void {
  if (!known.has(key)) {
    const suggestion = closestKey(key, [...known]);
    unknownKeyIssues.push({
      key: printable(key),
      source,
      message: suggestion === undefined ? 'unknown key' : `unknown key; did you mean "${suggestion}"?`,
    });
    return;
  }

  values.set(key, value);
}

function pickCandidate(
  setting: SettingDefinition,
  inputs: { flags: Readonly<Record<string, unknown>>; env: NodeJS.ProcessEnv; file: ConfigFile | undefined; cwd: string },
  issues: ConfigIssue[],
): Candidate | undefined {
  const flagValue = inputs.flags[setting.key];
  if (flagValue !== undefined) {
    return { value: flagValue, source: `flag ${setting.flag ?? setting.key}`, baseDir: inputs.cwd };
  }

  for (const name of setting.env ?? []) {
    const text = inputs.env[name];
    if (text === undefined) {
      continue;
    }

    const parsed = setting.fromText(text);
    if (!parsed.ok) {
      // A secret setting's text may hold a password, so only other settings show their value.
      const message = setting.secret === true ? parsed.message : `"${printable(text)}" ${parsed.message}`;
      issues.push({ key: setting.key, source: `environment ${name}`, message });
      return undefined;
    }

    return { value: parsed.value, source: `environment ${name}`, baseDir: inputs.cwd };
  }

  if (inputs.file?.values.has(setting.key)) {
    return { value: inputs.file.values.get(setting.key), source: `file ${inputs.file.path}`, baseDir: dirname(inputs.file.path) };
  }

  if (setting.default !== undefined) {
    return { value: setting.default, source: 'default', baseDir: inputs.cwd };
  }

  return undefined;
}

function resolveValues(
  chosen: Map<string, Candidate>,
  sources: Map<string, string>,
  configFile: string | undefined,
  issues: ConfigIssue[],
  warnings: ConfigIssue[],
): ResolvedConfig | undefined {
  const get = <T>(key: string): T => chosen.get(key)?.value as T;
  const source = (key: string): string => sources.get(key) ?? 'default';

  const rawDatabases = get<Record<string, string> | undefined>('databases') ?? {};
  const databases = resolveDatabases(rawDatabases, source('databases'), issues);
  // Mappings and the allowlist are checked against every alias the user defined, also those whose
  // URL is invalid, so that one bad URL is reported once and not again as an undefined alias.
  const definedAliases = new Set(Object.keys(rawDatabases));
  const tenantMappings = resolveMappings(get<Record<string, string> | undefined>('tenantMappings') ?? {}, source('tenantMappings'), definedAliases, issues);
  const migrationAllowlist = resolveAllowlist(get<string[] | undefined>('migrationDatabases') ?? [], source('migrationDatabases'), definedAliases, issues, warnings);
  const unknownHostAllowlist = resolveHostList(get<string[] | undefined>('unknownHostAllowlist') ?? [], source('unknownHostAllowlist'), warnings);

  const redisUrl = RedisUrl.parse(get<string>('redis.url') ?? '');
  // A value that failed its schema is already reported and was never chosen.
  if (!redisUrl.ok && chosen.has('redis.url')) {
    issues.push({ key: 'redis.url', source: source('redis.url'), message: `the URL ${redisUrl.message}` });
  }

  const lock = resolveLock(chosen, source, issues);
  const environment = get<string | undefined>('environment') ?? 'production';
  const strictMode = get<boolean | undefined>('strictMode') ?? environment !== 'development';
  if (!sources.has('strictMode')) {
    sources.set('strictMode', `default (environment is ${environment})`);
  }

  if (!redisUrl.ok || lock === undefined || issues.length > 0) {
    return undefined;
  }

  const pathSetting = (key: string): string | undefined => {
    const candidate = chosen.get(key);
    if (candidate === undefined) {
      return undefined;
    }

    const value = candidate.value as string;
    return isAbsolute(value) ? value : resolve(candidate.baseDir, value);
  };

  return {
    configFile,
    environment,
    strictMode,
    tenantMappings,
    databases,
    migrationAllowlist,
    unknownHostAllowlist,
    migrationsDir: pathSetting('migrationsDir') ?? resolve('migrations'),
    auditLog: pathSetting('auditLog'),
    concurrency: get<number>('concurrency'),
    redis: {
      url: redisUrl.value,
      commandTimeoutMs: Math.round(get<number>('redis.commandTimeoutSeconds') * 1000),
      connectTimeoutMs: Math.round(get<number>('redis.connectTimeoutSeconds') * 1000),
    },
    lock,
    postgres: {
      connectTimeoutMs: Math.round(get<number>('postgres.connectTimeoutSeconds') * 1000),
      lockTimeoutMs: Math.round(get<number>('postgres.lockTimeoutSeconds') * 1000),
      statementTimeoutMs: Math.round(get<number>('postgres.statementTimeoutSeconds') * 1000),
    },
    sources,
    warnings,
  };
}

function resolveDatabases(raw: Record<string, string>, source: string, issues: ConfigIssue[]): Map<string, PostgresUrl> {
  const databases = new Map<string, PostgresUrl>();

  for (const [alias, url] of Object.entries(raw)) {
    if (!ALIAS_PATTERN.test(alias)) {
      issues.push({ key: `databases.${printable(alias)}`, source, message: `invalid alias; an alias is ${ALIAS_RULE}` });
      continue;
    }

    const parsed = PostgresUrl.parse(url);
    if (!parsed.ok) {
      issues.push({ key: `databases.${alias}`, source, message: `the connection URL ${parsed.message}` });
      continue;
    }

    databases.set(alias, parsed.value);
  }

  return databases;
}

function resolveMappings(raw: Record<string, string>, source: string, definedAliases: ReadonlySet<string>, issues: ConfigIssue[]): Map<string, string> {
  const mappings = new Map<string, string>();
  const firstSpelling = new Map<string, string>();

  for (const [host, alias] of Object.entries(raw)) {
    const key = `tenantMappings.${printable(host)}`;
    const pattern = normalizeHostPattern(host);
    if (!pattern.ok) {
      issues.push({ key, source, message: `invalid hostname: it ${pattern.message}` });
      continue;
    }

    const normalized = pattern.value.key;
    if (!ALIAS_PATTERN.test(alias)) {
      issues.push({ key, source, message: `maps to "${printable(alias)}", which is not a valid alias; an alias is ${ALIAS_RULE}` });
      continue;
    }

    if (!definedAliases.has(alias)) {
      issues.push({ key, source, message: `maps to alias "${alias}", which no database defines; add it to databases (TENANT_DATABASES) or fix the mapping` });
      continue;
    }

    const earlier = firstSpelling.get(normalized);
    if (earlier !== undefined) {
      issues.push({ key, source, message: `is the same host as "${printable(earlier)}" after normalization (${normalized}); keep one entry` });
      continue;
    }

    firstSpelling.set(normalized, host);
    mappings.set(normalized, alias);
  }

  return mappings;
}

function resolveAllowlist(raw: string[], source: string, definedAliases: ReadonlySet<string>, issues: ConfigIssue[], warnings: ConfigIssue[]): Set<string> {
  const allowlist = new Set<string>();

  for (const alias of raw) {
    if (!ALIAS_PATTERN.test(alias)) {
      issues.push({ key: `migrationDatabases`, source, message: `"${printable(alias)}" is not a valid alias; an alias is ${ALIAS_RULE}` });
      continue;
    }

    if (!definedAliases.has(alias)) {
      warnings.push({ key: 'migrationDatabases', source, message: `allowlisted alias "${alias}" is not defined in databases, so it matches nothing` });
    }

    allowlist.add(alias);
  }

  return allowlist;
}

function resolveHostList(raw: string[], source: string, warnings: ConfigIssue[]): string[] {
  const hosts: string[] = [];

  for (const host of raw) {
    const normalized = normalizeHost(host);
    if (!normalized.ok) {
      warnings.push({ key: 'unknownHostAllowlist', source, message: `"${printable(host)}" is ignored: it ${normalized.message}` });
      continue;
    }

    hosts.push(normalized.value);
  }

  return hosts;
}

function resolveLock(chosen: Map<string, Candidate>, source: (key: string) => string, issues: ConfigIssue[]): ResolvedConfig['lock'] | undefined {
  const prefix = chosen.get('lock.prefix')?.value as string | undefined;
  const leaseSeconds = chosen.get('lock.leaseSeconds')?.value as number | undefined;
  const staleSeconds = chosen.get('lock.staleSeconds')?.value as number | undefined;
  if (prefix === undefined || leaseSeconds === undefined || staleSeconds === undefined) {
    return undefined;
  }

  // Four heartbeats fit in the shorter of the two windows, so one delayed beat does not lose the lock.
  const shortest = Math.min(leaseSeconds, staleSeconds);
  const heartbeatSeconds = (chosen.get('lock.heartbeatSeconds')?.value as number | undefined) ?? Math.min(shortest / 4, 30);
  if (heartbeatSeconds * 2 > shortest) {
    issues.push({
      key: 'lock.heartbeatSeconds',
      source: source('lock.heartbeatSeconds'),
      message: `is ${heartbeatSeconds}s, more than half of the ${shortest}s lease or stale threshold; a heartbeat must come at least twice per window`,
    });
    return undefined;
  }

  return {
    prefix,
    leaseMs: Math.round(leaseSeconds * 1000),
    staleMs: Math.round(staleSeconds * 1000),
    heartbeatMs: Math.round(heartbeatSeconds * 1000),
  };
}

function closestKey(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;

  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }

  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) {
    return 99;
  }

  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }

  return previous[b.length] ?? 99;
}
