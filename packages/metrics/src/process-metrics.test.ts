import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MAX_TIMER_MS } from '@breakwater/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isMetricsRegistrationError, MetricsRegistrationError } from './errors.js';
import {
  collectProcessMetrics,
  countOpenFds,
  DEFAULT_GC_BUCKETS,
  lagSnapshot,
  type ProcessMetrics,
  readMaxFds,
} from './process-metrics.js';
import { promtoolCheck } from './promtool.fixture.js';
import { Registry } from './registry.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = pathToFileURL(join(ROOT, 'dist', 'index.js')).href;

const open: ProcessMetrics[] = [];
function collect(registry: Registry, options?: Parameters<typeof collectProcessMetrics>[1]) {
  const handle = collectProcessMetrics(registry, options);
  open.push(handle);
  return handle;
}
afterEach(() => {
  for (const handle of open.splice(0)) void handle.close();
});

/** Sample name (with labels) → value, from the Prometheus text format. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

function value(map: Map<string, number>, sample: string): number {
  const found = map.get(sample);
  if (found === undefined) throw new Error(`no sample ${sample}`);
  return found;
}

/** Runs an ES module script in a child Node.js process that loads the built package. */
function runChild(script: string, flags: string[] = []) {
  const run = spawnSync(
    process.execPath,
    [...flags, '--input-type=module', '-e', `import * as m from '${DIST}';\n${script}`],
    { encoding: 'utf8', timeout: 30_000 },
  );
  return { status: run.status, signal: run.signal, stdout: run.stdout, stderr: run.stderr };
}

const NAMES = [
  'process_cpu_user_seconds_total',
  'process_cpu_system_seconds_total',
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'process_start_time_seconds',
  'nodejs_heap_size_total_bytes',
  'nodejs_heap_size_used_bytes',
  'nodejs_external_memory_bytes',
  'nodejs_array_buffers_bytes',
  'nodejs_heap_space_size_total_bytes',
  'nodejs_heap_space_size_used_bytes',
  'nodejs_heap_space_size_available_bytes',
  'nodejs_eventloop_lag_mean_seconds',
  'nodejs_eventloop_lag_p50_seconds',
  'nodejs_eventloop_lag_p90_seconds',
  'nodejs_eventloop_lag_p99_seconds',
  'nodejs_eventloop_lag_max_seconds',
  'nodejs_active_resources',
  'nodejs_gc_duration_seconds',
  'nodejs_version_info',
];

describe('collectProcessMetrics', () => {
  beforeAll(() => {
    // The child processes load the package as a user would, from dist.
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT });
  });

  it('writes every metric with a sane value after a scrape', () => {
    const registry = new Registry();
    collect(registry);
    const timer = setTimeout(() => {}, 60_000);
    const text = registry.text();
    clearTimeout(timer);
    for (const name of NAMES) expect(text).toContain(`# TYPE ${name} `);
    const s = samples(text);
    const user = value(s, 'process_cpu_user_seconds_total');
    const system = value(s, 'process_cpu_system_seconds_total');
    expect(user).toBeGreaterThan(0);
    expect(system).toBeGreaterThanOrEqual(0);
    expect(value(s, 'process_cpu_seconds_total')).toBeGreaterThanOrEqual(user);
    expect(value(s, 'process_resident_memory_bytes')).toBeGreaterThan(1e6);
    const start = value(s, 'process_start_time_seconds');
    expect(start).toBeLessThanOrEqual(Date.now() / 1000);
    expect(start).toBeGreaterThan(Date.now() / 1000 - process.uptime() - 60);
    if (process.platform === 'linux') {
      expect(value(s, 'process_open_fds')).toBeGreaterThanOrEqual(3);
      expect(value(s, 'process_max_fds')).toBeGreaterThanOrEqual(value(s, 'process_open_fds'));
    }
    const heapTotal = value(s, 'nodejs_heap_size_total_bytes');
    expect(value(s, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(value(s, 'nodejs_heap_size_used_bytes')).toBeLessThanOrEqual(heapTotal);
    expect(value(s, 'nodejs_external_memory_bytes')).toBeGreaterThan(0);
    expect(value(s, 'nodejs_array_buffers_bytes')).toBeGreaterThanOrEqual(0);
    for (const space of ['new', 'old', 'code']) {
      const size = value(s, `nodejs_heap_space_size_total_bytes{space="${space}"}`);
      expect(size).toBeGreaterThan(0);
      expect(value(s, `nodejs_heap_space_size_used_bytes{space="${space}"}`)).toBeLessThanOrEqual(
        size,
      );
      expect(
        value(s, `nodejs_heap_space_size_available_bytes{space="${space}"}`),
      ).toBeGreaterThanOrEqual(0);
    }
    for (const q of ['mean', 'p50', 'p90', 'p99', 'max']) {
      expect(value(s, `nodejs_eventloop_lag_${q}_seconds`)).toBeGreaterThanOrEqual(0);
    }
    expect(value(s, 'nodejs_active_resources{type="Timeout"}')).toBeGreaterThanOrEqual(1);
    for (const kind of ['major', 'minor', 'incremental', 'weakcb']) {
      expect(s.has(`nodejs_gc_duration_seconds_count{kind="${kind}"}`)).toBe(true);
    }
    expect(value(s, `nodejs_version_info{version="${process.version}"}`)).toBe(1);
  });

  it('keeps CPU counters growing', () => {
    const registry = new Registry();
    collect(registry);
    const first = samples(registry.text());
    let spin = 0;
    for (let i = 0; i < 1e6; i++) spin += i;
    expect(spin).toBeGreaterThan(0);
    const second = samples(registry.text());
    for (const sample of [
      'process_cpu_user_seconds_total',
      'process_cpu_system_seconds_total',
      'process_cpu_seconds_total',
    ]) {
      expect(value(second, sample)).toBeGreaterThanOrEqual(value(first, sample));
    }
  });

  it('counts active resources by type and writes 0 for a type that went away', async () => {
    const registry = new Registry();
    collect(registry);
    const servers = () =>
      samples(registry.text()).get('nodejs_active_resources{type="TCPServerWrap"}') ?? 0;
    const before = servers();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    expect(servers()).toBe(before + 1);
    await new Promise((resolve) => server.close(resolve));
    // The handle is released on the loop turn after the close callback.
    for (let i = 0; i < 10 && servers() !== before; i++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(samples(registry.text()).get('nodejs_active_resources{type="TCPServerWrap"}')).toBe(
      before,
    );
  });

  it('puts the prefix before every name and uses the given GC buckets', () => {
    const registry = new Registry();
    collect(registry, { prefix: 'app_', gcBuckets: [0.01, 1], eventLoopResolutionMs: 20 });
    const text = registry.text();
    for (const name of NAMES) expect(text).toContain(`# TYPE app_${name} `);
    expect(text).not.toMatch(/^# TYPE (process|nodejs)_/m);
    expect(text).toContain('app_nodejs_gc_duration_seconds_bucket{kind="major",le="0.01"} 0');
    expect(text).not.toContain('le="0.0005"');
    expect(registry.get('app_nodejs_gc_duration_seconds')).toMatchObject({ buckets: [0.01, 1] });
  });

  it('uses the documented default GC buckets', () => {
    const registry = new Registry();
    collect(registry);
    expect(registry.get('nodejs_gc_duration_seconds')).toMatchObject({
      buckets: DEFAULT_GC_BUCKETS,
    });
  });

  it('passes promtool check metrics without a single lint message', () => {
    const registry = new Registry();
    collect(registry);
    const result = promtoolCheck(registry.text('prometheus'));
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
    const prefixed = new Registry();
    collect(prefixed, { prefix: 'my_app_' });
    expect(promtoolCheck(prefixed.text()).output).toBe('');
  });

  it('writes OpenMetrics that differs from the checked text only where the format says', () => {
    // promtool check metrics reads the text format 0.0.4: an OpenMetrics counter's metadata
    // names the family (`x`), not its `x_total` sample. Mapped back, it must lint clean.
    const registry = new Registry();
    collect(registry);
    const om = registry.text('openmetrics');
    expect(om.endsWith('# EOF\n')).toBe(true);
    expect(om).toContain('# UNIT process_cpu_user_seconds seconds\n');
    expect(om).toContain('# TYPE process_cpu_user_seconds counter\n');
    expect(om).toContain('# UNIT nodejs_heap_size_used_bytes bytes\n');
    const counters = new Set(
      [...om.matchAll(/^# TYPE (\S+) counter$/gm)].map((match) => match[1] as string),
    );
    expect(counters.size).toBe(3);
    const asText = om
      .split('\n')
      .filter((line) => !line.startsWith('# UNIT ') && line !== '# EOF')
      .map((line) => {
        const match = /^# (HELP|TYPE) (\S+)( .*)$/.exec(line);
        return match !== null && counters.has(match[2] as string)
          ? `# ${match[1]} ${match[2]}_total${match[3]}`
          : line;
      })
      .join('\n');
    const result = promtoolCheck(asText);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  it('refuses a second collection on the same registry and prefix, registering nothing', () => {
    const registry = new Registry();
    const first = collect(registry);
    const before = registry.text().replace(/ \S+$/gm, '');
    let error: unknown;
    try {
      collect(registry);
    } catch (e) {
      error = e;
    }
    expect(isMetricsRegistrationError(error)).toBe(true);
    expect((error as { metric: string }).metric).toBe('process_cpu_user_seconds_total');
    void first.close();
    expect(() => collect(registry)).toThrow(/process metrics are collected once/);
    expect(registry.text().replace(/ \S+$/gm, '')).toBe(before);
    expect(() => collect(registry, { prefix: 'other_' })).not.toThrow();
  });

  it('refuses a registry where one of its names is already taken', () => {
    const registry = new Registry();
    registry.gauge({ name: 'nodejs_version_info', help: 'Mine.' });
    expect(() => collect(registry)).toThrow(/"nodejs_version_info" is already registered/);
    expect(registry.get('process_cpu_user_seconds')).toBeUndefined();
  });

  it('refuses before registering anything when another family writes one of its samples', () => {
    for (const taken of [
      'nodejs_gc_duration_seconds_count',
      'nodejs_gc_duration_seconds_bucket',
      'nodejs_gc_duration_seconds_sum',
    ]) {
      const registry = new Registry();
      registry.gauge({ name: taken, help: 'Mine.' });
      const before = registry.text();
      expect(() => collect(registry)).toThrow(MetricsRegistrationError);
      expect(registry.get('process_cpu_user_seconds')).toBeUndefined();
      expect(registry.text()).toBe(before);
    }
    expect(() => collect(new Registry(), { prefix: 'breakwater_metrics_overflow_' })).toThrow(
      /by the registry itself|is written already/,
    );
  });

  it('closes once: closed turns true, a second close and dispose do nothing', async () => {
    const registry = new Registry();
    const handle = collect(registry);
    expect(handle.closed).toBe(false);
    await handle.close();
    expect(handle.closed).toBe(true);
    await expect(handle.close()).resolves.toBeUndefined();
    await expect(handle[Symbol.asyncDispose]()).resolves.toBeUndefined();
    expect(handle.closed).toBe(true);
    // Scrapes still work; what is read at scrape time still is.
    expect(samples(registry.text()).get('process_resident_memory_bytes')).toBeGreaterThan(0);
    const disposed = collect(new Registry());
    await disposed[Symbol.asyncDispose]();
    expect(disposed.closed).toBe(true);
  });

  it('counts a forced GC by kind, and stops counting and sampling after close', () => {
    const child = runChild(
      `
      const registry = new m.Registry();
      const handle = m.collectProcessMetrics(registry, { eventLoopResolutionMs: 1 });
      const gc = registry.get('nodejs_gc_duration_seconds');
      const count = () => gc.get({ kind: 'major' }).count;
      const turn = () => new Promise((resolve) => setImmediate(resolve));
      const block = (ms) => { const end = performance.now() + ms; while (performance.now() < end); };
      const lagMax = () => Number(/^nodejs_eventloop_lag_max_seconds (\\S+)$/m.exec(registry.text())[1]);
      globalThis.gc();
      for (let i = 0; i < 100 && count() === 0; i++) await turn();
      const afterGc = count();
      lagMax();
      await turn();
      block(100);
      await turn();
      const blocked = lagMax();
      handle.close();
      globalThis.gc();
      for (let i = 0; i < 20; i++) await turn();
      block(100);
      await turn();
      const closedLag = lagMax();
      console.log(JSON.stringify({ afterGc, afterClose: count(), blocked, closedLag, closed: handle.closed }));
      `,
      ['--expose-gc'],
    );
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const result = JSON.parse(child.stdout);
    expect(result.afterGc).toBeGreaterThanOrEqual(1);
    expect(result.afterClose).toBe(result.afterGc);
    // A loop blocked for 100 ms shows as lag; after close the gauges keep their last values.
    expect(result.blocked).toBeGreaterThan(0.05);
    expect(result.closedLag).toBe(result.blocked);
    expect(result.closed).toBe(true);
  });

  it('keeps no process alive: a process that only collects exits on its own', () => {
    const idle = runChild('m.collectProcessMetrics(new m.Registry());');
    expect(idle.signal).toBeNull();
    expect(idle.stderr).toBe('');
    expect(idle.status).toBe(0);
    const scraped = runChild(`
      const registry = new m.Registry();
      m.collectProcessMetrics(registry, { eventLoopResolutionMs: 1 });
      await new Promise((resolve) => setTimeout(resolve, 20));
      console.log(registry.text().includes('nodejs_eventloop_lag_max_seconds'));
    `);
    expect(scraped.signal).toBeNull();
    expect(scraped.status).toBe(0);
    expect(scraped.stdout).toBe('true\n');
  });
});

describe('process metric sources', () => {
  it('reports event-loop delay beyond the sampling interval, and 0 without samples', () => {
    const ms = 1e6;
    const histogram = {
      count: 3,
      mean: 12 * ms,
      max: 40 * ms,
      percentile: (p: number) => (p === 50 ? 11 * ms : p === 90 ? 9 * ms : 30 * ms),
    };
    expect(lagSnapshot(histogram as never, 10)).toEqual({
      mean: 0.002,
      p50: 0.001,
      p90: 0,
      p99: 0.02,
      max: 0.03,
    });
    expect(lagSnapshot({ count: 0, mean: Number.NaN } as never, 10)).toEqual({
      mean: 0,
      p50: 0,
      p90: 0,
      p99: 0,
      max: 0,
    });
  });

  it('reads file descriptors where /proc is there and nothing where it is not', () => {
    const dir = mkdtempSync(join(tmpdir(), 'breakwater-fds-'));
    try {
      writeFileSync(join(dir, 'a'), '');
      writeFileSync(join(dir, 'b'), '');
      expect(countOpenFds(dir)).toBe(2);
      expect(countOpenFds(join(dir, 'missing'))).toBeUndefined();
      const limits = join(dir, 'limits');
      writeFileSync(
        limits,
        'Limit                     Soft Limit           Hard Limit           Units\n' +
          'Max open files            1024                 4096                 files\n',
      );
      expect(readMaxFds(limits)).toBe(1024);
      writeFileSync(
        limits,
        'Max open files            unlimited            unlimited            files\n',
      );
      expect(readMaxFds(limits)).toBeUndefined();
      expect(readMaxFds(join(dir, 'missing'))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('process metrics options', () => {
  const registry = () => new Registry();

  it('refuses unknown keys and a non-object', () => {
    expect(() => collectProcessMetrics(registry(), { labels: {} } as never)).toThrow(TypeError);
    expect(() => collectProcessMetrics(registry(), 1 as never)).toThrow(TypeError);
  });

  it('refuses a prefix that is not snake_case', () => {
    expect(() => collectProcessMetrics(registry(), { prefix: 1 as never })).toThrow(TypeError);
    for (const prefix of ['myApp_', 'a:b_', '1a_', 'a-b', '__x_']) {
      expect(() => collectProcessMetrics(registry(), { prefix })).toThrow(
        /Expected `prefix` to be a snake_case prefix/,
      );
    }
  });

  it('refuses an event-loop resolution that is not an integer in [1, MAX_TIMER_MS]', () => {
    for (const bad of [0, 1.5, -1, MAX_TIMER_MS + 1]) {
      expect(() => collectProcessMetrics(registry(), { eventLoopResolutionMs: bad })).toThrow(
        /`eventLoopResolutionMs`/,
      );
    }
    expect(() =>
      collectProcessMetrics(registry(), { eventLoopResolutionMs: '10' as never }),
    ).toThrow(TypeError);
  });

  it('refuses GC buckets that are not finite and strictly increasing', () => {
    expect(() => collectProcessMetrics(registry(), { gcBuckets: 1 as never })).toThrow(TypeError);
    for (const gcBuckets of [[], [2, 1], [1, 1], [Number.NaN], [1, Number.POSITIVE_INFINITY]]) {
      expect(() => collectProcessMetrics(registry(), { gcBuckets })).toThrow(/`gcBuckets`/);
    }
  });
});
