import { Registry } from '@breakwater/metrics';
import * as prom from 'prom-client';
import { type BenchCase, implementation } from '../../runner/suite-definition.js';
import { type Checked, firstLines, OURS_NOTE, PROM_NOTE, seriesLabels } from './expose-check.js';
import { longestBlock } from './longest-block.js';

type Rows = ReturnType<typeof seriesLabels>;

/** A registry of our own whose metrics may hold `series` series. */
function oursRegistry(series: number): Registry {
  return new Registry({ maxSeriesPerMetric: Math.max(series, 10_000) });
}

/** Our registry holding one counter with a series per row, `inc({ route, code }, value)` each. */
function oursCounter(rows: Rows): Registry {
  const registry = oursRegistry(rows.length);
  const counter = registry.counter({
    name: 'hits_total',
    help: 'Hits.',
    labelNames: ['route', 'code'],
  });
  for (const { route, code, value } of rows) counter.inc({ route, code }, value);
  return registry;
}

/** prom-client's registry holding the same counter, filled the same way. */
function promCounter(rows: Rows): prom.Registry {
  const registry = new prom.Registry();
  const counter = new prom.Counter({
    name: 'hits_total',
    help: 'Hits.',
    labelNames: ['route', 'code'],
    registers: [registry],
  });
  for (const { route, code, value } of rows) counter.inc({ route, code }, value);
  return registry;
}

/** Our registry holding one histogram (default buckets) with a series per row. */
function oursHistogram(rows: Rows): Registry {
  const registry = oursRegistry(rows.length);
  const histogram = registry.histogram({
    name: 'latency_seconds',
    help: 'Latency.',
    labelNames: ['route', 'code'],
  });
  for (const { route, code, value } of rows) histogram.observe({ route, code }, value / 8);
  return registry;
}

/** prom-client's registry holding the same histogram, filled the same way. */
function promHistogram(rows: Rows): prom.Registry {
  const registry = new prom.Registry();
  const histogram = new prom.Histogram({
    name: 'latency_seconds',
    help: 'Latency.',
    labelNames: ['route', 'code'],
    registers: [registry],
  });
  for (const { route, code, value } of rows) histogram.observe({ route, code }, value / 8);
  return registry;
}

export interface LargeExpositionOptions {
  /** Series of the counter (distinct `route` × `code` pairs). */
  readonly series: number;
  /** `yieldEveryMs` of `textAsync`, or `undefined` for `text()`. */
  readonly yieldEveryMs?: number | undefined;
}

interface ExposeState<R> extends Checked {
  readonly registry: R;
}

/** Case names, shared by the cases and the tests. */
export const scaleCaseNames = {
  largeExposition: (series: number, yieldEveryMs?: number) =>
    `exposition · ${series} series · ${yieldEveryMs === undefined ? 'text()' : 'textAsync()'}`,
  seriesCounter: (series: number) => `new series · ${series} · counter, 2 labels`,
  seriesHistogram: (series: number) => `new series · ${series} · histogram, 2 labels`,
} as const;

/**
 * The exposition of one counter with `series` series, ours through `text()` or
 * `textAsync('prometheus', { yieldEveryMs })` against prom-client's `await registry.metrics()`,
 * with the longest event-loop block during one exposition as a second figure.
 */
export function largeExposition(options: LargeExpositionOptions): BenchCase {
  const { series, yieldEveryMs } = options;
  const rows = seriesLabels(series);
  const call =
    yieldEveryMs === undefined
      ? '`registry.text()`'
      : `\`await registry.textAsync('prometheus', { yieldEveryMs: ${yieldEveryMs} })\``;
  return {
    name: scaleCaseNames.largeExposition(series, yieldEveryMs),
    description:
      `The text format of one counter with ${series} series (route × code), ours through ` +
      `${call}; the sorted sample lines are compared. Longest block: the largest gap ` +
      '`monitorEventLoopDelay` (1 ms resolution) saw while one exposition ran, in ms',
    check: true,
    figures: [longestBlock],
    ours: implementation<ExposeState<Registry>>({
      name: 'Registry',
      note: OURS_NOTE,
      setup: () => ({ first: true, registry: oursCounter(rows) }),
      // The first call returns the sample lines for the check; later ones the UTF-8 length
      // of the text, which (as sending it would) flattens the string that was built.
      fn:
        yieldEveryMs === undefined
          ? (state) =>
              firstLines(state, () => state.registry.text()) ??
              Buffer.byteLength(state.registry.text())
          : async (state) => {
              const expose = () => state.registry.textAsync('prometheus', { yieldEveryMs });
              return (await firstLines(state, expose)) ?? Buffer.byteLength(await expose());
            },
    }),
    peers: [
      implementation<ExposeState<prom.Registry>>({
        name: 'prom-client',
        note: PROM_NOTE,
        setup: () => ({ first: true, registry: promCounter(rows) }),
        fn: async (state) =>
          (await firstLines(state, () => state.registry.metrics())) ??
          Buffer.byteLength(await state.registry.metrics()),
      }),
    ],
  };
}

/**
 * Creating `series` series of one 2-label metric in a fresh registry (`opsPerCall` = series),
 * and the heap each series retains (`memory`: a registry holding them, weighed).
 */
function newSeries(
  name: string,
  series: number,
  what: string,
  ours: (rows: Rows) => Registry,
  peer: (rows: Rows) => prom.Registry,
): BenchCase {
  const rows = seriesLabels(series);
  return {
    name,
    description:
      `A fresh registry, one ${what} labelled \`route\` × \`code\` and ${series} distinct label ` +
      'pairs, each recorded once with a label object written at the call (`{ route, code }`, ' +
      'the values taken from strings built once); the sorted sample lines of the first ' +
      'registry are compared. bytes/item: heap growth of a registry holding them, per series',
    opsPerCall: series,
    check: true,
    ours: implementation<Checked>({
      name: 'Registry',
      note: OURS_NOTE,
      setup: () => ({ first: true }),
      // Returns the registry (the runner keeps the last result until the next call).
      fn: (state) => {
        const registry = ours(rows);
        return firstLines(state, () => registry.text()) ?? registry;
      },
      memory: { items: series, build: () => ours(rows) },
    }),
    peers: [
      implementation<Checked>({
        name: 'prom-client',
        note: PROM_NOTE,
        setup: () => ({ first: true }),
        fn: (state) => {
          const registry = peer(rows);
          return firstLines(state, () => registry.metrics()) ?? registry;
        },
        memory: { items: series, build: () => peer(rows) },
      }),
    ],
  };
}

/** New series of a 2-label counter, and the bytes each retains. */
export function newCounterSeries(series: number): BenchCase {
  return newSeries(
    scaleCaseNames.seriesCounter(series),
    series,
    'counter',
    oursCounter,
    promCounter,
  );
}

/** New series of a 2-label histogram (default buckets), and the bytes each retains. */
export function newHistogramSeries(series: number): BenchCase {
  return newSeries(
    scaleCaseNames.seriesHistogram(series),
    series,
    'histogram (default buckets)',
    oursHistogram,
    promHistogram,
  );
}
