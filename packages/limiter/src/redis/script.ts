import { type LuaScript, luaScript } from '@breakwater/core/redis';
import { GCRA_REBASE, STATE_WIDTH } from '../algorithms.js';
import type { Algorithm } from '../options.js';

/** One normalized limit, as the script is built for it. */
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
 * A double as a Lua literal that reads back as exactly the same double.
 * @throws RangeError for a value that is not finite (limits whose products overflow).
 */
function lua(value: number): string {
  if (!Number.isFinite(value)) {
    throw new RangeError(`The limits give a constant that is not finite: ${value}`);
  }
  return String(value);
}

/**
 * One limit's part of a decision: the in-process `RateLimiter`'s arithmetic, step by step,
 * with the limit's constants written in. Reads `st` (the key's state), `now` and `cost`;
 * updates `denied`, `retry`, `worst`, `worstRemaining` and `worstReset`; leaves what an
 * allowed request writes in `pend`.
 */
function limitBlock(algorithm: Algorithm, rule: ScriptRule, index: number): string {
  const at = index * STATE_WIDTH[algorithm];
  const s = (slot: number) => `st[${at + slot}]`;
  const p = (slot: number) => `pend[${at + slot}]`;
  const worst = (reset: string) =>
    `if remaining < worstRemaining then worstRemaining = remaining; worst = ${index + 1}; worstReset = ${reset} end`;
  const interval = rule.windowMs / rule.limit;
  switch (algorithm) {
    case 'gcra': {
      const capacity = lua(rule.burst);
      const i = lua(interval);
      return `
    local origin, booked = ${s(1)}, ${s(2)}
    local released = (now - origin) / ${i}
    if booked <= released then
      origin = now
      booked = 0
      released = 0
    end
    local need = booked + cost - ${capacity}
    local fits = need <= released + EPSILON
    local after = booked
    if fits then after = booked + cost end
    local remaining = max(0, floor(${capacity} - after + released + EPSILON))
    if not fits then
      denied = true
      local wait = (need - released) * ${i}
      if wait > retry then retry = wait end
    end
    ${worst(`(after - released) * ${i}`)}
    if booked + cost > ${lua(GCRA_REBASE)} then
      ${p(1)} = now
      ${p(2)} = booked + cost - released
    else
      ${p(1)} = origin
      ${p(2)} = booked + cost
    end`;
    }
    case 'token-bucket': {
      const rate = lua(1 / interval);
      const capacity = lua(rule.burst);
      return `
    local tokens = min(${capacity}, ${s(1)} + (now - ${s(2)}) * ${rate})
    local fits = tokens + EPSILON >= cost
    local left = tokens
    if fits then left = tokens - cost end
    local remaining = max(0, floor(left + EPSILON))
    if not fits then
      denied = true
      local wait = (cost - tokens) / ${rate}
      if wait > retry then retry = wait end
    end
    ${worst(`(${capacity} - left) / ${rate}`)}
    ${p(1)} = tokens - cost
    ${p(2)} = now`;
    }
    case 'fixed-window': {
      const w = lua(rule.windowMs);
      return `
    local start = floor(now / ${w}) * ${w}
    local used = 0
    if ${s(1)} == start then used = ${s(2)} end
    local fits = used + cost <= ${lua(rule.limit)}
    local remaining = ${lua(rule.limit)} - used
    if fits then
      remaining = remaining - cost
    else
      denied = true
      local wait = start + ${w} - now
      if wait > retry then retry = wait end
    end
    ${worst(`start + ${w} - now`)}
    ${p(1)} = start
    ${p(2)} = used + cost`;
    }
    default: {
      const w = lua(rule.windowMs);
      const limit = lua(rule.limit);
      return `
    local n = floor(now / ${w})
    local start = n * ${w}
    local count, previous = 0, 0
    if ${s(1)} == start then
      count = ${s(2)}
      previous = ${s(3)}
    elseif ${s(1)} == (n - 1) * ${w} then
      previous = ${s(2)}
    end
    local elapsed = now - start
    local weight = 0
    if elapsed < ${w} then weight = 1 - elapsed / ${w} end
    local estimate = previous * weight + count
    local fits = estimate + cost <= ${limit} + EPSILON
    local taken = 0
    if fits then taken = cost end
    local remaining = max(0, floor(${limit} - estimate - taken + EPSILON))
    if not fits then
      denied = true
      local wait
      if count + cost <= ${limit} and previous > 0 then
        wait = max(0, ${w} * (1 - (${limit} - count - cost) / previous) - elapsed)
      else
        local share = 0
        if count > 0 then share = max(0, 1 - (${limit} - cost) / count) end
        wait = ${w} - elapsed + ${w} * share
      end
      if wait > retry then retry = wait end
    end
    local reset = ${w} - elapsed
    if count + taken > 0 then reset = reset + ${w} end
    ${worst('reset')}
    ${p(1)} = start
    ${p(2)} = count + cost
    ${p(3)} = previous`;
    }
  }
}

/** A fresh key's state, as a Lua table constructor (token bucket: full, refilled `now`). */
function freshState(algorithm: Algorithm, rules: readonly ScriptRule[]): string {
  const values = rules.flatMap((rule) => {
    switch (algorithm) {
      case 'gcra':
        return ['-huge', '0'];
      case 'token-bucket':
        return [lua(rule.burst), 'now'];
      case 'fixed-window':
        return ['-huge', '0'];
      default:
        return ['-huge', '0', '0'];
    }
  });
  return `{ ${values.join(', ')} }`;
}

/**
 * Builds the Lua script that decides requests for one configuration (algorithm and
 * limits, written into the source as constants, so a call parses nothing but its
 * requests). One call decides one or more requests, in order, at one instant of the
 * server's clock (`TIME`), exactly as the in-process `RateLimiter` decides them: the same
 * arithmetic, all-or-nothing over the limits of a key. A denied request writes nothing; at
 * the end each key that allowed something is written once, with a TTL after which a fresh
 * key would decide the same.
 *
 * KEYS: the distinct keys the requests touch (`<prefix>{<key>}`); on Redis Cluster one
 * call only ever carries one key, so it runs on the node that owns it.
 *
 * ARGV: 1. `now` in ms — empty: the server's `TIME` (what the store always sends; a value
 * is for tests that compare the script with the in-process limiter at chosen instants);
 * then runs of requests, in order: the index of their key in KEYS (1-based), their cost,
 * and how many requests in a row have that key and cost. A cost of 0 is a reset: the key
 * starts afresh at that point of the order (and is deleted at the end unless a later
 * request of the call wrote it); its reply is `1, 1, 0, 0, 0`.
 *
 * State: one string per key, a tag naming the configuration (`g2:` = GCRA with two limits)
 * and the numbers of state packed as little-endian doubles: GCRA an origin (server ms) and
 * the units booked since per limit, token bucket tokens and last refill, fixed window start and count,
 * sliding window start, count and the previous window's count. A value with another tag or
 * size (another algorithm or number of limits under the same prefix) counts as a fresh key.
 *
 * Reply: five integers per request: allowed (1/0), index of the limit it reports
 * (1-based), remaining, retryAfterMs and resetAfterMs — the last two in whole ms, rounded
 * up (a string of ms beyond 2^53).
 */
export function buildConsumeScript(
  algorithm: Algorithm,
  rules: readonly ScriptRule[],
  /** TTL of written state. @default scriptTtl(algorithm, rules) */
  ttlMs = scriptTtl(algorithm, rules),
): LuaScript {
  return buildScript(algorithm, rules, ttlMs, false);
}

/**
 * The read-only twin of {@link buildConsumeScript}, for `get`: the same decisions, made
 * in the script's memory only. It writes nothing (no `SET`, `DEL` nor TTL change), and a
 * cost of 0 is a decision like any other (what the key holds now), not a reset.
 */
export function buildPeekScript(algorithm: Algorithm, rules: readonly ScriptRule[]): LuaScript {
  return buildScript(algorithm, rules, 1, true);
}

function buildScript(
  algorithm: Algorithm,
  rules: readonly ScriptRule[],
  ttlMs: number,
  readOnly: boolean,
): LuaScript {
  const count = rules.length * STATE_WIDTH[algorithm];
  const tag = `${ALGORITHM_CODES[algorithm]}${rules.length}:`;
  const format = `<${'d'.repeat(count)}`;
  const commit = Array.from({ length: count }, (_, i) => `st[${i + 1}] = pend[${i + 1}]`);
  const source = `-- @breakwater/limiter ${readOnly ? 'read-only ' : ''}decision script (${algorithm}, ${rules.map((r) => `${r.limit}/${r.windowMs}ms burst ${r.burst}`).join(', ')})
local floor, ceil, max, min, huge = math.floor, math.ceil, math.max, math.min, math.huge
local EPSILON = 1e-6
local now
if ARGV[1] == '' then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
else
  now = tonumber(ARGV[1])
end
local states, dirty, cleared, pend, reply = {}, {}, {}, {}, {}
-- Durations as the in-process limiter reports them: whole ms, rounded up, less than
-- EPSILON above a whole ms being float noise; a denied request's wait at least 1 ms.
local function whole(ms)
  if ms > EPSILON then return ceil(ms - EPSILON) end
  return 0
end
local function retryMs(ms)
  if ms > 1 then return ceil(ms - EPSILON) end
  return 1
end
-- Lua numbers become integers in replies: a string beyond 2^53.
local function duration(ms)
  if ms < 9e15 then return ms end
  return string.format('%.17g', ms)
end
for d = 2, #ARGV, 3 do
  local k = tonumber(ARGV[d])
  local cost = tonumber(ARGV[d + 1])
  if ${readOnly ? 'false' : 'cost == 0'} then
    -- A reset: what came before it in the call is forgotten too.
    states[k] = ${freshState(algorithm, rules)}
    dirty[k] = nil
    cleared[k] = true
  end
  local st = states[k]
  if not st then
    -- pcall: a value of another type under the key counts as a fresh key (SET replaces it).
    local stored = redis.pcall('GET', KEYS[k])
    if type(stored) == 'string' and #stored == ${tag.length + 8 * count} and string.sub(stored, 1, ${tag.length}) == '${tag}' then
      st = { struct.unpack('${format}', stored, ${tag.length + 1}) }
      st[${count + 1}] = nil
    else
      st = ${freshState(algorithm, rules)}
    end
    states[k] = st
  end
  for _ = 1, ${readOnly ? 'tonumber(ARGV[d + 2])' : 'cost > 0 and tonumber(ARGV[d + 2]) or 0'} do
    local denied, retry, worst, worstRemaining, worstReset = false, 0, 1, huge, 0
${rules.map((rule, i) => `    do${limitBlock(algorithm, rule, i).replaceAll('\n    ', '\n      ')}\n    end`).join('\n')}
    local r = #reply
    if denied then
      reply[r + 1] = 0
      reply[r + 4] = duration(retryMs(retry))
    else
      ${commit.join('\n      ')}
      dirty[k] = true
      reply[r + 1] = 1
      reply[r + 4] = 0
    end
    reply[r + 2] = worst
    reply[r + 3] = worstRemaining
    reply[r + 5] = duration(whole(worstReset))
  end
${
  readOnly
    ? 'end'
    : `  for _ = 1, cost == 0 and tonumber(ARGV[d + 2]) or 0 do
    local r = #reply
    reply[r + 1], reply[r + 2], reply[r + 3], reply[r + 4], reply[r + 5] = 1, 1, 0, 0, 0
  end
end
for k in pairs(dirty) do
  redis.call('SET', KEYS[k], '${tag}' .. struct.pack('${format}', unpack(states[k])), 'PX', ${ttlMs})
end
for k in pairs(cleared) do
  if not dirty[k] then redis.call('DEL', KEYS[k]) end
end`
}
return reply
`;
  return luaScript(source);
}

/**
 * How long a key's state must live after a write: past it a fresh state decides the same.
 * GCRA and token bucket: the largest tolerance (`windowMs / limit * burst`: a full
 * bucket); fixed window: the largest window; sliding window: twice it (the previous
 * window still counts). At most 2^53 - 1 ms (285,000 years): Redis refuses a `PX` it cannot
 * add to its clock, and a longer one would be written in exponent form.
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
  return Math.min(ttl, Number.MAX_SAFE_INTEGER);
}

/** One decision as the script reports it; `rule` is the 0-based index of its limit. */
export interface ScriptDecision {
  allowed: boolean;
  rule: number;
  remaining: number;
  retryAfterMs: number;
  resetAfterMs: number;
}

/** A duration of the reply: whole ms, as an integer or a string (see the script). */
function replyMs(value: unknown): number {
  return Number(value);
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
