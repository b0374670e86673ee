import type { ConsensusResponse, ConsensusResult } from '@breakwater/consensus';
import type { RunMode } from '../../runner/run-settings.js';
import type { StaticTable, StaticTableCell } from '../../runner/static-table.js';
import { median } from '../../runner/statistics.js';
import { type Analyze, analyzeJs, type WasmBackend } from './backends.js';
import { checkSameConsensus, checkSameResult, implementationNames } from './checks.js';
import { type NaiveConsensus, naiveConsensus } from './naive.js';
import { peakDuring, settle } from './peak-memory.js';

/**
 * Sizes too large for timed rounds: the exact path at `exactSize`, where one call of the
 * baseline takes tens of seconds, and the LSH path at `lshSize`, where the baseline's
 * n(n-1)/2 comparisons cannot run at all. Each implementation is called a few times in
 * turn, a full GC before each call, timing the call and taking its peak memory.
 */

/** One measured implementation at one size. */
export interface LargeInputRow {
  readonly n: number;
  readonly method: 'exact' | 'lsh';
  readonly name: string;
  /** Median milliseconds per call, or `null` when left out. */
  readonly ms: number | null;
  /** Median peak memory per call in MB, or `null` when left out. */
  readonly peakMb: number | null;
  readonly calls: number;
  /** Members of the consensus cluster. */
  readonly consensus: number | null;
  readonly note?: string;
}

export interface LargeInputsOptions {
  readonly mode: RunMode;
  readonly exactSize: number;
  readonly lshSize: number;
  readonly responses: (n: number) => readonly ConsensusResponse[];
  readonly wasm: WasmBackend;
  /** Full garbage collection before each call. @default globalThis.gc */
  readonly gc?: (() => unknown) | undefined;
  /** Measured calls of ours per size (after one warm-up call in full mode). */
  readonly samples: number;
  /** Whether the baseline runs at `exactSize` (one call: it takes tens of seconds). */
  readonly naive: boolean;
}

interface Measured<T> {
  readonly value: T;
  readonly ms: number;
  readonly peakMb: number;
}

async function measureCalls<T>(
  run: () => T,
  calls: number,
  gc: () => unknown,
): Promise<Measured<T>[]> {
  const out: Measured<T>[] = [];
  for (let i = 0; i < calls; i++) {
    settle(gc);
    const start = process.hrtime.bigint();
    const { value, peakBytes } = await peakDuring(run);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    out.push({ value, ms, peakMb: peakBytes / 1e6 });
  }
  return out;
}

function row(
  n: number,
  method: 'exact' | 'lsh',
  name: string,
  measured: readonly Measured<{ readonly size: number }>[],
): LargeInputRow {
  return {
    n,
    method,
    name,
    ms: median(measured.map((m) => m.ms)),
    peakMb: median(measured.map((m) => m.peakMb)),
    calls: measured.length,
    consensus: measured[0]!.value.size,
  };
}

/** Measures every implementation at both sizes and checks their results agree. */
export async function measureLargeInputs(options: LargeInputsOptions): Promise<LargeInputRow[]> {
  const { mode, exactSize, lshSize, wasm, samples } = options;
  const gcOption = 'gc' in options ? options.gc : globalThis.gc;
  const gc = typeof gcOption === 'function' ? gcOption : () => {};
  const warmup = mode === 'full' ? 1 : 0;
  const rows: LargeInputRow[] = [];
  const sizes = [
    { n: exactSize, method: 'exact' as const },
    { n: lshSize, method: 'lsh' as const },
  ];
  for (const { n, method } of sizes) {
    const responses = options.responses(n);
    const ours: { name: string; analyze: Analyze }[] = [
      ...(wasm.available ? [{ name: implementationNames.wasm, analyze: wasm.analyze }] : []),
      { name: implementationNames.js, analyze: analyzeJs },
    ];
    const results: ConsensusResult[] = [];
    for (const { name, analyze } of ours) {
      const call = () => analyze(responses, { method });
      await measureCalls(call, warmup, gc);
      const measured = await measureCalls(call, samples, gc);
      results.push(measured[0]!.value);
      rows.push(
        row(
          n,
          method,
          name,
          measured.map((m) => ({ ...m, value: { size: m.value.consensus?.size ?? 0 } })),
        ),
      );
    }
    if (results.length === 2) checkSameResult(results[0]!, results[1]!);
    if (!wasm.available) {
      rows.push({
        n,
        method,
        name: implementationNames.wasm,
        ms: null,
        peakMb: null,
        calls: 0,
        consensus: null,
        note: `not measured: ${wasm.reason}`,
      });
    }
    if (method === 'exact') {
      if (options.naive) {
        const measured: Measured<NaiveConsensus>[] = await measureCalls(
          () => naiveConsensus(responses),
          1,
          gc,
        );
        checkSameConsensus(results[0]!, measured[0]!.value);
        rows.push(
          row(
            n,
            method,
            implementationNames.naive,
            measured.map((m) => ({ ...m, value: { size: m.value.ids.length } })),
          ),
        );
      } else {
        rows.push({
          n,
          method,
          name: implementationNames.naive,
          ms: null,
          peakMb: null,
          calls: 0,
          consensus: null,
          note: 'left out of quick runs at this size (one call takes tens of seconds)',
        });
      }
    } else {
      rows.push({
        n,
        method,
        name: implementationNames.naive,
        ms: null,
        peakMb: null,
        calls: 0,
        consensus: null,
        note: `cannot run: ${((n * (n - 1)) / 2).toExponential(1)} comparisons`,
      });
    }
  }
  return rows;
}

/** The rows as a static table. */
export function largeInputsTable(rows: readonly LargeInputRow[]): StaticTable {
  return {
    title: 'Large inputs',
    description:
      'Time and peak memory (V8 heap + external memory high-water mark above the start) of ' +
      'single calls, each after a full GC, measured in turn after the timed cases: the median ' +
      'of the calls of ours (after one warm-up call in a full run) and one call of the ' +
      'baseline, whose n(n-1)/2 comparisons take too long for rounds. The backends’ results ' +
      'are checked equal and the baseline’s consensus cluster equal to ours.',
    columns: [
      { label: 'n', digits: 0 },
      { label: 'path' },
      { label: 'implementation' },
      { label: 'ms per call', digits: 0 },
      { label: 'peak memory', digits: 1, unit: ' MB' },
      { label: 'calls', digits: 0 },
      { label: 'consensus members', digits: 0 },
      { label: 'note' },
    ],
    rows: rows.map((r): StaticTableCell[] => [
      r.n,
      r.method,
      r.name,
      r.ms,
      r.peakMb,
      r.calls,
      r.consensus,
      r.note ?? '',
    ]),
  };
}
