import { createHash } from 'node:crypto';
import type { Algorithm } from '../rate-limiter.js';

/**
 * The one Lua script of the Redis store. One call decides one or more requests, in order,
 * at one instant of the server's clock (`TIME`), exactly as the in-process `RateLimiter`
 * decides them: the same four algorithms, the same arithmetic, all-or-nothing over the
 * limits of a key. A denied request writes nothing; at the end every key that allowed
 * something is written once (HSET) and PEXPIREd to the time after which its state no
 * longer matters.
 *
 * KEYS: the distinct hashes the requests touch (`<prefix>{<key>}`). On Redis Cluster one
 * call only ever carries one key, so it runs on the node that owns it.
 *
 * ARGV:
 * 1. algorithm: `g` GCRA, `t` token bucket, `s` sliding window, `f` fixed window;
 * 2. TTL of a written hash, ms;
 * 3. `now` in ms — empty: the server's `TIME` (what the store always sends; a value is for
 *    tests that compare the script with the in-process limiter at chosen instants);
 * 4. n, the number of limits; then per limit: limit, windowMs, burst;
 * then runs of requests, in order: the index of their key in KEYS (1-based), their cost
 * and how many requests in a row have that key and cost.
 *
 * Hash fields: `<algorithm><limit index>.<slot>`, e.g. GCRA `g1.1` (theoretical arrival
 * time), token bucket `t1.1`/`t1.2` (tokens, last refill), fixed window `f1.1`/`f1.2`
 * (window start, count), sliding window `s1.1`..`s1.3` (window start, count, previous
 * window's count). Times are ms on the server's clock.
 *
 * Reply: five values per request: allowed (1/0), index of the limit it reports (1-based),
 * remaining, retryAfterMs and resetAfterMs — the last two as integer nanoseconds (Lua
 * numbers are truncated to integers in replies), or as a string of ms when that would
 * exceed 2^53.
 */
const SOURCE = `
local algo = ARGV[1]
local ttl = ARGV[2]
local now
if ARGV[3] == '' then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
else
  now = tonumber(ARGV[3])
end
local n = tonumber(ARGV[4])
local EPSILON = 1e-6
local stride = 2
if algo == 'g' then stride = 1 elseif algo == 's' then stride = 3 end
local bursty = algo == 'g' or algo == 't'
local limits, windows, intervals, tolerances, capacities = {}, {}, {}, {}, {}
local fields = {}
for i = 1, n do
  local base = 4 + (i - 1) * 3
  local limit = tonumber(ARGV[base + 1])
  local windowMs = tonumber(ARGV[base + 2])
  local burst = tonumber(ARGV[base + 3])
  local interval = windowMs / limit
  limits[i] = limit
  windows[i] = windowMs
  intervals[i] = interval
  tolerances[i] = interval * burst
  if bursty then capacities[i] = burst else capacities[i] = limit end
  for j = 1, stride do fields[#fields + 1] = algo .. i .. '.' .. j end
end

-- State per key index: a flat array of stride numbers per limit, loaded on first use.
local states = {}
local dirty = {}
local function load(k)
  local st = states[k]
  if st then return st end
  local stored = redis.call('HMGET', KEYS[k], unpack(fields))
  st = {}
  for i = 1, n do
    local at = (i - 1) * stride
    if algo == 't' then
      st[at + 1] = tonumber(stored[at + 1]) or capacities[i]
      st[at + 2] = tonumber(stored[at + 2]) or now
    else
      st[at + 1] = tonumber(stored[at + 1]) or -math.huge
      for j = 2, stride do st[at + j] = tonumber(stored[at + j]) or 0 end
    end
  end
  states[k] = st
  return st
end

local fitsOf, remainingOf, retryOf, resetOf = {}, {}, {}, {}
local c1, c2, c3 = {}, {}, {}

-- One limit's view of a request (the in-process limiter's arithmetic, step by step);
-- what an allowed request would write is kept in c1[i], c2[i], c3[i].
local function outcome(i, st, cost)
  local at = (i - 1) * stride
  local fits, remaining, retry, reset
  if algo == 'g' then
    local interval, tolerance = intervals[i], tolerances[i]
    local tat = math.max(st[at + 1], now)
    local nextTat = tat + interval * cost
    local allowAt = nextTat - tolerance
    fits = allowAt <= now + EPSILON
    local after = tat
    if fits then after = nextTat end
    remaining = math.max(0, math.floor((tolerance - (after - now)) / interval + EPSILON))
    retry = math.max(0, allowAt - now)
    reset = after - now
    c1[i] = nextTat
  elseif algo == 't' then
    local rate = 1 / intervals[i]
    local capacity = capacities[i]
    local tokens = math.min(capacity, st[at + 1] + (now - st[at + 2]) * rate)
    fits = tokens + EPSILON >= cost
    local left = tokens
    if fits then left = tokens - cost end
    remaining = math.max(0, math.floor(left + EPSILON))
    if fits then retry = 0 else retry = (cost - tokens) / rate end
    reset = (capacity - left) / rate
    c1[i] = tokens - cost
    c2[i] = now
  elseif algo == 'f' then
    local w, limit = windows[i], limits[i]
    local start = math.floor(now / w) * w
    local used = 0
    if st[at + 1] == start then used = st[at + 2] end
    fits = used + cost <= limit
    remaining = limit - used
    if fits then remaining = remaining - cost end
    if fits then retry = 0 else retry = start + w - now end
    reset = start + w - now
    c1[i] = start
    c2[i] = used + cost
  else
    local w, limit = windows[i], limits[i]
    local start = math.floor(now / w) * w
    local count, previous = 0, 0
    if st[at + 1] == start then
      count = st[at + 2]
      previous = st[at + 3]
    elseif st[at + 1] == start - w then
      previous = st[at + 2]
    end
    local elapsed = now - start
    local weight = 1 - elapsed / w
    local estimate = previous * weight + count
    fits = estimate + cost <= limit + EPSILON
    local taken = 0
    if fits then taken = cost end
    remaining = math.max(0, math.floor(limit - estimate - taken + EPSILON))
    if fits then
      retry = 0
    elseif count + cost <= limit and previous > 0 then
      retry = math.max(0, w * (1 - (limit - count - cost) / previous) - elapsed)
    else
      local share = 0
      if count > 0 then share = math.max(0, 1 - (limit - cost) / count) end
      retry = w - elapsed + w * share
    end
    reset = w - elapsed
    if count > 0 then reset = reset + w end
    c1[i] = start
    c2[i] = count + cost
    c3[i] = previous
  end
  fitsOf[i], remainingOf[i], retryOf[i], resetOf[i] = fits, remaining, retry, reset
end

-- A duration in ms for the reply: integer nanoseconds (a Lua number becomes an integer
-- reply), or the ms as a string when that would not fit exactly.
local function duration(ms)
  local ns = math.floor(ms * 1e6 + 0.5)
  if ns < 9e15 then return ns end
  return string.format('%.17g', ms)
end

local reply = {}
local first = 5 + n * 3
for d = first, #ARGV, 3 do
  local k = tonumber(ARGV[d])
  local cost = tonumber(ARGV[d + 1])
  local st = load(k)
  for _ = 1, tonumber(ARGV[d + 2]) do
    local denied = false
    local retry = 0
    local worst = 1
    local worstRemaining = math.huge
    for i = 1, n do
      outcome(i, st, cost)
      if not fitsOf[i] then
        denied = true
        retry = math.max(retry, retryOf[i])
      end
      if remainingOf[i] < worstRemaining then
        worstRemaining = remainingOf[i]
        worst = i
      end
    end
    if not denied then
      for i = 1, n do
        local at = (i - 1) * stride
        st[at + 1] = c1[i]
        if stride > 1 then st[at + 2] = c2[i] end
        if stride > 2 then st[at + 3] = c3[i] end
      end
      dirty[k] = true
    end
    local allowed = 1
    if denied then
      allowed = 0
    else
      retry = 0
    end
    local r = #reply
    reply[r + 1] = allowed
    reply[r + 2] = worst
    reply[r + 3] = worstRemaining
    reply[r + 4] = duration(retry)
    reply[r + 5] = duration(resetOf[worst])
  end
end

for k in pairs(dirty) do
  local st = states[k]
  local args = {}
  for f = 1, #fields do
    args[#args + 1] = fields[f]
    -- Redis writes a Lua number argument with full precision (%.17g) itself.
    args[#args + 1] = st[f]
  end
  redis.call('HSET', KEYS[k], unpack(args))
  redis.call('PEXPIRE', KEYS[k], ttl)
end
return reply
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

/** One normalized limit, as the script takes it. */
export interface ScriptRule {
  readonly limit: number;
  readonly windowMs: number;
  readonly burst: number;
}

const ALGORITHM_CODES: Readonly<Record<Algorithm, string>> = Object.freeze({
  gcra: 'g',
  'token-bucket': 't',
  'sliding-window': 's',
  'fixed-window': 'f',
});

/**
 * How long a key's hash must live after a write: past it a fresh state decides the same.
 * GCRA and token bucket: the largest tolerance (`windowMs / limit * burst`: a full
 * bucket); fixed window: the largest window; sliding window: twice it (the previous
 * window still counts).
 */
export function scriptTtl(algorithm: Algorithm, rules: readonly ScriptRule[]): number {
  let ttl = 1;
  for (const rule of rules) {
    const span =
      algorithm === 'gcra' || algorithm === 'token-bucket'
        ? (rule.windowMs / rule.limit) * rule.burst
        : algorithm === 'sliding-window'
          ? 2 * rule.windowMs
          : rule.windowMs;
    ttl = Math.max(ttl, Math.ceil(span));
  }
  return ttl;
}

/**
 * The ARGV head of {@link CONSUME_SCRIPT}: algorithm, TTL, `now` (`undefined`: the
 * server's clock) and the limits. The requests (key index, cost) follow it.
 */
export function scriptArgs(
  algorithm: Algorithm,
  rules: readonly ScriptRule[],
  now?: number,
): string[] {
  const args = [
    ALGORITHM_CODES[algorithm],
    String(scriptTtl(algorithm, rules)),
    now === undefined ? '' : String(now),
    String(rules.length),
  ];
  for (const rule of rules)
    args.push(String(rule.limit), String(rule.windowMs), String(rule.burst));
  return args;
}

/** One decision as the script reports it; `rule` is the 0-based index of its limit. */
export interface ScriptDecision {
  allowed: boolean;
  rule: number;
  remaining: number;
  retryAfterMs: number;
  resetAfterMs: number;
}

/** A duration of the reply in ms: integer ns, or a string of ms (see the script). */
function replyMs(value: unknown): number {
  return typeof value === 'string' ? Number(value) : Number(value) / 1e6;
}

const badReply = (reply: unknown): TypeError =>
  new TypeError(`Unexpected reply from the rate limit script: ${String(reply)}`);

/**
 * Parses the script's reply for `count` requests over `rules` limits.
 * @throws TypeError when it is not the expected shape.
 */
export function parseScriptReply(reply: unknown, count: number, rules: number): ScriptDecision[] {
  if (!Array.isArray(reply) || reply.length !== count * 5) throw badReply(reply);
  const decisions: ScriptDecision[] = new Array(count);
  for (let d = 0; d < count; d++) {
    const at = d * 5;
    const rule = Number(reply[at + 1]) - 1;
    const decision: ScriptDecision = {
      allowed: Number(reply[at]) === 1,
      rule,
      remaining: Number(reply[at + 2]),
      retryAfterMs: replyMs(reply[at + 3]),
      resetAfterMs: replyMs(reply[at + 4]),
    };
    if (
      !Number.isInteger(rule) ||
      rule < 0 ||
      rule >= rules ||
      !Number.isFinite(decision.remaining) ||
      !Number.isFinite(decision.retryAfterMs) ||
      !Number.isFinite(decision.resetAfterMs)
    ) {
      throw badReply(reply);
    }
    decisions[d] = decision;
  }
  return decisions;
}
