import { Registry } from '@breakwater/metrics';
import * as prom from 'prom-client';
import {
  type BenchCase,
  implementation,
  type SuiteDefinition,
} from '../runner/suite-definition.js';
import { firstLines, OURS_NOTE, PROM_NOTE, seriesLabels } from './metrics/expose-check.js';
import {
  largeExposition,
  newCounterSeries,
  newHistogramSeries,
  scaleCaseNames,
} from './metrics/scale-cases.js';
import { floorTable } from './speed-targets.js';

export { sampleLines } from './metrics/expose-check.js';

export interface MetricsSuiteConfig {
  /** Measurements per measured call in the inc and observe cases. */
  readonly ops: number;
  /** Series in the exposition case (distinct `route` × `code` pairs). */
  readonly series: number;
  /** Series in the large exposition cases, which also report the longest event-loop block. */
  readonly largeSeries: number;
  /** `yieldEveryMs` of ours' `textAsync` in the large exposition. */
  readonly yieldEveryMs: number;
  /** Series created (and weighed) per call in the new-series cases. */
  readonly newSeries: number;
}

export const defaultMetricsSuiteConfig: MetricsSuiteConfig = {
  ops: 1000,
  series: 10_000,
  largeSeries: 200_000,
  yieldEveryMs: 10,
  newSeries: 50_000,
};

const METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;
const CODES = ['200', '404', '500'] as const;
/** Prometheus' default buckets, the default of both libraries. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

type Labels2 = { readonly method: string; readonly code: string };

/** `count` label objects cycling over 4 methods × 3 codes, built once (no allocation per call). */
function labelSets(count: number): readonly Labels2[] {
  const combos = METHODS.flatMap((method) => CODES.map((code) => ({ method, code })));
  return Array.from({ length: count }, (_, i) => combos[i % combos.length]!);
}

/** Observed values, spread over the buckets, the same on every side. */
function observations(count: number): readonly number[] {
  return Array.from({ length: count }, (_, i) => ((i * 7919) % 1000) / 400);
}

function oursRegistry() {
  return new Registry({ maxSeriesPerMetric: 100_000 });
}

function promRegistry() {
  return new prom.Registry();
}

function incNoLabels(ops: number): BenchCase {
  return {
    name: 'inc · no labels',
    description: `${ops} \`inc()\` of a counter without labels (the exposed value is compared)`,
    opsPerCall: ops,
    check: true,
    ours: implementation({
      name: 'Registry',
      note: OURS_NOTE,
      setup: () => {
        const registry = oursRegistry();
        const counter = registry.counter({ name: 'jobs_total', help: 'Jobs.' });
        return { first: true, registry, counter };
      },
      fn: (state) => {
        for (let i = 0; i < ops; i++) state.counter.inc();
        return firstLines(state, () => state.registry.text());
      },
    }),
    peers: [
      implementation({
        name: 'prom-client',
        note: PROM_NOTE,
        setup: () => {
          const registry = promRegistry();
          const counter = new prom.Counter({
            name: 'jobs_total',
            help: 'Jobs.',
            registers: [registry],
          });
          return { first: true, registry, counter };
        },
        fn: (state) => {
          for (let i = 0; i < ops; i++) state.counter.inc();
          return firstLines(state, () => state.registry.metrics());
        },
      }),
    ],
    floor: implementation({
      name: 'number field',
      note: 'A number property incremented on a plain object.',
      setup: () => ({ first: true, value: 0 }),
      fn: (state) => {
        for (let i = 0; i < ops; i++) state.value++;
        return firstLines(state, () => `jobs_total ${state.value}\n`);
      },
    }),
  };
}

/** A floor for labelled counters: nested Maps (method → code → cell), as ours. */
function nestedCounter() {
  const root = new Map<string, Map<string, { value: number }>>();
  return {
    root,
    inc(labels: Labels2): void {
      let level = root.get(labels.method);
      if (level === undefined) {
        level = new Map();
        root.set(labels.method, level);
      }
      let cell = level.get(labels.code);
      if (cell === undefined) {
        cell = { value: 0 };
        level.set(labels.code, cell);
      }
      cell.value++;
    },
    text(name: string): string {
      let out = '';
      for (const [method, level] of root) {
        for (const [code, cell] of level)
          out += `${name}{method="${method}",code="${code}"} ${cell.value}\n`;
      }
      return out;
    },
  };
}

function incLabelled(ops: number): BenchCase {
  const labels = labelSets(ops);
  return {
    name: 'inc · 2 labels (object)',
    description: `${ops} \`inc({ method, code })\` over 12 label combinations, label objects built once (the exposed values are compared)`,
    opsPerCall: ops,
    check: true,
    ours: implementation({
      name: 'Registry',
      note: OURS_NOTE,
      setup: () => {
        const registry = oursRegistry();
        const counter = registry.counter({
          name: 'requests_total',
          help: 'Requests.',
          labelNames: ['method', 'code'],
        });
        return { first: true, registry, counter };
      },
      fn: (state) => {
        for (let i = 0; i < ops; i++) state.counter.inc(labels[i]!);
        return firstLines(state, () => state.registry.text());
      },
    }),
    peers: [
      implementation({
        name: 'prom-client',
        note: PROM_NOTE,
        setup: () => {
          const registry = promRegistry();
          const counter = new prom.Counter({
            name: 'requests_total',
            help: 'Requests.',
            labelNames: ['method', 'code'],
            registers: [registry],
          });
          return { first: true, registry, counter };
        },
        fn: (state) => {
          for (let i = 0; i < ops; i++) state.counter.inc(labels[i]!);
          return firstLines(state, () => state.registry.metrics());
        },
      }),
    ],
    floor: implementation({
      name: 'nested Maps',
      note: 'Two `Map.get` (method, then code) and a number increment; no validation.',
      setup: () => ({ first: true, counter: nestedCounter() }),
      fn: (state) => {
        for (let i = 0; i < ops; i++) state.counter.inc(labels[i]!);
        return firstLines(state, () => state.counter.text('requests_total'));
      },
    }),
  };
}

function incBound(ops: number): BenchCase {
  return {
    name: 'inc · bound child',
    description: `${ops} \`inc()\` of a child bound once with \`labels({ method, code })\` (the exposed value is compared)`,
    opsPerCall: ops,
    check: true,
    ours: implementation({
      name: 'Registry',
      note: OURS_NOTE,
      setup: () => {
        const registry = oursRegistry();
        const counter = registry.counter({
          name: 'requests_total',
          help: 'Requests.',
          labelNames: ['method', 'code'],
        });
        return { first: true, registry, child: counter.labels({ method: 'GET', code: '200' }) };
      },
      fn: (state) => {
        for (let i = 0; i < ops; i++) state.child.inc();
        return firstLines(state, () => state.registry.text());
      },
    }),
    peers: [
      implementation({
        name: 'prom-client',
        note: `${PROM_NOTE} The child comes from \`counter.labels({ method, code })\`.`,
        setup: () => {
          const registry = promRegistry();
          const counter = new prom.Counter({
            name: 'requests_total',
            help: 'Requests.',
            labelNames: ['method', 'code'],
            registers: [registry],
          });
          return { first: true, registry, child: counter.labels({ method: 'GET', code: '200' }) };
        },
        fn: (state) => {
          for (let i = 0; i < ops; i++) state.child.inc();
          return firstLines(state, () => state.registry.metrics());
        },
      }),
    ],
    floor: implementation({
      name: 'number field',
      note: 'A number property incremented on a plain object.',
      setup: () => ({ first: true, value: 0 }),
      fn: (state) => {
        for (let i = 0; i < ops; i++) state.value++;
        return firstLines(state, () => `requests_total{method="GET",code="200"} ${state.value}\n`);
      },
    }),
  };
}

/** A floor for labelled histograms: nested Maps to a cell of per-bucket counts. */
function nestedHistogram() {
  type Cell = { counts: number[]; sum: number; count: number };
  const root = new Map<string, Map<string, Cell>>();
  return {
    observe(labels: Labels2, value: number): void {
      let level = root.get(labels.method);
      if (level === undefined) {
        level = new Map();
        root.set(labels.method, level);
      }
      let cell = level.get(labels.code);
      if (cell === undefined) {
        cell = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
        level.set(labels.code, cell);
      }
      let i = 0;
      while (i < BUCKETS.length && value > BUCKETS[i]!) i++;
      if (i < BUCKETS.length) cell.counts[i]!++;
      cell.sum += value;
      cell.count++;
    },
    text(name: string): string {
      let out = '';
      for (const [method, level] of root) {
        for (const [code, cell] of level) {
          const labels = `method="${method}",code="${code}"`;
          let running = 0;
          for (let i = 0; i < BUCKETS.length; i++) {
            running += cell.counts[i]!;
            out += `${name}_bucket{${labels},le="${BUCKETS[i]}"} ${running}\n`;
          }
          out += `${name}_bucket{${labels},le="+Inf"} ${cell.count}\n`;
          out += `${name}_sum{${labels}} ${cell.sum}\n${name}_count{${labels}} ${cell.count}\n`;
        }
      }
      return out;
    },
  };
}

function observeLabelled(ops: number): BenchCase {
  const labels = labelSets(ops);
  const values = observations(ops);
  return {
    name: 'observe · histogram, 2 labels',
    description: `${ops} \`observe({ method, code }, value)\` into default buckets over 12 label combinations (the exposed buckets, sums and counts are compared)`,
    opsPerCall: ops,
    check: true,
    ours: implementation({
      name: 'Registry',
      note: OURS_NOTE,
      setup: () => {
        const registry = oursRegistry();
        const histogram = registry.histogram({
          name: 'latency_seconds',
          help: 'Latency.',
          labelNames: ['method', 'code'],
        });
        return { first: true, registry, histogram };
      },
      fn: (state) => {
        for (let i = 0; i < ops; i++) state.histogram.observe(labels[i]!, values[i]!);
        return firstLines(state, () => state.registry.text());
      },
    }),
    peers: [
      implementation({
        name: 'prom-client',
        note: PROM_NOTE,
        setup: () => {
          const registry = promRegistry();
          const histogram = new prom.Histogram({
            name: 'latency_seconds',
            help: 'Latency.',
            labelNames: ['method', 'code'],
            registers: [registry],
          });
          return { first: true, registry, histogram };
        },
        fn: (state) => {
          for (let i = 0; i < ops; i++) state.histogram.observe(labels[i]!, values[i]!);
          return firstLines(state, () => state.registry.metrics());
        },
      }),
    ],
    floor: implementation({
      name: 'nested Maps',
      note: 'Two `Map.get`, a linear bucket search and three number updates; no validation.',
      setup: () => ({ first: true, histogram: nestedHistogram() }),
      fn: (state) => {
        for (let i = 0; i < ops; i++) state.histogram.observe(labels[i]!, values[i]!);
        return firstLines(state, () => state.histogram.text('latency_seconds'));
      },
    }),
  };
}

/** The `_count` and `_sum` lines of an exposition: quantile estimates differ by design. */
function countAndSum(text: string): string {
  return text
    .split('\n')
    .filter((line) => /^\w+_(count|sum)[{ ]/.test(line))
    .join('\n');
}

function observeSummary(ops: number): BenchCase {
  const labels = labelSets(ops);
  const values = observations(ops);
  // The same window on both sides: 10 minutes in 5 sub-windows, quantiles 0.5, 0.9, 0.99.
  const percentiles = [0.5, 0.9, 0.99];
  return {
    name: 'observe · summary, 2 labels',
    description: `${ops} \`observe({ method, code }, value)\` into a summary (quantiles 0.5, 0.9, 0.99 over 10 minutes in 5 sub-windows) over 12 label combinations (the exposed counts and sums are compared; the quantile estimators differ: ours a 1 % relative-error log-bucket sketch, prom-client's a t-digest)`,
    opsPerCall: ops,
    check: true,
    ours: implementation({
      name: 'Registry',
      note: OURS_NOTE,
      setup: () => {
        const registry = oursRegistry();
        const summary = registry.summary({
          name: 'latency_seconds',
          help: 'Latency.',
          labelNames: ['method', 'code'],
          percentiles,
          maxAgeMs: 600_000,
          ageBuckets: 5,
        });
        return { first: true, registry, summary };
      },
      fn: (state) => {
        for (let i = 0; i < ops; i++) state.summary.observe(labels[i]!, values[i]!);
        return firstLines(state, () => countAndSum(state.registry.text()));
      },
    }),
    peers: [
      implementation({
        name: 'prom-client',
        note: PROM_NOTE,
        setup: () => {
          const registry = promRegistry();
          const summary = new prom.Summary({
            name: 'latency_seconds',
            help: 'Latency.',
            labelNames: ['method', 'code'],
            percentiles,
            maxAgeSeconds: 600,
            ageBuckets: 5,
            registers: [registry],
          });
          return { first: true, registry, summary };
        },
        fn: (state) => {
          for (let i = 0; i < ops; i++) state.summary.observe(labels[i]!, values[i]!);
          return firstLines(state, async () => countAndSum(await state.registry.metrics()));
        },
      }),
    ],
  };
}

function exposition(series: number): BenchCase {
  const rows = seriesLabels(series);
  return {
    name: `exposition · ${series} series`,
    description: `The text format of one counter with ${series} series (route × code); the sorted sample lines are compared`,
    check: true,
    ours: implementation({
      name: 'Registry',
      note: `${OURS_NOTE} \`registry.text()\`.`,
      setup: () => {
        const registry = oursRegistry();
        const counter = registry.counter({
          name: 'hits_total',
          help: 'Hits.',
          labelNames: ['route', 'code'],
        });
        for (const { route, code, value } of rows) counter.inc({ route, code }, value);
        return { first: true, registry };
      },
      // The first call returns the sample lines for the check; later ones the UTF-8 length
      // of the text, which (as sending it would) flattens the string that was built.
      fn: (state) =>
        firstLines(state, () => state.registry.text()) ?? Buffer.byteLength(state.registry.text()),
    }),
    peers: [
      implementation({
        name: 'prom-client',
        note: `${PROM_NOTE} \`await registry.metrics()\`.`,
        setup: () => {
          const registry = promRegistry();
          const counter = new prom.Counter({
            name: 'hits_total',
            help: 'Hits.',
            labelNames: ['route', 'code'],
            registers: [registry],
          });
          for (const { route, code, value } of rows) counter.inc({ route, code }, value);
          return { first: true, registry };
        },
        fn: async (state) =>
          (await firstLines(state, () => state.registry.metrics())) ??
          Buffer.byteLength(await state.registry.metrics()),
      }),
    ],
  };
}

/** Case names, shared by the cases and the tests. */
export const caseNames = {
  exposition: (series: number) => `exposition · ${series} series`,
  ...scaleCaseNames,
} as const;

/** The metrics suite for `config`; tests build it small. */
export function createMetricsSuite(config: MetricsSuiteConfig): SuiteDefinition {
  const { ops, series, largeSeries, yieldEveryMs, newSeries } = config;
  return {
    name: 'metrics',
    description:
      '`Registry` (`@breakwater/metrics`) against prom-client 15: counter increments without ' +
      'labels, with a label object and through a bound child, labelled histogram and summary ' +
      'observations, the exposition of many series (with the longest event-loop block of ' +
      'the largest), and the creation of many series with the heap each retains.',
    cases: [
      incNoLabels(ops),
      incLabelled(ops),
      incBound(ops),
      observeLabelled(ops),
      observeSummary(ops),
      exposition(series),
      largeExposition({ series: largeSeries }),
      largeExposition({ series: largeSeries, yieldEveryMs }),
      newCounterSeries(newSeries),
      newHistogramSeries(newSeries),
    ],
    tables: ({ cases }) => [floorTable(cases, { unit: 'operation' })],
  };
}

export const suite = createMetricsSuite(defaultMetricsSuiteConfig);
