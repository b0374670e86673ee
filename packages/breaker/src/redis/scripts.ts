import { luaScript } from '@breakwater/core/redis';
import type { TripReason } from '../circuit-breaker.js';

/**
 * The Lua scripts of a fleet breaker. Every script touches only the keys of one breaker,
 * all declared in KEYS and sharing one hash tag, so it runs atomically on one Cluster node.
 *
 * KEYS[1] `…:state`  hash: `gen` (bumped at every opening and closing), `openings` (in a
 *                     row, drives the backoff; > 0 while open or half-open), `last` (the
 *                     last open duration, for a decorrelated-jitter backoff), `ok` (probe
 *                     successes of the current half-open round)
 * KEYS[2] `…:open`   string `<openings>:<reason>` with PX = the open duration
 * KEYS[3] `…:probe`  integer: half-open probe slots taken fleet-wide, PX = probe lease
 * KEYS[4…] `…:b:<bucket>` hashes `c`/`f`/`s` (calls, failures, slow calls) of the window,
 *                     oldest first
 *
 * ARGV[1…7] are the same for every script: the open-duration backoff (type, first or
 * constant duration, longest duration, multiplier, jitter), a random number in [0, 1)
 * drawn by the caller for it, and the TTL of the state hash.
 *
 * Every script answers `{ verdict, gen, openings, openLeftMs, reason, … }`, where
 * `openLeftMs` is the PTTL of the open key (-2 when the breaker is not open).
 */

/**
 * `openMs(openings)`: core's `backoffDelay(backoff, openings + 1, last, random)` in Lua,
 * the same formula step by step, with the random draw taken from ARGV[6].
 */
export const OPEN_MS_LUA = `
local function openMs(openings)
  local kind, low, high = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
  if kind == 'constant' then return low end
  local random = tonumber(ARGV[6])
  if kind == 'exponential' then
    local wait = math.min(high, low * tonumber(ARGV[4]) ^ openings)
    local jitter = tonumber(ARGV[5])
    if jitter == 0 then return wait end
    return wait * (1 - jitter * (1 - random))
  end
  local previous = low
  if openings > 0 then previous = tonumber(redis.call('HGET', KEYS[1], 'last') or ARGV[2]) end
  local top = math.max(low, previous * 3)
  return math.min(high, low + random * (top - low))
end
`;

const PRELUDE = `
local state, openKey, probeKey = KEYS[1], KEYS[2], KEYS[3]
${OPEN_MS_LUA}
local function trip(reason)
  local openings = tonumber(redis.call('HGET', state, 'openings') or '0')
  local exact = openMs(openings)
  local ms = math.max(1, math.floor(exact))
  openings = openings + 1
  redis.call('SET', openKey, openings .. ':' .. reason, 'PX', ms)
  redis.call('DEL', probeKey)
  redis.call('HSET', state, 'openings', openings, 'ok', 0, 'last', string.format('%.17g', exact))
  redis.call('HINCRBY', state, 'gen', 1)
end

local function view()
  local gen = redis.call('HGET', state, 'gen') or '0'
  local openings = tonumber(redis.call('HGET', state, 'openings') or '0')
  local left = redis.call('PTTL', openKey)
  local reason = ''
  if left ~= -2 then
    reason = string.match(redis.call('GET', openKey) or '', ':(.*)$') or ''
  end
  redis.call('PEXPIRE', state, ARGV[7])
  return tostring(gen), openings, left, reason
end
`;

/**
 * Pushes outcome counts, reads the window's totals and trips the breaker when a rule
 * fires on them. ARGV[8] the generation the instance knows ('' before its first sync);
 * ARGV[9] bucket TTL; ARGV[10] minimumCalls; ARGV[11]/ARGV[12] failure/slow-call rate
 * thresholds (0: off); then per bucket with outcomes: index in the window (1-based),
 * calls, failures, slow calls. The counts are dropped when the generation moved on
 * since the instance last heard of it (they were recorded under an older state);
 * a missing state (new breaker, restarted Redis) takes the instance's generation.
 * Extra reply fields: calls, failures, slow calls, accepted (1/0).
 */
const SYNC = `${PRELUDE}
local known = ARGV[8]
local gen = redis.call('HGET', state, 'gen')
if not gen then
  if known == '' then gen = '0' else gen = known end
  redis.call('HSET', state, 'gen', gen, 'openings', 0, 'ok', 0)
end
local accepted = 0
if known == '' or known == gen then
  accepted = 1
  for i = 13, #ARGV, 4 do
    local key = KEYS[3 + tonumber(ARGV[i])]
    redis.call('HINCRBY', key, 'c', ARGV[i + 1])
    if ARGV[i + 2] ~= '0' then redis.call('HINCRBY', key, 'f', ARGV[i + 2]) end
    if ARGV[i + 3] ~= '0' then redis.call('HINCRBY', key, 's', ARGV[i + 3]) end
    redis.call('PEXPIRE', key, ARGV[9])
  end
end
local calls, failures, slow = 0, 0, 0
for i = 4, #KEYS do
  local bucket = redis.call('HMGET', KEYS[i], 'c', 'f', 's')
  calls = calls + (tonumber(bucket[1]) or 0)
  failures = failures + (tonumber(bucket[2]) or 0)
  slow = slow + (tonumber(bucket[3]) or 0)
end
local closed = redis.call('EXISTS', openKey) == 0
  and tonumber(redis.call('HGET', state, 'openings') or '0') == 0
if closed and calls > 0 and calls >= tonumber(ARGV[10]) then
  local failureRate, slowRate = tonumber(ARGV[11]), tonumber(ARGV[12])
  if failureRate > 0 and failures / calls >= failureRate then
    trip('failure-rate')
  elseif slowRate > 0 and slow / calls >= slowRate then
    trip('slow-call-rate')
  end
end
local g, openings, left, reason = view()
return { 'synced', g, openings, left, reason, calls, failures, slow, accepted }
`;

/**
 * Asks for a half-open probe slot. ARGV[8] permitted probes, ARGV[9] probe lease in ms.
 * Verdicts: `open` (still open), `closed` (closed meanwhile: run as a normal call),
 * `probe` (a slot is this caller's), `busy` (every slot taken; extra field: lease ms left).
 */
const ADMIT = `${PRELUDE}
local gen, openings, left, reason = view()
if left ~= -2 then return { 'open', gen, openings, left, reason } end
if openings == 0 then return { 'closed', gen, openings, left, reason } end
local taken = redis.call('INCR', probeKey)
if taken == 1 then redis.call('PEXPIRE', probeKey, ARGV[9]) end
if taken <= tonumber(ARGV[8]) then return { 'probe', gen, openings, left, reason } end
redis.call('DECR', probeKey)
return { 'busy', gen, openings, left, reason, redis.call('PTTL', probeKey) }
`;

/**
 * Reports how a probe ended. ARGV[8] `ok` | `fail` | `release` (the probe counted neither
 * way: its slot is given back); ARGV[9] the generation the probe was admitted in;
 * ARGV[10] permitted probes. A report from an older generation is `stale` and changes
 * nothing. When the last probe succeeds the breaker closes: the window's buckets
 * (KEYS[4…]) are deleted, the backoff forgotten. A failed probe opens it again, longer.
 * Verdicts: `stale`, `released`, `succeeded` (more probes must succeed), `closed`, `reopened`.
 */
const REPORT = `${PRELUDE}
local verdict = 'stale'
if redis.call('HGET', state, 'gen') == ARGV[9] and redis.call('EXISTS', openKey) == 0 then
  local outcome = ARGV[8]
  if outcome == 'release' then
    if tonumber(redis.call('GET', probeKey) or '0') > 0 then redis.call('DECR', probeKey) end
    verdict = 'released'
  elseif outcome == 'ok' then
    if redis.call('HINCRBY', state, 'ok', 1) >= tonumber(ARGV[10]) then
      redis.call('DEL', openKey, probeKey, unpack(KEYS, 4))
      redis.call('HSET', state, 'openings', 0, 'ok', 0)
      redis.call('HINCRBY', state, 'gen', 1)
      verdict = 'closed'
    else
      verdict = 'succeeded'
    end
  else
    trip('probe-failed')
    verdict = 'reopened'
  end
end
local gen, openings, left, reason = view()
return { verdict, gen, openings, left, reason }
`;

export const SYNC_SCRIPT = luaScript(SYNC);
export const ADMIT_SCRIPT = luaScript(ADMIT);
export const REPORT_SCRIPT = luaScript(REPORT);

/** The fleet's state as every script reports it. */
export interface FleetView {
  verdict: string;
  gen: string;
  openings: number;
  /** PTTL of the open key; -2 when the breaker is not open. */
  openLeftMs: number;
  reason: TripReason | undefined;
  /** Script-specific trailing fields. */
  extra: number[];
}

const REASONS: readonly string[] = [
  'consecutive-failures',
  'failure-rate',
  'slow-call-rate',
  'probe-failed',
];

/**
 * Reads a script's reply.
 * @throws TypeError when the reply does not have the expected shape (another program
 *   wrote the keys, or a script of another version answered).
 */
export function parseReply(reply: unknown): FleetView {
  if (!Array.isArray(reply) || reply.length < 5) throw malformed(reply);
  const [verdict, gen, openings, openLeftMs, reason, ...rest] = reply as unknown[];
  if (
    typeof verdict !== 'string' ||
    typeof gen !== 'string' ||
    typeof openings !== 'number' ||
    typeof openLeftMs !== 'number' ||
    typeof reason !== 'string' ||
    !rest.every((value) => typeof value === 'number')
  ) {
    throw malformed(reply);
  }
  return {
    verdict,
    gen,
    openings,
    openLeftMs,
    reason: REASONS.includes(reason) ? (reason as TripReason) : undefined,
    extra: rest as number[],
  };
}

function malformed(reply: unknown): TypeError {
  const text = JSON.stringify(reply) ?? String(reply);
  return new TypeError(`Unexpected reply from a fleet breaker script: ${text.slice(0, 200)}`);
}
