import type { PostgresUrl } from '../config/connection-url.js';
import { printable } from '../config/printable.js';
import type { ResolvedConfig } from '../config/resolved-config.js';
import { ALIAS_PATTERN, ALIAS_RULE } from '../config/settings.js';
import type { GuardRejection } from '../errors.js';
import { normalizeHost } from '../hosts/normalize-host.js';
import { lookupMappedHost } from '../hosts/resolve-tenant.js';

/** A tenant that passed the migration guard. */
export interface MigrationTarget {
  alias: string;
  /** The user's input (alias or hostname), escaped for display. */
  input: string;
  url: PostgresUrl;
}

export type TargetSelection = { all: true } | { all?: false; tenants: readonly string[] };

export interface GuardOutcome {
  targets: MigrationTarget[];
  rejections: GuardRejection[];
}

const MAX_INPUT_LENGTH = 1024;

/**
 * Checks every requested target before any connection opens: the alias is well-formed, defined in
 * the database map and in the migration allowlist. A hostname is accepted in place of an alias when
 * the tenant map names it, exactly or through a `*.parent` wildcard entry. `--all` selects the
 * allowlisted aliases that a database defines.
 */
export function resolveMigrationTargets(config: ResolvedConfig, selection: TargetSelection): GuardOutcome {
  if (selection.all === true) {
    return selectAll(config);
  }

  const targets = new Map<string, MigrationTarget>();
  const rejections: GuardRejection[] = [];

  for (const input of selection.tenants) {
    const checked = checkTarget(config, input);
    if ('reason' in checked) {
      rejections.push(checked);
      continue;
    }

    if (!targets.has(checked.alias)) {
      targets.set(checked.alias, checked);
    }
  }

  return { targets: [...targets.values()], rejections };
}

/** Resolves one alias or hostname to a database alias, without the allowlist check. */
export function lookupAlias(config: ResolvedConfig, input: string): { alias: string } | GuardRejection {
  const shown = displayInput(input);
  if (input.length === 0 || input.length > MAX_INPUT_LENGTH) {
    return { input: shown, reason: 'malformed-alias', message: `"${shown}": a tenant must be an alias (${ALIAS_RULE}) or a mapped hostname of at most 253 characters` };
  }

  if (ALIAS_PATTERN.test(input) && config.databases.has(input)) {
    return { alias: input };
  }

  const host = normalizeHost(input);
  if (host.ok) {
    // The resolver's exact-then-wildcard match, without its unknown-host fallbacks to `default`.
    const alias = lookupMappedHost(config.tenantMappings, host.value);
    if (alias !== undefined) {
      return { alias };
    }
  }

  if (ALIAS_PATTERN.test(input)) {
    return {
      input: shown,
      reason: 'unknown-alias',
      message: `"${shown}" is not a database alias or a mapped hostname; check the name, or add it to databases (TENANT_DATABASES)`,
    };
  }

  if (!host.ok) {
    return {
      input: shown,
      reason: 'malformed-host',
      message: `"${shown}" is neither an alias (${ALIAS_RULE}) nor a valid hostname: it ${host.message}`,
    };
  }

  return {
    input: shown,
    reason: 'unknown-host',
    message: `hostname "${host.value}" is not in the tenant map; add it to tenantMappings (TENANT_MAPPINGS) or pass the alias`,
  };
}

function checkTarget(config: ResolvedConfig, input: string): MigrationTarget | GuardRejection {
  const found = lookupAlias(config, input);
  if ('reason' in found) {
    return found;
  }

  const shown = displayInput(input);
  if (!config.migrationAllowlist.has(found.alias)) {
    return {
      input: shown,
      alias: found.alias,
      reason: 'not-allowlisted',
      message: `"${shown}" resolves to alias "${found.alias}", which is not in the migration allowlist; add it to migrationDatabases (TENANT_MIGRATION_DATABASES) if migrations may touch it`,
    };
  }

  const url = config.databases.get(found.alias);
  if (url === undefined) {
    return { input: shown, alias: found.alias, reason: 'unknown-alias', message: `alias "${found.alias}" has no database` };
  }

  return { alias: found.alias, input: shown, url };
}

/**
 * Escapes a target for display and masks everything up to its last "@", because a connection URL
 * passed as --tenant by mistake carries its password there.
 */
function displayInput(input: string): string {
  return printable(input.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)?[\s\S]*@/, '$1****@'));
}

function selectAll(config: ResolvedConfig): GuardOutcome {
  const targets: MigrationTarget[] = [];
  for (const alias of [...config.migrationAllowlist].sort()) {
    const url = config.databases.get(alias);
    if (url !== undefined) {
      targets.push({ alias, input: alias, url });
    }
  }

  if (targets.length === 0) {
    return {
      targets,
      rejections: [
        {
          input: '--all',
          reason: 'not-allowlisted',
          message: 'no defined database alias is in the migration allowlist, so --all selects nothing; set migrationDatabases (TENANT_MIGRATION_DATABASES) to the aliases migrations may touch',
        },
      ],
    };
  }

  return { targets, rejections: [] };
}
