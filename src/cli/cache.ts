import type { Command } from 'commander';

import type { ResolvedConfig } from '../config/resolved-config.js';
import type { RunOutcome } from '../exit-codes.js';
import { Option } from './commander.js';
import { loadConfigFromFlags } from './config-options.js';
import { Flag } from './flags.js';
import type { CliIo } from './io.js';

interface CacheFlags {
  config?: string;
  redisUrl?: string;
  cachePrefix?: string;
  json?: boolean;
  tenant?: string[];
}

const CACHE_PREFIX_FLAG = '--cache-prefix';

const CACHE_HELP = `
The tenant cache stores each key as <prefix><alias>:<encoded key> in Redis (prefix "tenant:" by
default, as in TenantCache). Hit and miss counters are totals of every application process that
used the same prefix.

Exit codes:
    0  done
    2  invalid command line
    3  invalid configuration
    4  a --tenant value is not a database alias or a mapped hostname
    5  Redis is unreachable or failed a command`;

/** Registers `tenantctl cache clear` and `tenantctl cache stats`; Redis loads only when they run. */
export function registerCache(program: Command, io: CliIo, setOutcome: (outcome: RunOutcome) => void): void {
  const cache = program.command('cache').description('clear or inspect the tenant-scoped Redis cache of applications');

  const clear = cache
    .command('clear')
    .description('remove every cache key of one tenant and print how many were removed')
    .requiredOption(`${Flag.TENANT} <alias|hostname>`, 'tenant whose keys to remove, by alias or mapped hostname');
  addCacheOptions(clear).action(async (flags: Omit<CacheFlags, 'tenant'> & { tenant: string }) => {
    setOutcome(await runCacheClear(flags, io));
  });

  const stats = cache
    .command('stats')
    .description('show key count, hits and misses of each tenant')
    .addOption(new Option(`${Flag.TENANT} <alias|hostname>`, 'tenant to show (repeatable; default: every alias in the database map)').argParser(collect));
  addCacheOptions(stats).action(async (flags: CacheFlags) => {
    setOutcome(await runCacheStats(flags, io));
  });
}

function addCacheOptions(command: Command): Command {
  return command
    .option(`${Flag.CONFIG} <file>`, 'config file (default: ./tenantctl.config.json, or TENANTCTL_CONFIG)')
    .option(`${Flag.REDIS_URL} <url>`, 'Redis URL (default redis://127.0.0.1:6379; env REDIS_URL)')
    .option(`${CACHE_PREFIX_FLAG} <prefix>`, 'key prefix the application passed to TenantCache (default tenant:)')
    .option(Flag.JSON, 'print one JSON document on stdout')
    .addHelpText('after', CACHE_HELP);
}

async function runCacheClear(flags: Omit<CacheFlags, 'tenant'> & { tenant: string }, io: CliIo): Promise<RunOutcome> {
  const config = await loadCacheConfig(flags, io);
  const alias = await resolveAlias(config, flags.tenant);
  const [{ TenantCache }, { connectCacheRedis }, { closeRedis }, { runWithTenant }] = await Promise.all([
    import('../cache/tenant-cache.js'),
    import('../cache/cache-redis.js'),
    import('../locks/redis-client.js'),
    import('../context/tenant-context.js'),
  ]);

  const prefix = await checkedPrefix(flags.cachePrefix);
  const redis = await connectCacheRedis(config);
  try {
    const cache = new TenantCache(redis, { prefix });
    const removed = await runWithTenant(alias, () => cache.clearTenant());
    if (flags.json === true) {
      io.stdout.write(`${JSON.stringify({ command: 'cache clear', tenant: alias, prefix, removed }, null, 2)}\n`);
    } else {
      io.stdout.write(`Removed ${removed} cache key${removed === 1 ? '' : 's'} of tenant ${alias}.\n`);
    }

    return 'ok';
  } finally {
    await closeRedis(redis);
  }
}

async function runCacheStats(flags: CacheFlags, io: CliIo): Promise<RunOutcome> {
  const config = await loadCacheConfig(flags, io);
  const aliases = flags.tenant === undefined ? [...config.databases.keys()].sort() : await Promise.all(flags.tenant.map((tenant) => resolveAlias(config, tenant)));
  const [{ readCacheStats }, { connectCacheRedis }, { closeRedis }] = await Promise.all([
    import('../cache/tenant-cache.js'),
    import('../cache/cache-redis.js'),
    import('../locks/redis-client.js'),
  ]);

  const prefix = await checkedPrefix(flags.cachePrefix);
  const redis = await connectCacheRedis(config);
  try {
    const stats = await readCacheStats(redis, [...new Set(aliases)], { prefix });
    if (flags.json === true) {
      io.stdout.write(`${JSON.stringify({ command: 'cache stats', prefix, tenants: stats }, null, 2)}\n`);
      return 'ok';
    }

    if (stats.length === 0) {
      io.stdout.write('No tenants: the database map is empty.\n');
      return 'ok';
    }

    const { default: Table } = await import('cli-table3');
    const table = new Table({ head: ['tenant', 'keys', 'hits', 'misses', 'hit ratio'], style: { head: [], border: [] } });
    for (const entry of stats) {
      const lookups = entry.hits + entry.misses;
      table.push([entry.alias, entry.keys, entry.hits, entry.misses, lookups === 0 ? '-' : `${((entry.hits / lookups) * 100).toFixed(1)}%`]);
    }

    io.stdout.write(`${table.toString()}\n`);
    return 'ok';
  } finally {
    await closeRedis(redis);
  }
}

async function loadCacheConfig(flags: Pick<CacheFlags, 'config' | 'redisUrl'>, io: CliIo): Promise<ResolvedConfig> {
  return loadConfigFromFlags({
    ...(flags.config === undefined ? {} : { config: flags.config }),
    ...(flags.redisUrl === undefined ? {} : { redisUrl: flags.redisUrl }),
  }, io);
}

/** Turns an alias or mapped hostname into a database alias, or throws TenantAliasError (exit 4). */
async function resolveAlias(config: ResolvedConfig, tenant: string): Promise<string> {
  const [{ lookupAlias }, { TenantAliasError }] = await Promise.all([import('../guard/resolve-targets.js'), import('../errors.js')]);
  const found = lookupAlias(config, tenant);
  if ('reason' in found) {
    throw new TenantAliasError(found.input, found.message);
  }

  return found.alias;
}

async function checkedPrefix(prefix: string | undefined): Promise<string> {
  const [{ DEFAULT_CACHE_PREFIX }, { UsageError }] = await Promise.all([import('../cache/cache-keys.js'), import('../errors.js')]);
  if (prefix === undefined) {
    return DEFAULT_CACHE_PREFIX;
  }

  if (prefix === '' || prefix.length > 200 || !/^[\x21-\x7e]+$/.test(prefix)) {
    throw new UsageError(`${CACHE_PREFIX_FLAG} must be 1 to 200 printable ASCII characters without spaces, got ${JSON.stringify(prefix.slice(0, 40))}`);
  }

  return prefix;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
