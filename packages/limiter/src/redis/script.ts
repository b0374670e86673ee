import { createHash } from 'node:crypto';

/**
 * The one Lua script of a decision. It touches a single hash, KEYS[1] =
 * `<prefix>{<key>}`, so it runs atomically on one node (Cluster included), and reads the
 * server's clock so that every instance of a fleet agrees on "now".
 *
 * GCRA: field `t<i>` is the theoretical arrival time of limit i (ms, server clock).
 * Fixed window: fields `w<i>` (window start) and `c<i>` (units used in it).
 * A denied request writes nothing; an allowed one writes every limit, then PEXPIREs the
 * hash to the largest tolerance (GCRA) or window (fixed window).
 *
 * ARGV[1] 'g' (GCRA) or 'f' (fixed window); ARGV[2] cost; ARGV[3] the TTL in ms;
 * then per limit: limit, windowMs, interval (ms per unit), tolerance (ms).
 *
 * Reply: { allowed (1/0), limit, remaining, retryAfterMs, resetAfterMs }, the last two as
 * strings (Lua numbers would be truncated to integers).
 */
const SOURCE = `
local key = KEYS[1]
local gcra = ARGV[1] == 'g'
local cost = tonumber(ARGV[2])
local ttl = ARGV[3]
local n = (#ARGV - 3) / 4
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local EPSILON = 1e-6
local fields = {}
for i = 1, n do
  if gcra then
    fields[#fields + 1] = 't' .. i
  else
    fields[#fields + 1] = 'w' .. i
    fields[#fields + 1] = 'c' .. i
  end
end
local stored = redis.call('HMGET', key, unpack(fields))
local denied = false
local retry = 0
local worst = 0
local worstRemaining = math.huge
local state = {}
for i = 1, n do
  local base = 3 + (i - 1) * 4
  local limit = tonumber(ARGV[base + 1])
  local windowMs = tonumber(ARGV[base + 2])
  local interval = tonumber(ARGV[base + 3])
  local tolerance = tonumber(ARGV[base + 4])
  local remaining
  if gcra then
    local tat = math.max(tonumber(stored[i]) or now, now)
    local nextTat = tat + interval * cost
    local allowAt = nextTat - tolerance
    local fits = allowAt <= now + EPSILON
    if not fits then
      denied = true
      retry = math.max(retry, allowAt - now)
    end
    local after = tat
    if fits then after = nextTat end
    remaining = math.max(0, math.floor((tolerance - (after - now)) / interval + EPSILON))
    state[i] = { tat, nextTat, after - now }
  else
    local start = math.floor(now / windowMs) * windowMs
    local used = 0
    if tonumber(stored[i * 2 - 1]) == start then used = tonumber(stored[i * 2]) or 0 end
    local fits = used + cost <= limit
    if not fits then
      denied = true
      retry = math.max(retry, start + windowMs - now)
    end
    remaining = limit - used
    if fits then remaining = remaining - cost end
    state[i] = { start, used, start + windowMs - now }
  end
  if remaining < worstRemaining then
    worstRemaining = remaining
    worst = i
  end
end
local reset = state[worst][3]
if gcra then
  local args = {}
  for i = 1, n do
    args[#args + 1] = 't' .. i
    args[#args + 1] = string.format('%.17g', state[i][2])
  end
  if not denied then
    redis.call('HSET', key, unpack(args))
    redis.call('PEXPIRE', key, ttl)
  end
else
  if not denied then
    local args = {}
    for i = 1, n do
      args[#args + 1] = 'w' .. i
      args[#args + 1] = string.format('%.17g', state[i][1])
      args[#args + 1] = 'c' .. i
      args[#args + 1] = state[i][2] + cost
    end
    redis.call('HSET', key, unpack(args))
    redis.call('PEXPIRE', key, ttl)
  end
end
local allowed = 1
if denied then allowed = 0 end
local limit = tonumber(ARGV[3 + (worst - 1) * 4 + 1])
return { allowed, limit, worstRemaining, string.format('%.17g', retry), string.format('%.17g', reset) }
`;

/** A Lua script and its SHA1, for EVALSHA. */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

/** The decision script (see the comment above its source for KEYS, ARGV and the reply). */
export const CONSUME_SCRIPT: LuaScript = Object.freeze({
  source: SOURCE,
  sha: createHash('sha1').update(SOURCE).digest('hex'),
});

/** One normalized limit, as the script needs it. */
export interface ScriptRule {
  readonly limit: number;
  readonly windowMs: number;
  readonly interval: number;
  readonly tolerance: number;
}

/** ARGV of {@link CONSUME_SCRIPT} for `cost` units. */
export function consumeArgs(
  gcra: boolean,
  rules: readonly ScriptRule[],
  cost: number,
): Array<string | number> {
  let ttl = 1;
  for (const rule of rules) ttl = Math.max(ttl, Math.ceil(gcra ? rule.tolerance : rule.windowMs));
  const args: Array<string | number> = [gcra ? 'g' : 'f', cost, ttl];
  for (const rule of rules) {
    args.push(rule.limit, String(rule.windowMs), String(rule.interval), String(rule.tolerance));
  }
  return args;
}

/** Parses the script's reply. @throws TypeError when it is not the expected shape. */
export function parseConsumeReply(reply: unknown): {
  allowed: boolean;
  limit: number;
  remaining: number;
  retryAfterMs: number;
  resetAfterMs: number;
} {
  if (!Array.isArray(reply) || reply.length !== 5) {
    throw new TypeError(`Unexpected reply from the rate limit script: ${String(reply)}`);
  }
  const [allowed, limit, remaining, retry, reset] = reply as unknown[];
  const result = {
    allowed: Number(allowed) === 1,
    limit: Number(limit),
    remaining: Number(remaining),
    retryAfterMs: Number(retry),
    resetAfterMs: Number(reset),
  };
  if (
    !Number.isFinite(result.limit) ||
    !Number.isFinite(result.remaining) ||
    !Number.isFinite(result.retryAfterMs) ||
    !Number.isFinite(result.resetAfterMs)
  ) {
    throw new TypeError(`Unexpected reply from the rate limit script: ${String(reply)}`);
  }
  return result;
}
