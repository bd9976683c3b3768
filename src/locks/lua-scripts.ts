/**
 * Lua scripts for the tenant lock. Every mutation of a lock key runs as one of these scripts, so
 * the check of the token and the change are atomic. Timestamps come from the Redis server clock
 * (TIME), so runners on machines with skewed clocks still agree on heartbeat ages.
 *
 * A lock is a hash with the fields token, host, pid, correlationId, command, acquiredAt and
 * heartbeatAt (epoch milliseconds), and a TTL of one lease.
 */

const NOW = `
local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local nowText = time[1] .. string.format('%03d', math.floor(tonumber(time[2]) / 1000))
`;

const WRITE_RECORD = `
redis.call('HSET', KEYS[1], 'token', token, 'host', ARGV[holderArg], 'pid', ARGV[holderArg + 1],
  'correlationId', ARGV[holderArg + 2], 'command', ARGV[holderArg + 3],
  'acquiredAt', nowText, 'heartbeatAt', nowText)
redis.call('PEXPIRE', KEYS[1], leaseMs)
`;

/**
 * Takes a free lock. ARGV: token, leaseMs, host, pid, correlationId, command.
 * Returns {1, nowMs} when taken, or {0, nowMs, record fields..., pttl} when another holder has it.
 */
export const ACQUIRE_SCRIPT = `${NOW}
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {0, nowMs, redis.call('HGETALL', KEYS[1]), redis.call('PTTL', KEYS[1])}
end
local token = ARGV[1]
local leaseMs = ARGV[2]
local holderArg = 3
${WRITE_RECORD}
return {1, nowMs}
`;

/**
 * Takes over a stale lock, only if it still holds the token the caller observed and its heartbeat
 * is older than the stale threshold. ARGV: observedToken, staleMs, newToken, leaseMs, host, pid,
 * correlationId, command. Returns {1, nowMs} on takeover, {0, nowMs} when the holder is alive again,
 * {-1, nowMs} when the key is gone and {-2, nowMs} when the key has another token.
 */
export const TAKEOVER_SCRIPT = `${NOW}
local current = redis.call('HGET', KEYS[1], 'token')
if not current then
  return {-1, nowMs}
end
if current ~= ARGV[1] then
  return {-2, nowMs}
end
local heartbeat = tonumber(redis.call('HGET', KEYS[1], 'heartbeatAt'))
if heartbeat and nowMs - heartbeat <= tonumber(ARGV[2]) then
  return {0, nowMs}
end
redis.call('DEL', KEYS[1])
local token = ARGV[3]
local leaseMs = ARGV[4]
local holderArg = 5
${WRITE_RECORD}
return {1, nowMs}
`;

/**
 * Extends the lease and records a heartbeat. ARGV: token, leaseMs.
 * Returns 1 when renewed, -1 when the key is gone, -2 when the key has another token.
 */
export const HEARTBEAT_SCRIPT = `${NOW}
local current = redis.call('HGET', KEYS[1], 'token')
if not current then
  return -1
end
if current ~= ARGV[1] then
  return -2
end
redis.call('HSET', KEYS[1], 'heartbeatAt', nowText)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/**
 * Deletes the lock only if it has the given token. ARGV: token.
 * Returns 1 when deleted, -1 when the key is gone, -2 when the key has another token.
 */
export const RELEASE_SCRIPT = `
local current = redis.call('HGET', KEYS[1], 'token')
if not current then
  return -1
end
if current ~= ARGV[1] then
  return -2
end
redis.call('DEL', KEYS[1])
return 1
`;

/**
 * Deletes a lock only if it still holds the observed token and its heartbeat, by the Redis clock,
 * is older than the stale threshold. ARGV: observedToken, staleMs.
 * Returns {1, nowMs} when deleted, {0, nowMs} when the holder is alive, {-1, nowMs} when gone,
 * {-2, nowMs} when the key has another token.
 */
export const CLEAR_STALE_SCRIPT = `${NOW}
local current = redis.call('HGET', KEYS[1], 'token')
if not current then
  return {-1, nowMs}
end
if current ~= ARGV[1] then
  return {-2, nowMs}
end
local heartbeat = tonumber(redis.call('HGET', KEYS[1], 'heartbeatAt'))
if heartbeat and nowMs - heartbeat <= tonumber(ARGV[2]) then
  return {0, nowMs}
end
redis.call('DEL', KEYS[1])
return {1, nowMs}
`;

/** Returns {nowMs, record fields..., pttl} of one lock, or {nowMs} when it is free. */
export const INSPECT_SCRIPT = `${NOW}
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {nowMs}
end
return {nowMs, redis.call('HGETALL', KEYS[1]), redis.call('PTTL', KEYS[1])}
`;
