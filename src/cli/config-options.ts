import type { Command } from 'commander';

import { printable } from '../config/printable.js';
import type { ResolvedConfig } from '../config/resolved-config.js';
import { ConfigError, UsageError } from '../errors.js';
import { Option } from './commander.js';
import { Flag } from './flags.js';
import type { CliIo } from './io.js';

/** Options every command that reads the configuration accepts. */
export interface ConfigFlags {
  config?: string;
  migrations?: string;
  auditLog?: string;
  redisUrl?: string;
  lockPrefix?: string;
  concurrency?: number;
  json?: boolean;
}

/** Adds the configuration flags shared by every command. */
export function addConfigOptions(command: Command, include: { concurrency?: boolean; auditLog?: boolean; migrations?: boolean } = {}): Command {
  command.option(`${Flag.CONFIG} <file>`, 'config file (default: ./tenantctl.config.json, or TENANTCTL_CONFIG)');
  if (include.migrations !== false) {
    command.option(`${Flag.MIGRATIONS} <dir>`, 'migrations folder (default: ./migrations; env TENANTCTL_MIGRATIONS_DIR)');
  }

  if (include.auditLog === true) {
    command.option(`${Flag.AUDIT_LOG} <file>`, 'append JSON Lines audit records to this file (env TENANTCTL_AUDIT_LOG)');
  }

  if (include.concurrency === true) {
    command.addOption(new Option(`${Flag.CONCURRENCY} <n>`, 'tenants processed at once, 1 to 256 (default 4; env TENANTCTL_CONCURRENCY)').argParser(parseInteger(Flag.CONCURRENCY, 1, 256)));
  }

  command.option(`${Flag.REDIS_URL} <url>`, 'Redis URL for tenant locks (default redis://127.0.0.1:6379; env REDIS_URL)');
  command.option(`${Flag.LOCK_PREFIX} <prefix>`, 'key prefix of tenant locks (default tenantctl:lock:; env TENANTCTL_LOCK_PREFIX)');
  command.option(Flag.JSON, 'print one JSON document on stdout; logs go to stderr as JSON Lines');
  return command;
}

/**
 * Loads the configuration with these flags on top. Problems that come only from flags are usage
 * errors (exit 2); the rest are configuration errors (exit 3).
 */
export async function loadConfigFromFlags(flags: ConfigFlags, io: CliIo): Promise<ResolvedConfig> {
  const { loadConfig } = await import('../config/load-config.js');
  try {
    return loadConfig({
      cwd: io.cwd,
      env: io.env,
      configPath: flags.config,
      flags: {
        migrationsDir: flags.migrations,
        auditLog: flags.auditLog,
        'redis.url': flags.redisUrl,
        'lock.prefix': flags.lockPrefix,
        concurrency: flags.concurrency,
      },
    });
  } catch (error) {
    if (error instanceof ConfigError && error.issues.every((issue) => issue.source.startsWith('flag '))) {
      throw new UsageError(error.issues.map((issue) => `${issue.source.slice('flag '.length)} ${issue.message}`).join('\n'));
    }

    throw error;
  }
}

/** Returns a commander parser for a whole-number flag from min to max; anything else is a usage error. */
export function parseInteger(flag: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const number = Number(value.trim());
    if (!/^\d+$/.test(value.trim()) || number < min || number > max) {
      throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${printable(value, 40)}"`);
    }

    return number;
  };
}

/** Returns a commander parser for a flag in seconds (decimals allowed, not negative). */
export function parseSeconds(flag: string): (value: string) => number {
  return (value) => {
    const seconds = Number(value.trim());
    if (value.trim() === '' || !Number.isFinite(seconds) || seconds < 0) {
      throw new UsageError(`${flag} must be a number of seconds, 0 or more, got "${printable(value, 40)}"`);
    }

    return seconds;
  };
}
