import { luaScript } from '@breakwater/core/redis';

/**
 * KEYS: lock, result. ARGV: token, lockTtlMs.
 * Returns `{1, record}` when a result is there, `{2}` when the lock was taken for `token`,
 * `{0}` when another holder has it.
 */
export const ACQUIRE = luaScript(`
local record = redis.call('GET', KEYS[2])
if record then return {1, record} end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {2} end
return {0}
`);

/** KEYS: lock. ARGV: token, lockTtlMs. Extends the lock while `token` holds it. */
export const RENEW = luaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`);

/**
 * KEYS: lock, result. ARGV: token, record, resultTtlMs.
 * Stores the outcome, then deletes the lock if `token` still holds it.
 */
export const STORE = luaScript(`
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`);

/** KEYS: lock. ARGV: token. Deletes the lock if `token` still holds it. */
export const RELEASE = luaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`);
