import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { sleep } from '@breakwater/core';
import { RedisNotInstalledError, type RedisServerHandle, startRedis } from '@breakwater/testing';
import autocannon from 'autocannon';
import type { Redis } from 'ioredis';
import { CONFIG_VARIABLES } from '../service/config.js';
import { seededRandom } from '../sim/random.js';
import { breakerStates, counterDelta, type MetricSample, parseMetrics } from './metrics-text.js';
import { type Child, ChildSet, firstLine } from './processes.js';
import { formatTable, percentile, show, showBreakers, showRatio } from './table.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** A few seconds per phase instead of seven (the end-to-end test uses it). */
  readonly quick: boolean;
  /**
   * Service processes per mode. Above 1 the resilient instances share one `redis-server`
   * started by the demo (`REDIS_URL`, a distinct `INSTANCE_ID` each). @default 1
   */
  readonly instances?: number;
  /** Where the report goes, one line at a time. */
  readonly out: (line: string) => void;
  /** Aborts the demo (Ctrl-C); every child is stopped before `runDemo` settles. */
  readonly signal: AbortSignal;
}

/** How hard and how long {@link runScenario} loads the services. */
export interface ScenarioSettings {
  /** Service processes per mode (resilient and naive each get this many). */
  readonly instances: number;
  /** Start a `redis-server` (free loopback port) that the resilient instances share. */
  readonly redis: boolean;
  /** Main load: requests per second offered in total, spread evenly over the instances. */
  readonly rate: number;
  /** Main load: connections in total, spread evenly over the instances. */
  readonly connections: number;
  /** Length of each phase and mode, in seconds. */
  readonly seconds: number;
  /**
   * The greedy client's requests per second, in total. @default twice its per-minute quota
   * over one phase, so that it is over quota within the first
   */
  readonly greedyRate?: number;
  /** Length of the unreported warm-up load of each instance, in seconds. */
  readonly warmSeconds: number;
  /** Time a plan serially and in waves before the load. */
  readonly timePlan: boolean;
  /**
   * Add a fourth phase, `one-down`, after the recovery: one expert accepts connections but
   * never answers within any deadline (a black hole), every other one healthy. @default false
   */
  readonly oneDown?: boolean;
  /**
   * Service settings (`EXPERT_TIMEOUT_MS`, `BREAKER_OPEN_MS`, …) that replace the scenario's
   * own, the same for both modes. @default none
   */
  readonly serviceSettings?: Readonly<Record<string, string>>;
  /** Opening line of the report. */
  readonly title: string;
}

/** `redis-server` is not on PATH: a multi-instance scenario cannot start. */
export class RedisMissingError extends Error {
  override readonly name = 'RedisMissingError';
}

const SIM_CLI = fileURLToPath(new URL('../sim/cli.js', import.meta.url));
const SERVICE_MAIN = fileURLToPath(new URL('../service/main.js', import.meta.url));

/** The five simulated experts: three agree, two hold other opinions; latencies differ. */
const EXPERTS = [
  { name: 'atlas', opinion: 0, seed: 1, median: 20, p99: 60, errorRate: 0 },
  { name: 'boreal', opinion: 0, seed: 2, median: 30, p99: 90, errorRate: 0 },
  { name: 'cirrus', opinion: 0, seed: 3, median: 25, p99: 120, errorRate: 0 },
  { name: 'delta', opinion: 1, seed: 4, median: 40, p99: 150, errorRate: 0 },
  { name: 'ember', opinion: 2, seed: 5, median: 35, p99: 200, errorRate: 0.02 },
] as const;

/** The expert taken down in the outage phase, and the one slowed down. */
const DOWN = 'delta';
const SLOW = 'boreal';
const SLOWDOWN = 40;
/**
 * The slowdown that makes an expert a black hole in the `one-down` phase: its median of
 * 40 ms becomes over an hour, far beyond any deadline.
 */
const BLACK_HOLE_SLOWDOWN = 100_000;

/** Questions most clients ask (the cache and the coalescer get work from these). */
const HOT_QUESTIONS = [
  'Which timeout should a payment call use?',
  'How many retries suit an idempotent read?',
  'When should a circuit breaker open?',
  'How large should a connection pool be?',
  'What rate limit fits a public search API?',
  'How long may a cached price stay fresh?',
  'Should a batch writer flush by size or by time?',
  'How do we coalesce identical lookups?',
];
/** Share of requests that ask a hot question; the others ask one of many distinct ones. */
const HOT_SHARE = 0.6;

/**
 * Main load: requests per second offered over this many connections, spread over tenants
 * (half of it in the quick run, which tests run beside other work).
 */
const OFFERED_RATE = 60;
const CONNECTIONS = 16;
const TENANTS = 64;
/** The per-client quota: far above a tenant's share of the load, far below the greedy client's. */
const CLIENT_LIMIT_PER_MINUTE = 150;

/** Service settings both modes share (`MODE` differs; `REDIS_URL` only for shared resilient instances). */
function serviceEnv(
  mode: 'resilient' | 'naive',
  port: number,
  experts: string,
  keys: string[],
  instance: { id: string; redisUrl: string | undefined },
  overrides: Readonly<Record<string, string>> = {},
) {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CONFIG_VARIABLES) delete env[name];
  return {
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
    EXPERTS: experts,
    MODE: mode,
    LOG_LEVEL: 'warn',
    RECORDS_DB: ':memory:',
    API_KEYS: keys.join(','),
    CLIENT_LIMIT_PER_MINUTE: String(CLIENT_LIMIT_PER_MINUTE),
    EXPERT_TIMEOUT_MS: '1000',
    EXPERT_RETRIES: '1',
    // Short enough for the recovery phase to show the breakers closing again.
    BREAKER_OPEN_MS: '2000',
    DEFAULT_DEADLINE_MS: '2500',
    CACHE_TTL_MS: '2000',
    SHUTDOWN_TIMEOUT_MS: '3000',
    INSTANCE_ID: instance.id,
    ...(instance.redisUrl === undefined ? {} : { REDIS_URL: instance.redisUrl }),
    ...overrides,
  };
}

type Mode = 'resilient' | 'naive';

interface Service {
  readonly mode: Mode;
  /** `i1`, `i2`, … within its mode. */
  readonly instance: string;
  readonly url: string;
  readonly child: Child;
}

/** The figures of one mode in one phase, for one instance or all of them (`instance: 'total'`). */
export interface PhaseStats {
  readonly mode: Mode;
  /** `i1`, `i2`, … for one instance's share of the load; `total` for all of it. */
  readonly instance: string;
  /** 2xx answers to the main load per second of the phase. */
  readonly okPerSecond: number;
  readonly p50: number | undefined;
  readonly p95: number | undefined;
  readonly p99: number | undefined;
  /**
   * p99 of every answer of the main load, whatever its status (a 502 after the deadline
   * keeps the client waiting as long as a 200 would); a request the client gave up on counts
   * as an answer at the client's timeout (5 s).
   */
  readonly p99AllAnswers: number | undefined;
  /** Client-visible errors: non-2xx except 429, client timeouts, socket errors (both loads). */
  readonly errors: number;
  /** 429 answers (both loads). */
  readonly limited: number;
  readonly cacheHitRatio: number | undefined;
  readonly coalesced: number | undefined;
  readonly breakers: string;
  /** 2xx answers (both loads). */
  readonly answered: number;
  /** Responses of any status (both loads). */
  readonly responses: number;
  /** What the client errors were: `status xxx: n`, `timeouts: n`, `socket errors: n`. */
  readonly errorKinds: string;
}

/** Redis commands the resilient instances sent during one phase, from `INFO commandstats`. */
export interface RedisUsage {
  /** Commands processed, the scenario's own `INFO` calls left out. */
  readonly commands: number;
  /** Responses the resilient instances gave in the phase (both loads). */
  readonly requests: number;
  /** `commands / requests`. */
  readonly perRequest: number | undefined;
  /** Commands by name, most used first. */
  readonly byCommand: Readonly<Record<string, number>>;
}

/** One phase of the scenario. */
export interface PhaseReport {
  readonly name: 'normal' | 'outage' | 'recovery' | 'one-down';
  readonly title: string;
  /** Per mode: one row per instance, then the total (a single `total` row with one instance). */
  readonly rows: readonly PhaseStats[];
  /** Only when the resilient instances share a Redis. */
  readonly redis: RedisUsage | undefined;
}

/** What {@link runScenario} measured. */
export interface ScenarioReport {
  readonly settings: ScenarioSettings;
  /** `os.availableParallelism()` of the machine that ran it. */
  readonly cores: number;
  /** Empty when every check passed. */
  readonly failures: readonly string[];
  readonly phases: readonly PhaseReport[];
  /** Process ids of every child started (experts, services, Redis), all stopped. */
  readonly pids: readonly number[];
  /** Whether the run was aborted. */
  readonly aborted: boolean;
}

interface Phase {
  readonly name: PhaseReport['name'];
  readonly title: string;
  readonly profiles: Readonly<Record<string, object>>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitHealthy(service: Service, signal: AbortSignal, timeoutMs = 15_000) {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    signal.throwIfAborted();
    if (service.child.process.exitCode !== null) break;
    try {
      const response = await fetch(`${service.url}/health`, { signal: AbortSignal.timeout(500) });
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await sleep(100, signal);
  }
  throw new Error(
    `The ${service.child.name} did not answer GET /health with 200 within ${timeoutMs} ms:\n${service.child.tail()}`,
  );
}

async function scrape(url: string): Promise<MetricSample[]> {
  try {
    const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2000) });
    return response.ok ? parseMetrics(await response.text()) : [];
  } catch {
    return [];
  }
}

function authHeaders(key: string): Record<string, string> {
  return { 'content-type': 'application/json', 'x-api-key': key, authorization: `Bearer ${key}` };
}

interface LoadResult {
  latencies: number[];
  /** Latency of every answer, whatever its status. */
  allLatencies: number[];
  statuses: Map<number, number>;
  /** Timeouts and socket errors (autocannon counts timeouts among its errors). */
  errors: number;
  timeouts: number;
  /** The client's timeout, in milliseconds. */
  timeoutMs: number;
}

/** How long the load generator waits for an answer before it counts a timeout. */
const CLIENT_TIMEOUT_S = 5;

function load(
  url: string,
  options: { rate: number; connections: number; seconds: number; key: () => string },
  question: () => string,
  signal: AbortSignal,
): Promise<LoadResult> {
  const result: LoadResult = {
    latencies: [],
    allLatencies: [],
    statuses: new Map(),
    errors: 0,
    timeouts: 0,
    timeoutMs: CLIENT_TIMEOUT_S * 1000,
  };
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: options.connections,
        duration: options.seconds,
        overallRate: options.rate,
        timeout: CLIENT_TIMEOUT_S,
        requests: [
          {
            method: 'POST',
            path: '/v1/consult',
            setupRequest: (request) => ({
              ...request,
              headers: { ...request.headers, ...authHeaders(options.key()) },
              body: JSON.stringify({ question: question() }),
            }),
          },
        ],
      },
      (error, summary) => {
        signal.removeEventListener('abort', stop);
        if (error !== null) reject(error);
        else {
          // autocannon counts timeouts among its errors.
          result.errors = summary.errors;
          result.timeouts = summary.timeouts;
          resolve(result);
        }
      },
    );
    const stop = (): void => instance.stop();
    signal.addEventListener('abort', stop, { once: true });
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      result.statuses.set(status, (result.statuses.get(status) ?? 0) + 1);
      result.allLatencies.push(ms);
      if (status >= 200 && status < 300) result.latencies.push(ms);
    });
  });
}

function count(statuses: ReadonlyMap<number, number>, test: (status: number) => boolean): number {
  let total = 0;
  for (const [status, n] of statuses) if (test(status)) total += n;
  return total;
}

async function setProfile(expert: { url: string }, adminKey: string, profile: object) {
  const response = await fetch(`${expert.url}/admin/profile`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'x-admin-key': adminKey },
    body: JSON.stringify(profile),
    signal: AbortSignal.timeout(2000),
  });
  if (response.status !== 200) {
    throw new Error(`PUT /admin/profile answered ${response.status}: ${await response.text()}`);
  }
}

interface PlanTiming {
  readonly label: string;
  readonly wallMs: number[];
  readonly execMs: number[];
}

/** Runs the same plan `runs` times; `undefined` when the service does not know plans. */
async function timePlan(
  url: string,
  key: string,
  maxParallel: number | undefined,
  runs: number,
  signal: AbortSignal,
): Promise<PlanTiming | 'unsupported'> {
  const label =
    maxParallel === undefined
      ? 'waves (default maxParallel)'
      : `serial (maxParallel ${maxParallel})`;
  const timing: PlanTiming = { label, wallMs: [], execMs: [] };
  for (let i = 0; i < runs; i++) {
    signal.throwIfAborted();
    const plan = {
      steps: [
        { expert: 'atlas' },
        { expert: 'boreal' },
        { expert: 'cirrus' },
        { expert: 'delta' },
        { expert: 'ember', after: ['atlas', 'boreal', 'cirrus', 'delta'] },
      ],
      ...(maxParallel === undefined ? {} : { maxParallel }),
    };
    // A distinct question each time: a cached answer would time nothing.
    const question = `Review run ${label} #${i} ${randomBytes(4).toString('hex')}: which fallback should the checkout use?`;
    const started = performance.now();
    const response = await fetch(`${url}/v1/consult`, {
      method: 'POST',
      headers: authHeaders(key),
      body: JSON.stringify({ question, plan }),
      signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]),
    });
    const text = await response.text();
    const wall = performance.now() - started;
    if (response.status === 400 && /plan/.test(text)) return 'unsupported';
    if (response.status !== 200) {
      throw new Error(`The plan request answered ${response.status}: ${text.slice(0, 300)}`);
    }
    timing.wallMs.push(wall);
    const exec = Number(response.headers.get('x-exec-time'));
    if (Number.isFinite(exec) && response.headers.has('x-exec-time')) timing.execMs.push(exec);
  }
  return timing;
}

function median(values: readonly number[]): number | undefined {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** Calls per command from `INFO commandstats`. */
async function commandStats(redis: Redis) {
  const text = await redis.info('commandstats');
  const calls = new Map<string, number>();
  for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    calls.set(match[1]!, Number(match[2]));
  }
  return calls;
}

function redisUsage(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
  requests: number,
): RedisUsage {
  const byCommand: [string, number][] = [];
  for (const [name, calls] of after) {
    // The scenario's own INFO calls are not the service's.
    if (name === 'info') continue;
    const delta = calls - (before.get(name) ?? 0);
    if (delta > 0) byCommand.push([name, delta]);
  }
  byCommand.sort((a, b) => b[1] - a[1]);
  const commands = byCommand.reduce((sum, [, n]) => sum + n, 0);
  return {
    commands,
    requests,
    perRequest: requests === 0 ? undefined : commands / requests,
    byCommand: Object.fromEntries(byCommand),
  };
}

interface InstanceRun {
  readonly main: LoadResult;
  readonly greedy: LoadResult;
  readonly before: readonly MetricSample[];
  readonly after: readonly MetricSample[];
}

/** Folds the loads and metric scrapes of one or more instances into one row. */
function summarise(mode: Mode, instance: string, runs: readonly InstanceRun[], seconds: number) {
  const statuses = new Map<number, number>();
  const latencies: number[] = [];
  const allLatencies: number[] = [];
  let errors = 0;
  let timeouts = 0;
  let hits: number | undefined;
  let misses: number | undefined;
  let coalesced: number | undefined;
  const add = (a: number | undefined, b: number | undefined) =>
    a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0);
  for (const run of runs) {
    for (const load of [run.main, run.greedy]) {
      for (const [status, n] of load.statuses)
        statuses.set(status, (statuses.get(status) ?? 0) + n);
      // autocannon counts timeouts among its errors.
      errors += load.errors;
      timeouts += load.timeouts;
    }
    latencies.push(...run.main.latencies);
    allLatencies.push(...run.main.allLatencies);
    // A request the client gave up on kept it waiting at least that long.
    for (let i = 0; i < run.main.timeouts; i++) allLatencies.push(run.main.timeoutMs);
    const cache = (result: string) =>
      counterDelta(run.before, run.after, 'experts_cache_requests_total', { result });
    hits = add(hits, add(cache('hit'), cache('stale')));
    misses = add(misses, cache('miss'));
    coalesced = add(coalesced, counterDelta(run.before, run.after, 'experts_coalesced_total'));
  }
  const sorted = latencies.sort((a, b) => a - b);
  const lookups = (hits ?? 0) + (misses ?? 0);
  const breakers = [...new Set(runs.map((r) => showBreakers(breakerStates(r.after))))];
  const isError = (s: number) => s < 200 || (s >= 300 && s !== 429);
  return {
    mode,
    instance,
    okPerSecond: sorted.length / seconds,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    p99AllAnswers: percentile(
      allLatencies.sort((a, b) => a - b),
      99,
    ),
    errors: count(statuses, isError) + errors,
    limited: count(statuses, (s) => s === 429),
    cacheHitRatio:
      hits === undefined && misses === undefined ? undefined : lookups === 0 ? 0 : hits! / lookups,
    coalesced,
    breakers:
      mode === 'naive' ? '- (none)' : breakers.length === 1 ? breakers[0]! : 'differ by instance',
    answered: count(statuses, (s) => s >= 200 && s < 300),
    responses: count(statuses, () => true),
    errorKinds: [
      ...[...statuses].filter(([s]) => isError(s)).map(([s, n]) => `status ${s}: ${n}`),
      `timeouts: ${timeouts}`,
      `socket errors: ${errors - timeouts}`,
    ].join(', '),
  } satisfies PhaseStats;
}

/** Splits `total` into `parts` integers that differ by at most one, the larger first. */
function share(total: number, parts: number, index: number): number {
  return Math.floor(total / parts) + (index < total % parts ? 1 : 0);
}

/**
 * Runs the scenario: five simulated experts, `instances` service processes in resilient and
 * in naive mode (the resilient ones sharing a `redis-server` when `redis` is set), a
 * scripted load (normal, outage, recovery) spread evenly over the instances of each mode,
 * and optionally a plan timed serially and in waves. Prints one table per phase through
 * `out` and returns every figure. Every child process (and Redis) is stopped before it
 * settles, on success, failure or abort. Throws {@link RedisMissingError} before starting
 * anything when Redis is asked for and `redis-server` is not on PATH.
 */
export async function runScenario(
  settings: ScenarioSettings,
  options: { readonly out: (line: string) => void; readonly signal: AbortSignal },
): Promise<ScenarioReport> {
  const { out, signal } = options;
  const { instances, seconds } = settings;
  if (!Number.isSafeInteger(instances) || instances < 1) {
    throw new RangeError(`Expected instances to be an integer >= 1, got ${instances}`);
  }
  const perInstance = (total: number, i: number) => Math.max(1, share(total, instances, i));
  const children = new ChildSet();
  const failures: string[] = [];
  const phaseReports: PhaseReport[] = [];
  let redis: RedisServerHandle | undefined;
  const pids: number[] = [];
  try {
    if (settings.redis) {
      try {
        redis = await startRedis();
      } catch (error) {
        if (error instanceof RedisNotInstalledError) throw new RedisMissingError(error.message);
        throw error;
      }
      if (redis.pid !== undefined) pids.push(redis.pid);
    }
    const redisClient = redis?.client();
    const adminKey = randomBytes(24).toString('hex');
    const tenantKeys = Array.from(
      { length: TENANTS },
      () => `tenant-${randomBytes(12).toString('hex')}`,
    );
    const greedyKey = `greedy-${randomBytes(12).toString('hex')}`;
    out(settings.title);

    // 1. The simulated experts, one process each.
    const simEnv = { ...process.env, SIM_ADMIN_KEY: adminKey };
    const sims = EXPERTS.map((e) =>
      children.start(
        `expert ${e.name}`,
        SIM_CLI,
        [
          ...['--name', e.name, '--opinion', String(e.opinion), '--seed', String(e.seed)],
          ...['--median-ms', String(e.median), '--p99-ms', String(e.p99)],
          ...['--error-rate', String(e.errorRate)],
        ],
        simEnv,
      ),
    );
    const experts = await Promise.all(
      sims.map(
        async (child) =>
          JSON.parse(await firstLine(child, 10_000)) as { name: string; url: string },
      ),
    );
    const byName = new Map(experts.map((e) => [e.name, e]));
    const expertList = experts.map((e) => `${e.name}=${e.url}`).join(',');
    out(`Experts: ${experts.map((e) => `${e.name} ${e.url}`).join(', ')}`);

    // 2. The service in both modes: every primitive on, and naive; `instances` processes each.
    const keys = [...tenantKeys, greedyKey];
    const services: Service[] = [];
    for (const mode of ['resilient', 'naive'] as const) {
      for (let i = 1; i <= instances; i++) {
        const port = await freePort();
        const instance = `i${i}`;
        const name = instances === 1 ? `${mode} service` : `${mode} service ${instance}`;
        const child = children.start(
          name,
          SERVICE_MAIN,
          [],
          serviceEnv(
            mode,
            port,
            expertList,
            keys,
            {
              id: `${mode}-${instance}`,
              redisUrl: mode === 'resilient' ? redis?.url : undefined,
            },
            settings.serviceSettings,
          ),
        );
        services.push({ mode, instance, url: `http://127.0.0.1:${port}`, child });
      }
    }
    await Promise.all(services.map((s) => waitHealthy(s, signal)));
    out(
      instances === 1
        ? `Services: ${services.map((s) => `${s.mode} ${s.url}`).join(', ')}`
        : `Services: ${(['resilient', 'naive'] as const)
            .map(
              (mode) =>
                `${mode} ${services
                  .filter((s) => s.mode === mode)
                  .map((s) => `${s.instance} ${s.url}`)
                  .join(', ')}`,
            )
            .join('; ')}`,
    );
    if (redis !== undefined) {
      out(
        `Redis: ${redis.url} (pid ${redis.pid}), shared by the resilient instances; the naive ones use none.`,
      );
    }
    const resilient = services.filter((s) => s.mode === 'resilient');

    // 3. A plan with a dependency, timed before any load (every breaker closed).
    const serial = settings.timePlan
      ? await timePlan(resilient[0]!.url, tenantKeys[0]!, 1, 3, signal)
      : undefined;
    const waves = settings.timePlan
      ? await timePlan(resilient[0]!.url, tenantKeys[0]!, undefined, 3, signal)
      : undefined;

    // 4. The scripted load.
    const phases: Phase[] = [
      { name: 'normal', title: 'normal: every expert healthy', profiles: {} },
      {
        name: 'outage',
        title: `outage: ${DOWN} down (503), ${SLOW} ${SLOWDOWN}x slower`,
        profiles: { [DOWN]: { outage: true }, [SLOW]: { slowdown: SLOWDOWN } },
      },
      {
        name: 'recovery',
        title: `recovery: ${DOWN} and ${SLOW} back to normal`,
        profiles: { [DOWN]: { outage: false }, [SLOW]: { slowdown: 1 } },
      },
    ];
    if (settings.oneDown === true) {
      phases.push({
        name: 'one-down',
        title: `one expert down: ${DOWN} accepts connections but never answers (black hole), the others healthy`,
        profiles: { [DOWN]: { slowdown: BLACK_HOLE_SLOWDOWN } },
      });
    }
    // The greedy client asks at twice its quota per phase, so it is over quota within the first.
    const greedyRate = settings.greedyRate ?? Math.ceil((2 * CLIENT_LIMIT_PER_MINUTE) / seconds);
    out(
      `Load per phase and mode: ${settings.rate} req/s offered over ${settings.connections} connections by ${TENANTS} clients, ` +
        `plus one client at ${greedyRate} req/s against a quota of ${CLIENT_LIMIT_PER_MINUTE} per minute; ` +
        `${Math.round(HOT_SHARE * 100)}% of questions from a set of ${HOT_QUESTIONS.length}` +
        (instances === 1
          ? '.'
          : `; both loads split evenly over the ${instances} instances of the mode (one load generator per instance, as a round-robin balancer would).`),
    );
    const random = seededRandom(2024);
    const question = (): string =>
      random() < HOT_SHARE
        ? HOT_QUESTIONS[Math.floor(random() * HOT_QUESTIONS.length)]!
        : `What timeout suits downstream service ${Math.floor(random() * 100_000)}?`;
    let tenant = 0;
    const nextTenant = (): string => tenantKeys[tenant++ % TENANTS]!;
    /** One instance's share of a load: its rate, and no more connections than requests per second. */
    const slice = (rate: number, connections: number, i: number) => {
      const r = perInstance(rate, i);
      return { rate: r, connections: Math.min(r, perInstance(connections, i)) };
    };

    const headers = [
      'mode',
      ...(instances === 1 ? [] : ['instance']),
      'ok req/s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'errors',
      'rate-limited',
      'cache hits',
      'coalesced',
      'breakers',
    ];
    // A short unreported load first, so that the first phase does not measure a cold process.
    for (const mode of ['resilient', 'naive'] as const) {
      const group = services.filter((s) => s.mode === mode);
      await Promise.all(
        group.map((service, i) =>
          load(
            service.url,
            {
              ...slice(Math.max(instances, Math.round(settings.rate / 3)), settings.connections, i),
              seconds: settings.warmSeconds,
              key: nextTenant,
            },
            question,
            signal,
          ),
        ),
      );
    }
    for (const [index, phase] of phases.entries()) {
      signal.throwIfAborted();
      for (const [name, profile] of Object.entries(phase.profiles)) {
        await setProfile(byName.get(name)!, adminKey, profile);
      }
      const rows: PhaseStats[] = [];
      let redisInPhase: RedisUsage | undefined;
      for (const mode of ['resilient', 'naive'] as const) {
        signal.throwIfAborted();
        const group = services.filter((s) => s.mode === mode);
        const before = await Promise.all(group.map((s) => scrape(s.url)));
        const commandsBefore =
          mode === 'resilient' && redisClient !== undefined
            ? await commandStats(redisClient)
            : undefined;
        const loads = await Promise.all(
          group.map((service, i) =>
            Promise.all([
              load(
                service.url,
                { ...slice(settings.rate, settings.connections, i), seconds, key: nextTenant },
                question,
                signal,
              ),
              load(
                service.url,
                { ...slice(greedyRate, 2 * instances, i), seconds, key: () => greedyKey },
                question,
                signal,
              ),
            ]),
          ),
        );
        signal.throwIfAborted();
        const commandsAfter =
          commandsBefore === undefined ? undefined : await commandStats(redisClient!);
        const after = await Promise.all(group.map((s) => scrape(s.url)));
        const runs: InstanceRun[] = loads.map(([main, greedy], i) => ({
          main,
          greedy,
          before: before[i]!,
          after: after[i]!,
        }));
        if (instances > 1) {
          for (const [i, run] of runs.entries()) {
            rows.push(summarise(mode, group[i]!.instance, [run], seconds));
          }
        }
        const total = summarise(mode, 'total', runs, seconds);
        rows.push(total);
        if (commandsBefore !== undefined && commandsAfter !== undefined) {
          redisInPhase = redisUsage(commandsBefore, commandsAfter, total.responses);
        }
      }
      phaseReports.push({ name: phase.name, title: phase.title, rows, redis: redisInPhase });
      out('');
      out(`Phase ${index + 1}/${phases.length} - ${phase.title}`);
      out(
        formatTable(
          headers,
          rows.map((r) => [
            r.mode,
            ...(instances === 1 ? [] : [r.instance]),
            show(r.okPerSecond),
            show(r.p50),
            show(r.p95),
            show(r.p99),
            r.errors,
            r.limited,
            showRatio(r.cacheHitRatio),
            show(r.coalesced),
            r.breakers,
          ]),
        ),
      );
      if (redisInPhase !== undefined) {
        const top = Object.entries(redisInPhase.byCommand)
          .slice(0, 5)
          .map(([name, n]) => `${name} ${n}`)
          .join(', ');
        out(
          `Redis: ${redisInPhase.commands} commands for ${redisInPhase.requests} resilient responses ` +
            `(${show(redisInPhase.perRequest, 2)} per request${top === '' ? '' : `; ${top}`})`,
        );
      }
      const res = rows.find((r) => r.mode === 'resilient' && r.instance === 'total')!;
      if (res.errors > 0) {
        failures.push(
          `resilient mode showed ${res.errors} client errors in the ${phase.name} phase (${res.errorKinds})`,
        );
      }
      if (res.answered === 0) {
        failures.push(`resilient mode answered nothing in the ${phase.name} phase`);
      }
    }

    // 5. The plan.
    if (serial !== undefined && waves !== undefined) {
      out('');
      out('Plan: atlas, boreal, cirrus, delta, then ember reading their four answers');
      if (serial === 'unsupported' || waves === 'unsupported') {
        out('  this build of the service does not accept `plan` yet: nothing to time');
      } else {
        out(
          formatTable(
            ['execution', 'wall ms (median of 3)', 'X-Exec-Time ms (median)'],
            [serial, waves].map((t) => [t.label, show(median(t.wallMs)), show(median(t.execMs))]),
          ),
        );
      }
    }
  } catch (error) {
    if (error instanceof RedisMissingError) throw error;
    if (!signal.aborted) failures.push(error instanceof Error ? error.message : String(error));
  } finally {
    pids.push(...children.pids());
    await children.stopAll();
    await redis?.stop();
  }
  return {
    settings,
    cores: availableParallelism(),
    failures,
    phases: phaseReports,
    pids,
    aborted: signal.aborted,
  };
}

/**
 * Runs the demo: the scenario at the demo's load (60 req/s over 16 connections, 7 s per
 * phase; half the rate and 2 s with `quick`), on one service process per mode or on
 * `instances` of them sharing a Redis, then prints what was stopped and whether every check
 * passed. Returns true when every check passed.
 */
export async function runDemo(options: DemoOptions): Promise<boolean> {
  const { out, signal } = options;
  const instances = options.instances ?? 1;
  const seconds = options.quick ? 2 : 7;
  const report = await runScenario(
    {
      instances,
      redis: instances > 1,
      rate: options.quick ? OFFERED_RATE / 2 : OFFERED_RATE,
      connections: CONNECTIONS,
      seconds,
      warmSeconds: options.quick ? 1 : 3,
      timePlan: true,
      title:
        instances === 1
          ? `Breakwater demo: five simulated experts and the Circle-of-Experts service, resilient beside naive (${seconds} s per phase and mode).`
          : `Breakwater demo: five simulated experts and ${instances} instances of the Circle-of-Experts service per mode, the resilient ones sharing one Redis (${seconds} s per phase and mode).`,
    },
    { out, signal },
  );
  out('');
  out(`Stopped ${report.pids.length} child processes (pids ${report.pids.join(' ')}).`);
  if (report.aborted) {
    out('Interrupted.');
    return false;
  }
  out(
    report.failures.length === 0
      ? 'All checks passed.'
      : `FAILED:\n${report.failures.map((f) => `  - ${f}`).join('\n')}`,
  );
  return report.failures.length === 0;
}
