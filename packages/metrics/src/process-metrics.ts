import { readdirSync, readFileSync } from 'node:fs';
import {
  constants,
  type EntryType,
  type IntervalHistogram,
  monitorEventLoopDelay,
  PerformanceObserver,
  performance,
} from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import {
  checkInteger,
  checkKnownKeys,
  checkOptions,
  checkString,
  invalidMessage,
  MAX_TIMER_MS,
} from '@breakwater/core';
import { MetricsRegistrationError } from './errors.js';
import type { Gauge } from './gauge.js';
import { type Registry, takenSample } from './registry.js';

/** Options of {@link collectProcessMetrics}. */
export interface ProcessMetricsOptions {
  /**
   * Put before every metric name (`myapp_` gives `myapp_process_cpu_user_seconds_total`):
   * snake_case, `[a-z_][a-z0-9_]*`, not starting with `__` (promtool warns about colons
   * and camelCase). @default ''
   */
  prefix?: string | undefined;
  /**
   * Sampling interval of the event-loop delay monitor (`monitorEventLoopDelay`), in ms:
   * an integer >= 1 and <= 2147483647. @default 10
   */
  eventLoopResolutionMs?: number | undefined;
  /**
   * Bucket upper bounds of the GC pause histogram, in seconds: finite, strictly increasing,
   * non-empty. @default [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]
   */
  gcBuckets?: readonly number[] | undefined;
}

/** What {@link collectProcessMetrics} returns: stops the monitors it started. */
export interface ProcessMetrics extends AsyncDisposable {
  /**
   * Stops the event-loop delay monitor and the GC observer. The metrics stay registered: the
   * event-loop gauges and the GC histogram keep their last values, the others are still
   * read at each scrape. Both stop at once; the promise is resolved. Calling it again does
   * nothing.
   */
  close(): Promise<void>;
  /** True once {@link close} was called. */
  readonly closed: boolean;
}

/** Default buckets of `nodejs_gc_duration_seconds`, in seconds. */
export const DEFAULT_GC_BUCKETS: readonly number[] = Object.freeze([
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
]);

const GC_KINDS: ReadonlyMap<number, 'major' | 'minor' | 'incremental' | 'weakcb'> = new Map([
  [constants.NODE_PERFORMANCE_GC_MAJOR, 'major'],
  [constants.NODE_PERFORMANCE_GC_MINOR, 'minor'],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'],
  [constants.NODE_PERFORMANCE_GC_WEAKCB, 'weakcb'],
]);

const PREFIX = /^[a-z_][a-z0-9_]*$/;

/** The number of entries in `dir` (`/proc/self/fd`), or undefined where it cannot be read. */
export function countOpenFds(dir = '/proc/self/fd'): number | undefined {
  try {
    return readdirSync(dir).length;
  } catch {
    return undefined;
  }
}

/** The soft limit on open files in `file` (`/proc/self/limits`), or undefined where unknown. */
export function readMaxFds(file = '/proc/self/limits'): number | undefined {
  try {
    const match = /^Max open files\s+(\d+)/m.exec(readFileSync(file, 'utf8'));
    return match === null ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

function checkBuckets(value: unknown): readonly number[] {
  if (value === undefined) return DEFAULT_GC_BUCKETS;
  const what = 'a non-empty array of finite, strictly increasing numbers';
  if (!Array.isArray(value)) throw new TypeError(invalidMessage('gcBuckets', what, value));
  if (
    value.length === 0 ||
    value.some(
      (b, i) => typeof b !== 'number' || !Number.isFinite(b) || (i > 0 && b <= value[i - 1]),
    )
  ) {
    throw new RangeError(invalidMessage('gcBuckets', what, value));
  }
  return Object.freeze([...(value as number[])]);
}

/** Event-loop delay in seconds, less the sampling interval the monitor always adds. */
interface LagSnapshot {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function lagSnapshot(histogram: IntervalHistogram, resolutionMs: number): LagSnapshot {
  if (histogram.count === 0) return { mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  const offset = resolutionMs * 1e6;
  const seconds = (ns: number) => Math.max(0, ns - offset) / 1e9;
  return {
    mean: seconds(histogram.mean),
    p50: seconds(histogram.percentile(50)),
    p90: seconds(histogram.percentile(90)),
    p99: seconds(histogram.percentile(99)),
    max: seconds(histogram.max),
  };
}

/**
 * Registers the default process and Node.js metrics on `registry` and starts what they
 * need: an event-loop delay monitor and a GC `PerformanceObserver`, neither of which keeps
 * the process alive. The other values are read at each scrape. Names pass
 * `promtool check metrics` without a warning.
 *
 * Once per registry and prefix: when one of the names is already registered (by an
 * earlier call, or by anything else) it throws {@link MetricsRegistrationError} before
 * registering anything.
 */
export function collectProcessMetrics(
  registry: Registry,
  options?: ProcessMetricsOptions,
): ProcessMetrics {
  const raw = checkOptions('process metrics options', options);
  checkKnownKeys('process metrics options', raw, ['prefix', 'eventLoopResolutionMs', 'gcBuckets']);
  const prefix = checkString('prefix', raw.prefix, '');
  if (prefix !== '' && (!PREFIX.test(prefix) || prefix.startsWith('__'))) {
    throw new RangeError(
      invalidMessage('prefix', 'a snake_case prefix matching [a-z_][a-z0-9_]*, not "__…"', prefix),
    );
  }
  const resolutionMs = checkInteger('eventLoopResolutionMs', raw.eventLoopResolutionMs, {
    min: 1,
    max: MAX_TIMER_MS,
    default: 10,
  });
  const gcBuckets = checkBuckets(raw.gcBuckets);

  const fds = countOpenFds();
  const maxFds = fds === undefined ? undefined : readMaxFds();
  const activeResources =
    typeof process.getActiveResourcesInfo === 'function'
      ? process.getActiveResourcesInfo
      : undefined;

  const names = [
    'process_cpu_user_seconds_total',
    'process_cpu_system_seconds_total',
    'process_cpu_seconds_total',
    'process_resident_memory_bytes',
    'process_start_time_seconds',
    ...(fds === undefined ? [] : ['process_open_fds']),
    ...(maxFds === undefined ? [] : ['process_max_fds']),
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
    ...(activeResources === undefined ? [] : ['nodejs_active_resources']),
    'nodejs_gc_duration_seconds',
    'nodejs_version_info',
  ].map((name) => prefix + name);
  for (const name of names) {
    if (registry.get(name) !== undefined) {
      throw new MetricsRegistrationError(
        name,
        '(process metrics are collected once per registry and prefix)',
      );
    }
  }
  // The samples each name writes, which another family may write already
  // (a gauge `nodejs_gc_duration_seconds_count`): refused here, before anything is registered.
  const gcName = `${prefix}nodejs_gc_duration_seconds`;
  for (const name of names) {
    const family = name.replace(/_total$/, '');
    const samples =
      name !== family
        ? [family, name]
        : name === gcName
          ? [name, `${name}_bucket`, `${name}_sum`, `${name}_count`]
          : [name];
    const taken = takenSample(registry, samples);
    if (taken !== undefined) {
      throw new MetricsRegistrationError(name, `: the sample "${taken}" is written already`);
    }
  }

  const cpu = (name: string, help: string, read: (usage: NodeJS.CpuUsage) => number) => {
    let last = 0;
    registry.counter({
      name: `${prefix}${name}_seconds_total`,
      help,
      unit: 'seconds',
      collect: (counter) => {
        const now = read(process.cpuUsage());
        if (now > last) counter.inc((now - last) / 1e6);
        last = Math.max(last, now);
      },
    });
  };
  cpu('process_cpu_user', 'User CPU time spent by the process, in seconds.', (u) => u.user);
  cpu('process_cpu_system', 'System CPU time spent by the process, in seconds.', (u) => u.system);
  cpu(
    'process_cpu',
    'User and system CPU time spent by the process, in seconds.',
    (u) => u.user + u.system,
  );

  const bytes = (name: string, help: string, read: () => number) =>
    registry.gauge({
      name: `${prefix}${name}_bytes`,
      help,
      unit: 'bytes',
      collect: (gauge) => gauge.set(read()),
    });
  bytes('process_resident_memory', 'Resident memory size, in bytes.', () =>
    process.memoryUsage.rss(),
  );
  registry
    .gauge({
      name: `${prefix}process_start_time_seconds`,
      help: 'Start time of the process since the Unix epoch, in seconds.',
      unit: 'seconds',
    })
    .set(performance.timeOrigin / 1000);
  if (fds !== undefined) {
    registry.gauge({
      name: `${prefix}process_open_fds`,
      help: 'Open file descriptors.',
      collect: (gauge) => {
        const count = countOpenFds();
        if (count !== undefined) gauge.set(count);
      },
    });
  }
  if (maxFds !== undefined) {
    registry
      .gauge({ name: `${prefix}process_max_fds`, help: 'Maximum open file descriptors.' })
      .set(maxFds);
  }

  bytes(
    'nodejs_heap_size_total',
    'V8 heap allocated, in bytes.',
    () => process.memoryUsage().heapTotal,
  );
  bytes('nodejs_heap_size_used', 'V8 heap in use, in bytes.', () => process.memoryUsage().heapUsed);
  bytes(
    'nodejs_external_memory',
    'Memory of C++ objects bound to JavaScript objects, in bytes.',
    () => process.memoryUsage().external,
  );
  bytes(
    'nodejs_array_buffers',
    'Memory of ArrayBuffers and SharedArrayBuffers (part of external memory), in bytes.',
    () => process.memoryUsage().arrayBuffers,
  );

  const space = (name: string, help: string, read: (s: HeapSpace) => number) =>
    registry.gauge({
      name: `${prefix}nodejs_heap_space_size_${name}_bytes`,
      help,
      unit: 'bytes',
      labelNames: ['space'],
      collect: (gauge: Gauge<'space'>) => {
        for (const s of getHeapSpaceStatistics()) {
          gauge.set({ space: s.space_name.replace(/_space$/, '') }, read(s));
        }
      },
    });
  space('total', 'Size of each V8 heap space, in bytes.', (s) => s.space_size);
  space('used', 'Used size of each V8 heap space, in bytes.', (s) => s.space_used_size);
  space(
    'available',
    'Available size of each V8 heap space, in bytes.',
    (s) => s.space_available_size,
  );

  // Event-loop delay: one snapshot per scrape. The mean gauge's collect reads and resets the
  // monitor and sets all five gauges, so they describe one window (since the previous scrape).
  const monitor = monitorEventLoopDelay({ resolution: resolutionMs });
  let closed = false;
  let snapshot: LagSnapshot = { mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  const lagGauges: Gauge[] = [];
  const lag = (name: keyof LagSnapshot, what: string) => {
    const gauge = registry.gauge({
      name: `${prefix}nodejs_eventloop_lag_${name}_seconds`,
      help: `${what} event-loop delay since the previous scrape, beyond the sampling interval, in seconds.`,
      unit: 'seconds',
      ...(name === 'mean'
        ? {
            collect: () => {
              if (!closed) {
                snapshot = lagSnapshot(monitor, resolutionMs);
                monitor.reset();
              }
              for (const [i, key] of LAG_KEYS.entries()) lagGauges[i]?.set(snapshot[key]);
            },
          }
        : {}),
    });
    lagGauges.push(gauge);
  };
  lag('mean', 'Mean');
  lag('p50', 'Median');
  lag('p90', '90th percentile of the');
  lag('p99', '99th percentile of the');
  lag('max', 'Maximum');

  if (activeResources !== undefined) {
    let seen: readonly string[] = [];
    registry.gauge({
      name: `${prefix}nodejs_active_resources`,
      help: 'Resources keeping the event loop alive (handles, requests, timers), by type.',
      labelNames: ['type'],
      collect: (gauge) => {
        const counts = new Map<string, number>(seen.map((type) => [type, 0]));
        for (const type of activeResources()) counts.set(type, (counts.get(type) ?? 0) + 1);
        for (const [type, count] of counts) gauge.set({ type }, count);
        seen = [...counts.keys()];
      },
    });
  }

  const gc = registry.histogram({
    name: `${prefix}nodejs_gc_duration_seconds`,
    help: 'Garbage collection pauses, by kind (major, minor, incremental, weakcb), in seconds.',
    unit: 'seconds',
    labelNames: ['kind'],
    buckets: gcBuckets,
  });
  const gcKinds = new Map([...GC_KINDS].map(([code, kind]) => [code, gc.labels({ kind })]));

  registry
    .gauge({
      name: `${prefix}nodejs_version_info`,
      help: 'Node.js version of the process (value 1).',
      labelNames: ['version'],
    })
    .set({ version: process.version }, 1);

  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } | null }).detail?.kind;
      const child = kind === undefined ? undefined : gcKinds.get(kind);
      child?.observe(entry.duration / 1000);
    }
  });
  observer.observe({ entryTypes: ['gc' as EntryType] });
  monitor.enable();

  const close = (): Promise<void> => {
    if (!closed) {
      closed = true;
      monitor.disable();
      observer.disconnect();
    }
    return Promise.resolve();
  };
  return {
    close,
    get closed() {
      return closed;
    },
    [Symbol.asyncDispose]: close,
  };
}

const LAG_KEYS = ['mean', 'p50', 'p90', 'p99', 'max'] as const;

type HeapSpace = ReturnType<typeof getHeapSpaceStatistics>[number];
