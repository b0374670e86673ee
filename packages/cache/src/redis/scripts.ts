import { luaScript } from '@breakwater/core/redis';

/**
 * How a key is kept in Redis. A value is a plain string (the serializer's text). A deleted
 * key holds a *tombstone* for `tombstoneTtlMs` ms: a hash whose `tombstone` field is a token
 * unique to that delete. A load remembers what it read (nothing, or a tombstone's token)
 * and writes its value only if the key still holds exactly that, so a `set` or a `delete`
 * made anywhere while the load ran wins over it. Every script touches one key, so it runs
 * on Redis Cluster too.
 */
const FIELD = 'tombstone';

/**
 * Reads KEYS[1]: `[]` when absent, `[token]` for a tombstone, `[text, pttl]` for a value
 * (any other type fails with Redis's WRONGTYPE error, from GET).
 */
export const READ = luaScript(`local key = KEYS[1]
local kind = redis.call('TYPE', key)['ok']
if kind == 'none' then return {} end
if kind == 'hash' then return {redis.call('HGET', key, '${FIELD}') or ''} end
return {redis.call('GET', key), redis.call('PTTL', key)}`);

/**
 * Writes a loaded value ARGV[1] with TTL ARGV[2] ms (`0`: none) if KEYS[1] is absent or
 * still holds what the load saw there: the tombstone whose token is ARGV[3], or the corrupt
 * text ARGV[4] (each `''` when not seen). Returns 1 when written, 0 when the key changed.
 */
export const WRITE_LOADED = luaScript(`local key = KEYS[1]
local kind = redis.call('TYPE', key)['ok']
local same = kind == 'none'
if kind == 'hash' then
  same = ARGV[3] ~= '' and redis.call('HGET', key, '${FIELD}') == ARGV[3]
elseif kind == 'string' then
  same = ARGV[4] ~= '' and redis.call('GET', key) == ARGV[4]
end
if not same then return 0 end
if ARGV[2] == '0' then
  redis.call('SET', key, ARGV[1])
else
  redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
end
return 1`);

/**
 * Replaces KEYS[1] by a tombstone with token ARGV[1] that expires after ARGV[2] ms. Always
 * sent as `EVAL`: after a `NOSCRIPT` retry, a `SET` sent later would be overtaken and the
 * key left deleted.
 */
export const DELETE = luaScript(
  `local key = KEYS[1]
redis.call('DEL', key)
redis.call('HSET', key, '${FIELD}', ARGV[1])
redis.call('PEXPIRE', key, ARGV[2])
return 1`,
  { ordered: true },
);

/** Deletes KEYS[1] only if it still holds the (corrupt) text ARGV[1]. Returns 1 or 0. */
export const DELETE_CORRUPT = luaScript(`local key = KEYS[1]
if redis.call('TYPE', key)['ok'] == 'string' and redis.call('GET', key) == ARGV[1] then
  return redis.call('DEL', key)
end
return 0`);
