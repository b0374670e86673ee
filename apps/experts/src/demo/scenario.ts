import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { sleep } from '@breakwater/core';
import autocannon from 'autocannon';
import { CONFIG_VARIABLES } from '../service/config.js';
import { seededRandom } from '../sim/random.js';
import { breakerStates, counterDelta, type MetricSample, parseMetrics } from './metrics-text.js';
import { type Child, ChildSet, firstLine } from './processes.js';
import { formatTable, percentile, show, showBreakers, showRatio } from './table.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** A few seconds per phase instead of eight (the end-to-end test uses it). */
  readonly quick: boolean;
  /** Where the report goes, one line at a time. */
  readonly out: (line: string) => void;
  /** Aborts the demo (Ctrl-C); every child is stopped before `runDemo` settles. */
  readonly signal: AbortSignal;
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

/** Service settings both modes share (`MODE` differs). */
function serviceEnv(mode: 'resilient' | 'naive', port: number, experts: string, keys: string[]) {
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
  };
}

interface Service {
  readonly mode: 'resilient' | 'naive';
  readonly url: string;
  readonly child: Child;
}

interface PhaseStats {
  readonly mode: 'resilient' | 'naive';
  readonly okPerSecond: number;
  readonly p50: number | undefined;
  readonly p95: number | undefined;
  readonly p99: number | undefined;
  readonly errors: number;
  readonly limited: number;
  readonly cacheHitRatio: number | undefined;
  readonly coalesced: number | undefined;
  readonly breakers: string;
  readonly answered: number;
  /** What the client errors were: `status xxx: n`, `timeouts: n`, `socket errors: n`. */
  readonly errorKinds: string;
}

interface Phase {
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
    `The ${service.mode} service did not answer GET /health with 200 within ${timeoutMs} ms:\n${service.child.tail()}`,
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
  statuses: Map<number, number>;
  /** Timeouts and socket errors (autocannon counts timeouts among its errors). */
  errors: number;
  timeouts: number;
}

function load(
  url: string,
  options: { rate: number; connections: number; seconds: number; key: () => string },
  question: () => string,
  signal: AbortSignal,
): Promise<LoadResult> {
  const result: LoadResult = { latencies: [], statuses: new Map(), errors: 0, timeouts: 0 };
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: options.connections,
        duration: options.seconds,
        overallRate: options.rate,
        timeout: 5,
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

/**
 * Runs the demo: five simulated experts and the service in resilient and naive mode as
 * child processes, a scripted load (normal, outage, recovery) against both, a plan timed
 * serially and in waves. Returns true when every check passed; every child process is
 * stopped before it settles, on success, failure or abort.
 */
export async function runDemo(options: DemoOptions): Promise<boolean> {
  const { out, signal } = options;
  const seconds = options.quick ? 2 : 7;
  const warmSeconds = options.quick ? 1 : 3;
  const offeredRate = options.quick ? OFFERED_RATE / 2 : OFFERED_RATE;
  const children = new ChildSet();
  const failures: string[] = [];
  try {
    const adminKey = randomBytes(24).toString('hex');
    const tenantKeys = Array.from(
      { length: TENANTS },
      () => `tenant-${randomBytes(12).toString('hex')}`,
    );
    const greedyKey = `greedy-${randomBytes(12).toString('hex')}`;
    out(
      `Breakwater demo: five simulated experts and the Circle-of-Experts service, resilient beside naive (${seconds} s per phase and mode).`,
    );

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

    // 2. The service twice: every primitive on, and naive.
    const keys = [...tenantKeys, greedyKey];
    const services: Service[] = [];
    for (const mode of ['resilient', 'naive'] as const) {
      const port = await freePort();
      const child = children.start(
        `${mode} service`,
        SERVICE_MAIN,
        [],
        serviceEnv(mode, port, expertList, keys),
      );
      services.push({ mode, url: `http://127.0.0.1:${port}`, child });
    }
    await Promise.all(services.map((s) => waitHealthy(s, signal)));
    out(`Services: ${services.map((s) => `${s.mode} ${s.url}`).join(', ')}`);
    const [resilient] = services as [Service, Service];

    // 3. A plan with a dependency, timed before any load (every breaker closed).
    const serial = await timePlan(resilient.url, tenantKeys[0]!, 1, 3, signal);
    const waves = await timePlan(resilient.url, tenantKeys[0]!, undefined, 3, signal);

    // 4. The scripted load.
    const phases: Phase[] = [
      { title: 'normal: every expert healthy', profiles: {} },
      {
        title: `outage: ${DOWN} down (503), ${SLOW} ${SLOWDOWN}x slower`,
        profiles: { [DOWN]: { outage: true }, [SLOW]: { slowdown: SLOWDOWN } },
      },
      {
        title: `recovery: ${DOWN} and ${SLOW} back to normal`,
        profiles: { [DOWN]: { outage: false }, [SLOW]: { slowdown: 1 } },
      },
    ];
    // The greedy client asks at twice its quota per phase, so it is over quota within the first.
    const greedyRate = Math.ceil((2 * CLIENT_LIMIT_PER_MINUTE) / seconds);
    out(
      `Load per phase and mode: ${offeredRate} req/s offered over ${CONNECTIONS} connections by ${TENANTS} clients, ` +
        `plus one client at ${greedyRate} req/s against a quota of ${CLIENT_LIMIT_PER_MINUTE} per minute; ` +
        `${Math.round(HOT_SHARE * 100)}% of questions from a set of ${HOT_QUESTIONS.length}.`,
    );
    const random = seededRandom(2024);
    const question = (): string =>
      random() < HOT_SHARE
        ? HOT_QUESTIONS[Math.floor(random() * HOT_QUESTIONS.length)]!
        : `What timeout suits downstream service ${Math.floor(random() * 100_000)}?`;
    let tenant = 0;
    const nextTenant = (): string => tenantKeys[tenant++ % TENANTS]!;

    const headers = [
      'mode',
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
    for (const service of services) {
      await load(
        service.url,
        { rate: offeredRate / 3, connections: CONNECTIONS, seconds: warmSeconds, key: nextTenant },
        question,
        signal,
      );
    }
    for (const [index, phase] of phases.entries()) {
      signal.throwIfAborted();
      for (const [name, profile] of Object.entries(phase.profiles)) {
        await setProfile(byName.get(name)!, adminKey, profile);
      }
      const rows: PhaseStats[] = [];
      for (const service of services) {
        signal.throwIfAborted();
        const before = await scrape(service.url);
        const [main, greedy] = await Promise.all([
          load(
            service.url,
            { rate: offeredRate, connections: CONNECTIONS, seconds, key: nextTenant },
            question,
            signal,
          ),
          load(
            service.url,
            { rate: greedyRate, connections: 2, seconds, key: () => greedyKey },
            question,
            signal,
          ),
        ]);
        signal.throwIfAborted();
        const after = await scrape(service.url);
        const statuses = new Map(main.statuses);
        for (const [status, n] of greedy.statuses)
          statuses.set(status, (statuses.get(status) ?? 0) + n);
        const hits = counterDelta(before, after, 'experts_cache_requests_total', { result: 'hit' });
        const stale = counterDelta(before, after, 'experts_cache_requests_total', {
          result: 'stale',
        });
        const misses = counterDelta(before, after, 'experts_cache_requests_total', {
          result: 'miss',
        });
        const lookups = (hits ?? 0) + (stale ?? 0) + (misses ?? 0);
        const sorted = main.latencies.sort((a, b) => a - b);
        rows.push({
          mode: service.mode,
          okPerSecond: sorted.length / seconds,
          p50: percentile(sorted, 50),
          p95: percentile(sorted, 95),
          p99: percentile(sorted, 99),
          errors:
            count(statuses, (s) => s < 200 || (s >= 300 && s !== 429)) +
            main.errors +
            greedy.errors,
          limited: count(statuses, (s) => s === 429),
          cacheHitRatio:
            hits === undefined && stale === undefined && misses === undefined
              ? undefined
              : lookups === 0
                ? 0
                : ((hits ?? 0) + (stale ?? 0)) / lookups,
          coalesced: counterDelta(before, after, 'experts_coalesced_total'),
          breakers: service.mode === 'naive' ? '- (none)' : showBreakers(breakerStates(after)),
          answered: count(statuses, (s) => s >= 200 && s < 300),
          errorKinds: [
            ...[...statuses]
              .filter(([s]) => s < 200 || (s >= 300 && s !== 429))
              .map(([s, n]) => `status ${s}: ${n}`),
            `timeouts: ${main.timeouts + greedy.timeouts}`,
            `socket errors: ${main.errors + greedy.errors - main.timeouts - greedy.timeouts}`,
          ].join(', '),
        });
      }
      out('');
      out(`Phase ${index + 1}/${phases.length} - ${phase.title}`);
      out(
        formatTable(
          headers,
          rows.map((r) => [
            r.mode,
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
      const res = rows.find((r) => r.mode === 'resilient')!;
      if (res.errors > 0) {
        failures.push(
          `resilient mode showed ${res.errors} client errors in the ${phase.title.split(':')[0]} phase (${res.errorKinds})`,
        );
      }
      if (res.answered === 0) {
        failures.push(`resilient mode answered nothing in the ${phase.title.split(':')[0]} phase`);
      }
    }

    // 5. The plan.
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
  } catch (error) {
    if (!signal.aborted) failures.push(error instanceof Error ? error.message : String(error));
  } finally {
    const pids = children.pids();
    await children.stopAll();
    out('');
    out(`Stopped ${pids.length} child processes (pids ${pids.join(' ')}).`);
  }
  if (signal.aborted) {
    out('Interrupted.');
    return false;
  }
  out(
    failures.length === 0
      ? 'All checks passed.'
      : `FAILED:\n${failures.map((f) => `  - ${f}`).join('\n')}`,
  );
  return failures.length === 0;
}
