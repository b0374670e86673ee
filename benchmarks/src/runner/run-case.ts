import { type BatchLoop, createBatchLoop } from './batch-loop.js';
import { checkResults as checkNamedResults, type NamedResult } from './check-results.js';
import { isThenable } from './is-thenable.js';
import { type MemoryResult, measureMemory } from './measure-memory.js';
import {
  type CaseResult,
  compareWithPeers,
  type FigureResult,
  type ImplementationResult,
  type LatencyFigures,
  type Role,
} from './results.js';
import { roundOrder } from './round-order.js';
import type { RunSettings } from './run-settings.js';
import { median, quantileOfSorted, spread } from './statistics.js';
import type { BenchCase, CaseFigure, Implementation } from './suite-definition.js';

export interface RunCaseOptions {
  readonly settings: RunSettings;
  /** Monotonic nanoseconds. @default process.hrtime.bigint */
  readonly clock?: () => bigint;
  /**
   * Full garbage collection, run before every implementation's turn in a round (so none pays
   * for another's garbage) and to weigh memory. @default globalThis.gc (needs --expose-gc)
   */
  readonly gc?: (() => unknown) | undefined;
}

export interface MeasureCaseOptions extends RunCaseOptions {
  /**
   * Runs only the implementation of this name (ours, a peer or the floor) through the same
   * steps (setup, first call, calibration, warm-up, measured rounds, memory, teardown), and
   * no check: the isolated harness runs each implementation in a process of its own and
   * checks the first results in the parent.
   */
  readonly only?: string;
}

/** What `measureCase` found, before ours is compared with the peers. */
export interface CaseMeasurement {
  readonly opsPerCall: number;
  /** Figures of every implementation run, in case order: ours, the peers, the floor. */
  readonly implementations: readonly ImplementationResult[];
  /** The result of each implementation's first call, in the same order. */
  readonly firstResults: readonly NamedResult[];
  /** The implementation names in the order each measured round ran them. */
  readonly roundOrders: readonly (readonly string[])[];
}

/** An implementation of a case with its role. */
export interface CaseImplementation {
  readonly impl: Implementation;
  readonly role: Role;
}

/** Ours, the peers and the floor (when the case has one), in that order. */
export function caseImplementations(benchCase: BenchCase): CaseImplementation[] {
  return [
    { impl: benchCase.ours, role: 'ours' as const },
    ...benchCase.peers.map((impl) => ({ impl, role: 'peer' as const })),
    ...(benchCase.floor === undefined ? [] : [{ impl: benchCase.floor, role: 'floor' as const }]),
  ];
}

/** One implementation taking part in a case run. */
interface Contender {
  readonly impl: Implementation;
  readonly role: Role;
  state: unknown;
  ready: boolean;
  isAsync: boolean;
  /** Calls between two clock reads, so reading the clock costs nothing measurable. */
  batch: number;
  /** This implementation's own copy of the synchronous measuring loop. */
  readonly loop: BatchLoop;
  readonly roundOps: number[];
  readonly latencies: number[];
  memory?: MemoryResult;
  readonly figures: FigureResult[];
}

/** A turn's figures: how many calls ran in how many nanoseconds. */
interface Turn {
  readonly calls: number;
  readonly elapsedNs: number;
}

/** The largest batch calibration picks. */
const maxBatch = 1 << 24;

/** Results land here so the optimiser cannot drop a call whose result is unused. */
const sink: { value: unknown } = { value: undefined };

/** Keeps a figure call's result reachable like a timed one's, and returns it. */
function sinkValue(value: unknown): unknown {
  sink.value = value;
  return value;
}

/** Checks a case's shape and returns its `opsPerCall`; throws a RangeError naming the problem. */
export function validateCase(benchCase: BenchCase): number {
  const opsPerCall = benchCase.opsPerCall ?? 1;
  if (!(Number.isInteger(opsPerCall) && opsPerCall > 0)) {
    throw new RangeError(
      `Case "${benchCase.name}": expected \`opsPerCall\` to be an integer > 0, got \`${opsPerCall}\``,
    );
  }
  if (benchCase.peers.length === 0) {
    throw new RangeError(`Case "${benchCase.name}": expected at least one peer, got none`);
  }
  const names = caseImplementations(benchCase).map(({ impl }) => impl.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate !== undefined) {
    throw new RangeError(
      `Case "${benchCase.name}": implementation names must be unique, got "${duplicate}" twice`,
    );
  }
  const figureNames = (benchCase.figures ?? []).map((figure) => figure.name);
  const twice = figureNames.find((name, index) => figureNames.indexOf(name) !== index);
  if (twice !== undefined) {
    throw new RangeError(
      `Case "${benchCase.name}": figure names must be unique, got "${twice}" twice`,
    );
  }
  return opsPerCall;
}

/**
 * Takes `samples` samples of `figure` around calls of one implementation, with a full
 * collection before each, and returns their median.
 */
async function measureFigure(
  figure: CaseFigure,
  call: () => Promise<unknown>,
  options: { readonly samples: number; readonly collect: () => unknown },
): Promise<FigureResult> {
  const values: number[] = [];
  for (let i = 0; i < options.samples; i++) {
    options.collect();
    const value = await figure.measure(call);
    if (typeof value !== 'number' || Number.isNaN(value)) {
      throw new TypeError(
        `Expected figure "${figure.name}" to measure a number, got \`${String(value)}\` (${typeof value})`,
      );
    }
    values.push(value);
  }
  return { name: figure.name, unit: figure.unit, value: median(values), samples: values };
}

function runSyncTurn(c: Contender, clock: () => bigint, budgetNs: bigint): Turn {
  const { impl, state, batch, loop } = c;
  const start = clock();
  const deadline = start + budgetNs;
  let now = start;
  let calls = 0;
  do {
    loop(impl, state, batch, sink);
    calls += batch;
    now = clock();
  } while (now < deadline);
  return { calls, elapsedNs: Number(now - start) };
}

async function runAsyncTurn(c: Contender, clock: () => bigint, budgetNs: bigint): Promise<Turn> {
  const { impl, state, batch } = c;
  const start = clock();
  const deadline = start + budgetNs;
  let now = start;
  let calls = 0;
  do {
    for (let i = 0; i < batch; i++) {
      sink.value = await impl.fn(state);
    }
    calls += batch;
    now = clock();
  } while (now < deadline);
  return { calls, elapsedNs: Number(now - start) };
}

/** Times every call; `into` receives nanoseconds per operation. */
async function runTimedTurn(
  c: Contender,
  clock: () => bigint,
  budgetNs: bigint,
  opsPerCall: number,
  into: number[] | undefined,
): Promise<Turn> {
  const { impl, state, isAsync } = c;
  const start = clock();
  const deadline = start + budgetNs;
  let now = start;
  let calls = 0;
  do {
    const before = clock();
    let result = impl.fn(state);
    if (isAsync) {
      result = await result;
    }
    now = clock();
    sink.value = result;
    into?.push(Number(now - before) / opsPerCall);
    calls++;
  } while (now < deadline);
  return { calls, elapsedNs: Number(now - start) };
}

/** Finds a batch size whose calls take about `targetNs`. */
async function calibrate(c: Contender, clock: () => bigint, targetNs: bigint): Promise<number> {
  const target = Number(targetNs);
  let batch = 1;
  for (;;) {
    c.batch = batch;
    const turn = c.isAsync ? await runAsyncTurn(c, clock, 0n) : runSyncTurn(c, clock, 0n);
    if (turn.elapsedNs * 4 >= target || batch >= maxBatch) {
      const scaled = Math.round((batch * target) / Math.max(turn.elapsedNs, 1));
      return Math.min(maxBatch, Math.max(1, scaled));
    }
    batch *= 4;
  }
}

function latencyFigures(samples: readonly number[]): LatencyFigures | undefined {
  if (samples.length === 0) {
    return undefined;
  }
  const sorted = Float64Array.from(samples).sort();
  return {
    p50Ns: quantileOfSorted(sorted, 0.5),
    p99Ns: quantileOfSorted(sorted, 0.99),
    samples: samples.length,
  };
}

function implementationResult(c: Contender): ImplementationResult {
  const latency = latencyFigures(c.latencies);
  return {
    name: c.impl.name,
    role: c.role,
    ...(c.impl.note === undefined ? {} : { note: c.impl.note }),
    medianOpsPerSec: median(c.roundOps),
    spread: spread(c.roundOps),
    roundOpsPerSec: c.roundOps,
    ...(latency === undefined ? {} : { latency }),
    ...(c.memory === undefined ? {} : { memory: c.memory }),
    ...(c.figures.length === 0 ? {} : { figures: c.figures }),
  };
}

/**
 * Sets up the case's implementations (all, or only `options.only`), checks that their first
 * results agree (all only), calibrates, warms up, then runs the measured rounds with the
 * implementations interleaved in a rotating order, each for `roundMs` per round; finally
 * weighs memory and takes the case's other figures where asked, and tears everything down.
 */
export async function measureCase(
  benchCase: BenchCase,
  options: MeasureCaseOptions,
): Promise<CaseMeasurement> {
  const opsPerCall = validateCase(benchCase);
  const { settings, only } = options;
  if (!(Number.isInteger(settings.rounds) && settings.rounds > 0)) {
    throw new RangeError(
      `Expected \`rounds\` to be an integer > 0, got \`${settings.rounds}\` (${typeof settings.rounds})`,
    );
  }
  const { figureSamples } = settings;
  if (figureSamples !== undefined && !(Number.isInteger(figureSamples) && figureSamples > 0)) {
    throw new RangeError(
      `Expected \`figureSamples\` to be an integer > 0, got \`${figureSamples}\` (${typeof figureSamples})`,
    );
  }
  const selected = caseImplementations(benchCase).filter(
    ({ impl }) => only === undefined || impl.name === only,
  );
  if (selected.length === 0) {
    const names = caseImplementations(benchCase).map(({ impl }) => `"${impl.name}"`);
    throw new RangeError(
      `Case "${benchCase.name}": expected \`only\` to name one of ${names.join(', ')}, got "${only}"`,
    );
  }
  const clock = options.clock ?? process.hrtime.bigint;
  const gc = 'gc' in options ? options.gc : globalThis.gc;
  const collect = typeof gc === 'function' ? gc : () => {};
  const budgetNs = BigInt(Math.max(1, Math.round(settings.roundMs * 1e6)));
  const timed = benchCase.latency === true;

  const contenders: Contender[] = selected.map(({ impl, role }) => ({
    impl,
    role,
    state: undefined,
    ready: false,
    isAsync: false,
    batch: 1,
    loop: createBatchLoop(),
    roundOps: [],
    latencies: [],
    figures: [],
  }));

  const turn = (c: Contender, latencies: number[] | undefined): Promise<Turn> | Turn => {
    if (timed) {
      return runTimedTurn(c, clock, budgetNs, opsPerCall, latencies);
    }
    return c.isAsync ? runAsyncTurn(c, clock, budgetNs) : runSyncTurn(c, clock, budgetNs);
  };

  const roundOrders: string[][] = [];
  const firstResults: NamedResult[] = [];
  try {
    for (const c of contenders) {
      c.state = c.impl.setup === undefined ? undefined : await c.impl.setup();
      c.ready = true;
    }

    for (const c of contenders) {
      let result = c.impl.fn(c.state);
      if (isThenable(result)) {
        c.isAsync = true;
        result = await result;
      }
      firstResults.push({ name: c.impl.name, value: result });
    }
    if (benchCase.check !== undefined && only === undefined) {
      const [ours, ...others] = firstResults;
      checkNamedResults(benchCase.name, benchCase.check, ours!, others);
    }

    if (!timed) {
      for (const c of contenders) {
        c.batch = await calibrate(c, clock, budgetNs / 20n);
      }
    }

    for (let round = 0; round < settings.warmupRounds; round++) {
      for (const c of roundOrder(contenders, round)) {
        collect();
        await turn(c, undefined);
      }
    }

    for (let round = 0; round < settings.rounds; round++) {
      const order = roundOrder(contenders, round);
      roundOrders.push(order.map((c) => c.impl.name));
      for (const c of order) {
        collect();
        const { calls, elapsedNs } = await turn(c, c.latencies);
        c.roundOps.push((calls * opsPerCall * 1e9) / Math.max(elapsedNs, 1));
      }
    }

    for (const c of contenders) {
      if (c.impl.memory !== undefined) {
        c.memory = await measureMemory(c.impl.memory, {
          what: `"${c.impl.name}" in case "${benchCase.name}"`,
          gc,
          ...(settings.memoryBuilds === undefined ? {} : { builds: settings.memoryBuilds }),
        });
      }
    }

    const samples = figureSamples ?? 3;
    for (const c of contenders) {
      const call = async () => sinkValue(await c.impl.fn(c.state));
      for (const figure of benchCase.figures ?? []) {
        c.figures.push(await measureFigure(figure, call, { samples, collect }));
      }
    }
  } finally {
    sink.value = undefined;
    for (const c of contenders) {
      if (c.ready && c.impl.teardown !== undefined) {
        await c.impl.teardown(c.state);
      }
    }
  }

  return {
    opsPerCall,
    implementations: contenders.map(implementationResult),
    firstResults,
    roundOrders,
  };
}

/**
 * Puts a case's figures together: ours, the peers with ours' ratio over each, and the floor.
 * `implementations` holds ours first and the floor (when the case has one) last.
 */
export function assembleCaseResult(
  benchCase: BenchCase,
  measured: Pick<CaseMeasurement, 'opsPerCall' | 'implementations' | 'roundOrders'>,
): CaseResult {
  const ours = measured.implementations.find((impl) => impl.role === 'ours');
  if (ours === undefined) {
    throw new RangeError(`Case "${benchCase.name}": no figures for ours`);
  }
  const peers = measured.implementations.filter((impl) => impl.role === 'peer');
  const floor = measured.implementations.find((impl) => impl.role === 'floor');
  return {
    name: benchCase.name,
    ...(benchCase.description === undefined ? {} : { description: benchCase.description }),
    opsPerCall: measured.opsPerCall,
    checked: benchCase.check !== undefined,
    roundOrders: measured.roundOrders,
    ours,
    peers,
    ...(floor === undefined ? {} : { floor }),
    comparisons: compareWithPeers(ours, peers),
  };
}

/**
 * Runs one case: sets every implementation up, checks their results agree, calibrates,
 * warms up, then runs the measured rounds with ours, the peers and the floor interleaved in
 * a rotating order, each for `roundMs` per round; finally weighs memory and takes the case's
 * other figures where asked.
 */
export async function runCase(benchCase: BenchCase, options: RunCaseOptions): Promise<CaseResult> {
  return assembleCaseResult(benchCase, await measureCase(benchCase, options));
}
