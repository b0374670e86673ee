import type { ConsensusResponse, ConsensusResult } from '@breakwater/consensus';
import type { CaseResult, ImplementationResult } from '../runner/results.js';
import type { StaticTable, StaticTableCell, StaticTableContext } from '../runner/static-table.js';
import {
  type BenchCase,
  implementation,
  type SuiteDefinition,
} from '../runner/suite-definition.js';
import { type Analyze, analyzeJs, probeWasm, type WasmBackend } from './consensus/backends.js';
import { checkSameConsensus, checkSameResult, implementationNames } from './consensus/checks.js';
import {
  type LargeInputRow,
  largeInputsTable,
  measureLargeInputs,
} from './consensus/large-inputs.js';
import { type NaiveConsensus, naiveConsensus } from './consensus/naive.js';
import { peakMemoryFigure } from './consensus/peak-memory.js';
import { generateResponses } from './consensus/workload.js';

export { implementationNames } from './consensus/checks.js';

export interface ConsensusSuiteConfig {
  /** Sizes of the timed cases against the baseline (exact path). */
  readonly exactSizes: readonly number[];
  /** Of those, the sizes whose case also takes the peak memory of one call. */
  readonly memorySizes: readonly number[];
  /** Exact-path size of the large-inputs table and of the WebAssembly-against-TypeScript case. */
  readonly kernelSize: number;
  /** LSH-path size of the large-inputs table (too large for the baseline). */
  readonly lshSize: number;
  /** Seed of the generated responses. */
  readonly seed: number;
  /** The WebAssembly backend. @default probed from the package */
  readonly wasm?: WasmBackend | undefined;
}

export const defaultConsensusSuiteConfig: ConsensusSuiteConfig = {
  exactSizes: [100, 1000],
  memorySizes: [1000],
  kernelSize: 5000,
  lshSize: 100_000,
  seed: 1,
};

/** Case names, shared by the cases, the tables and the tests. */
export const caseNames = {
  exact: (n: number) => `n = ${n} · exact`,
  kernel: (n: number) => `n = ${n} · exact · wasm against js`,
} as const;

const BASE_OPTIONS = { method: 'exact' } as const;

const NAIVE_NOTE =
  'The plain-TypeScript baseline: each text’s token Set (NFKC, lower case, ' +
  '`/[\\p{L}\\p{N}\\p{M}]+/gu`), exact Jaccard of every pair, union-find at 0.7, the ' +
  'cluster with the largest total confidence. Returns the consensus ids, share and reached.';

const OURS_NOTE =
  "`analyzeConsensus(responses, { backend, method: 'exact' })`, defaults otherwise " +
  '(threshold 0.7, 128 slots, 3-word shingles); also computes agreement, outliers, ' +
  'near-duplicates and the top recommendations, which the baseline does not.';

const FLOOR_NOTE =
  'Each text normalised and tokenised once (the first step both sides take), total token count returned.';

/** Total tokens of the texts, as the floor counts them. */
function tokenCount(responses: readonly ConsensusResponse[]): number {
  let count = 0;
  for (const r of responses) {
    count +=
      r.text
        .normalize('NFKC')
        .toLowerCase()
        .match(/[\p{L}\p{N}\p{M}]+/gu)?.length ?? 0;
  }
  return count;
}

function oursImplementation(
  name: string,
  analyze: Analyze,
  responses: () => readonly ConsensusResponse[],
) {
  return implementation({
    name,
    note: OURS_NOTE,
    setup: responses,
    fn: (input) => analyze(input, BASE_OPTIONS),
  });
}

/** The check of a case: the other backend deep-equal, the baseline's consensus equal, the floor's tokens. */
function checkCase(expectedTokens: () => number) {
  return (ours: unknown, other: unknown, name: string): void => {
    const result = ours as ConsensusResult;
    if (name === implementationNames.naive) {
      checkSameConsensus(result, other as NaiveConsensus);
    } else if (name === implementationNames.floor) {
      if (other !== expectedTokens()) {
        throw new Error(`the floor counted ${String(other)} tokens, expected ${expectedTokens()}`);
      }
    } else {
      checkSameResult(result, other as ConsensusResult);
    }
  };
}

/** Generated responses per size, built on first use and kept for the suite's run. */
function responseCache(seed: number): (n: number) => readonly ConsensusResponse[] {
  const cache = new Map<number, readonly ConsensusResponse[]>();
  return (n) => {
    let responses = cache.get(n);
    if (responses === undefined) {
      responses = generateResponses(n, seed).responses;
      cache.set(n, responses);
    }
    return responses;
  };
}

function exactCase(
  n: number,
  withMemory: boolean,
  wasm: WasmBackend,
  responsesOf: (n: number) => readonly ConsensusResponse[],
): BenchCase {
  const responses = () => responsesOf(n);
  let tokens: number | undefined;
  const js = oursImplementation(implementationNames.js, analyzeJs, responses);
  return {
    name: caseNames.exact(n),
    description:
      `${n} generated responses (families of paraphrases, 20 to 80 words, and 10% one-off ` +
      'texts), every pair compared. Checked: the backends’ results deep-equal, the baseline’s ' +
      'consensus cluster equal to ours' +
      (withMemory
        ? '. Peak memory: high-water mark of V8 heap + external memory during one call, above its start, GC before'
        : ''),
    check: checkCase(() => {
      tokens ??= tokenCount(responses());
      return tokens;
    }),
    ...(withMemory ? { figures: [peakMemoryFigure] } : {}),
    ours: wasm.available
      ? oursImplementation(implementationNames.wasm, wasm.analyze, responses)
      : js,
    peers: [
      implementation({
        name: implementationNames.naive,
        note: NAIVE_NOTE,
        setup: responses,
        fn: (input) => naiveConsensus(input),
      }),
      ...(wasm.available ? [js] : []),
    ],
    floor: implementation({
      name: implementationNames.floor,
      note: FLOOR_NOTE,
      setup: responses,
      fn: tokenCount,
    }),
  };
}

/** The WebAssembly kernel against the TypeScript one where the pair kernel dominates. */
function kernelCase(
  n: number,
  wasm: WasmBackend & { readonly available: true },
  responsesOf: (n: number) => readonly ConsensusResponse[],
): BenchCase {
  const responses = () => responsesOf(n);
  return {
    name: caseNames.kernel(n),
    description:
      `${n} generated responses, exact path: ${((n * (n - 1)) / 2).toExponential(2)} pairs ` +
      'of 128-slot signatures, so the kernel takes most of a call; the TypeScript parts ' +
      '(shingling, clusters, recommendations) are the same on both sides, so the kernel’s own ' +
      'ratio is at least the one shown. Checked: results deep-equal',
    check: checkCase(() => 0),
    figures: [peakMemoryFigure],
    ours: oursImplementation(implementationNames.wasm, wasm.analyze, responses),
    peers: [oursImplementation(implementationNames.js, analyzeJs, responses)],
  };
}

function findImpl(result: CaseResult | undefined, name: string): ImplementationResult | undefined {
  if (result === undefined) return undefined;
  return [result.ours, ...result.peers].find((impl) => impl.name === name);
}

function speedRatio(result: CaseResult | undefined, a: string, b: string): number | null {
  const x = findImpl(result, a)?.medianOpsPerSec;
  const y = findImpl(result, b)?.medianOpsPerSec;
  return x !== undefined && y !== undefined && x > 0 && y > 0 ? x / y : null;
}

function peakOf(result: CaseResult | undefined, name: string): number | null {
  return (
    findImpl(result, name)?.figures?.find((f) => f.name === peakMemoryFigure.name)?.value ?? null
  );
}

function verdict(value: number | null, met: (v: number) => boolean, missing: string): string {
  if (value === null) return missing;
  return met(value) ? 'met' : 'missed';
}

interface TargetsInput {
  readonly config: ConsensusSuiteConfig;
  readonly wasm: WasmBackend;
  readonly cases: readonly CaseResult[];
  readonly large: readonly LargeInputRow[];
  /** The cases ran one implementation per process, and the large inputs were left out. */
  readonly isolated?: boolean;
}

/** The spec's targets, measured; reported, not asserted. */
export function targetsTable({ config, wasm, cases, large, isolated }: TargetsInput): StaticTable {
  const byName = new Map(cases.map((c) => [c.name, c]));
  const { wasm: W, js: J, naive: N } = implementationNames;
  const unavailable = wasm.available ? 'not measured' : 'not measured: no WebAssembly kernel';
  const rows: StaticTableCell[][] = [];
  const [, secondSize] = config.exactSizes;
  const speedSize = secondSize ?? config.exactSizes[0]!;
  const speedCase = byName.get(caseNames.exact(speedSize));
  const wasmNaive = wasm.available ? speedRatio(speedCase, W, N) : null;
  rows.push([
    `speed, n = ${speedSize}`,
    'wasm ÷ naive',
    wasmNaive,
    '≥ 10×',
    verdict(wasmNaive, (v) => v >= 10, unavailable),
  ]);
  const jsNaive = speedRatio(speedCase, J, N);
  rows.push([`speed, n = ${speedSize}`, 'js ÷ naive', jsNaive, '–', 'for reference']);
  const kernel = wasm.available
    ? speedRatio(byName.get(caseNames.kernel(config.kernelSize)), W, J)
    : null;
  rows.push([
    `speed, n = ${config.kernelSize} (kernel-bound)`,
    'wasm ÷ js',
    kernel,
    '≥ 3×',
    verdict(kernel, (v) => v >= 3, unavailable),
  ]);
  for (const n of config.memorySizes) {
    const c = byName.get(caseNames.exact(n));
    const naive = peakOf(c, N);
    for (const name of [W, J]) {
      const ours = peakOf(c, name);
      const ratio = ours !== null && naive !== null && naive > 0 ? ours / naive : null;
      const backend = name === W ? 'wasm' : 'js';
      rows.push([
        `peak memory, n = ${n}`,
        `${backend} ÷ naive`,
        ratio,
        '≤ 0.5×',
        verdict(ratio, (v) => v <= 0.5, name === W ? unavailable : 'not measured'),
      ]);
    }
  }
  const largeNaive = large.find((r) => r.n === config.kernelSize && r.name === N);
  for (const name of [W, J]) {
    const backend = name === W ? 'wasm' : 'js';
    const ours = large.find((r) => r.n === config.kernelSize && r.name === name);
    const mem =
      ours?.peakMb != null && largeNaive?.peakMb != null && largeNaive.peakMb > 0
        ? ours.peakMb / largeNaive.peakMb
        : null;
    rows.push([
      `peak memory, n = ${config.kernelSize} (single calls)`,
      `${backend} ÷ naive`,
      mem,
      '≤ 0.5×',
      verdict(mem, (v) => v <= 0.5, name === W ? unavailable : 'not measured'),
    ]);
    const speed =
      ours?.ms != null && largeNaive?.ms != null && ours.ms > 0 ? largeNaive.ms / ours.ms : null;
    rows.push([
      `speed, n = ${config.kernelSize} (single calls)`,
      `${backend} ÷ naive`,
      speed,
      '–',
      'for reference',
    ]);
  }
  for (const name of [W, J]) {
    const backend = name === W ? 'wasm' : 'js';
    const ours = large.find((r) => r.n === config.lshSize && r.name === name);
    const seconds = ours?.ms == null ? null : ours.ms / 1000;
    rows.push([
      `${config.lshSize} responses (LSH), s per call`,
      backend,
      seconds,
      '< 2 s',
      verdict(seconds, (v) => v < 2, name === W ? unavailable : 'not measured'),
    ]);
  }
  return {
    title: 'Targets',
    description:
      'The targets of the consensus package, as measured here (reported, not asserted). Speed ' +
      'ratios are of the median ops/s of the timed cases (or of the single calls of *Large ' +
      'inputs*), memory ratios of the median peak memory per call.',
    columns: [
      { label: 'target' },
      { label: 'compared' },
      { label: 'measured', digits: 2 },
      { label: 'goal' },
      { label: 'verdict' },
    ],
    rows,
    notes: [
      ...(wasm.available
        ? []
        : [
            `The WebAssembly rows are not measured: ${wasm.reason}. The suite measures them once the kernel loads.`,
          ]),
      ...(isolated === true
        ? [
            `The single-call rows (n = ${config.kernelSize}, ${config.lshSize}) are left to the in-process run.`,
          ]
        : []),
    ],
  };
}

/**
 * The consensus suite at the given sizes: timed cases against the naive baseline, the
 * WebAssembly kernel against the TypeScript one (when it loads), and the large inputs.
 */
export function createConsensusSuite(
  config: ConsensusSuiteConfig = defaultConsensusSuiteConfig,
): SuiteDefinition {
  const wasm = config.wasm ?? probeWasm();
  const responses = responseCache(config.seed);
  const memory = new Set(config.memorySizes);
  const cases: BenchCase[] = config.exactSizes.map((n) =>
    exactCase(n, memory.has(n), wasm, responses),
  );
  if (wasm.available) cases.push(kernelCase(config.kernelSize, wasm, responses));
  return {
    name: 'consensus',
    description:
      '`analyzeConsensus` from `@breakwater/consensus` (WebAssembly kernel and TypeScript ' +
      'fallback) against a naive all-pairs token-Jaccard baseline on generated response sets. ' +
      'Targets: wasm ≥ 10× the baseline at n = 1000, ≥ 3× the TypeScript kernel, peak memory ' +
      '≤ 0.5× the baseline, 100,000 responses in < 2 s.' +
      (wasm.available ? '' : ` WebAssembly not measured in this run: ${wasm.reason}.`),
    cases,
    tables: async ({ mode, cases: results, log, harness }: StaticTableContext) => {
      if (!wasm.available) log(`consensus: WebAssembly kernel not measured (${wasm.reason})`);
      if (harness === 'isolated') {
        // Single calls of every implementation in one process: the in-process run has them.
        log('consensus: Large inputs left to the in-process run');
        return [targetsTable({ config, wasm, cases: results, large: [], isolated: true })];
      }
      const large = await measureLargeInputs({
        mode,
        exactSize: config.kernelSize,
        lshSize: config.lshSize,
        responses,
        wasm,
        samples: mode === 'full' ? 3 : 1,
        naive: mode === 'full' || config.kernelSize <= 2000,
      });
      return [targetsTable({ config, wasm, cases: results, large }), largeInputsTable(large)];
    },
  };
}

export const suite = createConsensusSuite();
