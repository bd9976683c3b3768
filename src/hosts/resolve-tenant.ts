import { isIPv4 } from 'node:net';

import { printable } from '../config/printable.js';
import type { ResolvedConfig } from '../config/resolved-config.js';
import { normalizeHost } from './normalize-host.js';
import { type HostRejectionReason, SecurityLog } from './security-log.js';

/** The alias unknown hosts fall back to in permissive mode and from the unknown-host allowlist. */
export const DEFAULT_TENANT_ALIAS = 'default';

export type TenantResolution =
  | {
      ok: true;
      alias: string;
      normalizedHost: string;
      /** Set when the host is not in the tenant map and was served as `default`, and why. */
      fallback?: 'permissive' | 'allowlist';
    }
  | {
      ok: false;
      reason: HostRejectionReason;
      /** Missing when the host is malformed, because a malformed host has no normalized form. */
      normalizedHost?: string;
      /** Says what was rejected and how to fix it; quotes the input only escaped and shortened. */
      message: string;
    };

export interface TenantResolverOptions {
  /** Log of rejections and permissive fallbacks; false turns it off, as the CLI does. */
  securityLog?: SecurityLog | false;
}

type ResolverConfig = Pick<ResolvedConfig, 'tenantMappings' | 'databases' | 'strictMode' | 'unknownHostAllowlist'>;

/**
 * Maps request hostnames to tenant aliases using the same normalization as the tenant map in the
 * configuration. Lookup order: the exact hostname, then a `*.parent` wildcard entry for its first
 * label, then the unknown-host allowlist, then (permissive mode only) the `default` alias.
 * Malformed hosts are rejected before any lookup.
 */
export class TenantResolver {
  readonly strictMode: boolean;
  private readonly mappings: ReadonlyMap<string, string>;
  private readonly allowlist: ReadonlySet<string>;
  private readonly hasDefault: boolean;
  private readonly securityLog: SecurityLog | undefined;

  constructor(config: ResolverConfig, options: TenantResolverOptions = {}) {
    this.strictMode = config.strictMode;
    this.mappings = config.tenantMappings;
    this.allowlist = new Set(config.unknownHostAllowlist);
    this.hasDefault = config.databases.has(DEFAULT_TENANT_ALIAS);
    this.securityLog = options.securityLog === false ? undefined : (options.securityLog ?? new SecurityLog());
  }

  /**
   * Resolves one hostname, as sent in a Host header or typed by a user, to its tenant alias.
   * Bound to its instance, so `const { resolveTenant } = resolver` works.
   */
  readonly resolveTenant = (host: string): TenantResolution => {
    const normalized = normalizeHost(host);
    if (!normalized.ok) {
      const shown = printable(host);
      this.securityLog?.record({ event: 'host.rejected', reason: 'malformed', host: shown, strictMode: this.strictMode });
      return { ok: false, reason: 'malformed', message: `"${shown}" is not a valid hostname: it ${normalized.message}` };
    }

    const name = normalized.value;
    const alias = lookupMappedHost(this.mappings, name);
    if (alias !== undefined) {
      return { ok: true, alias, normalizedHost: name };
    }

    let fallback: 'allowlist' | 'permissive' | undefined;
    if (this.allowlist.has(name)) {
      fallback = 'allowlist';
    } else if (!this.strictMode) {
      fallback = 'permissive';
    }

    if (fallback !== undefined && this.hasDefault) {
      if (fallback === 'permissive') {
        this.securityLog?.record({ event: 'host.fallback', reason: 'unknown-host', host: name, strictMode: false, alias: DEFAULT_TENANT_ALIAS });
      }

      return { ok: true, alias: DEFAULT_TENANT_ALIAS, normalizedHost: name, fallback };
    }

    this.securityLog?.record({ event: 'host.rejected', reason: 'unknown-host', host: name, strictMode: this.strictMode });
    return { ok: false, reason: 'unknown-host', normalizedHost: name, message: unknownHostMessage(name, fallback !== undefined) };
  };
}

/**
 * Looks a normalized hostname up in the tenant map: the exact entry first, then a `*.parent`
 * wildcard entry for its first label. Returns the alias, or undefined when neither matches. It
 * never falls back to `default`, so callers that pick migration targets can use it as it is.
 */
export function lookupMappedHost(mappings: ReadonlyMap<string, string>, normalizedHost: string): string | undefined {
  const exact = mappings.get(normalizedHost);
  if (exact !== undefined) {
    return exact;
  }

  const wildcard = wildcardKey(normalizedHost);
  return wildcard === undefined ? undefined : mappings.get(wildcard);
}

/** Returns the `*.parent` key that could match the host, or undefined when no wildcard can. */
function wildcardKey(host: string): string | undefined {
  if (host.startsWith('[') || isIPv4(host)) {
    return undefined;
  }

  const dot = host.indexOf('.');
  const parent = host.slice(dot + 1);
  // A wildcard entry needs a parent of two labels or more, so `a.com` never matches `*.com`.
  if (dot === -1 || !parent.includes('.')) {
    return undefined;
  }

  return `*.${parent}`;
}

function unknownHostMessage(host: string, wouldFallBack: boolean): string {
  if (wouldFallBack) {
    return `hostname "${host}" is not in the tenant map and would fall back to "${DEFAULT_TENANT_ALIAS}", but no database "${DEFAULT_TENANT_ALIAS}" is defined; add it to databases (TENANT_DATABASES) or map the host in tenantMappings (TENANT_MAPPINGS)`;
  }

  return `hostname "${host}" is not in the tenant map, and strict mode rejects unknown hosts; map it in tenantMappings (TENANT_MAPPINGS) or add it to TENANT_UNKNOWN_HOST_ALLOWLIST`;
}
