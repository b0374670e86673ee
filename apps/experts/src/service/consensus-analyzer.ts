import {
  analyzeConsensus,
  analyzeConsensusParallel,
  type ConsensusResponse,
  type ConsensusResult,
  closeConsensusWorkers,
} from '@breakwater/consensus';

/** Options of {@link ConsensusAnalyzer}. */
export interface ConsensusAnalyzerOptions {
  /** Total answer length, in characters, from which an analysis runs on worker threads. */
  readonly workerChars: number;
  /** Worker threads of those analyses. */
  readonly workers: number;
}

/** Counters of a {@link ConsensusAnalyzer}. */
export interface ConsensusAnalyzerStats {
  /** Analyses run on the event loop's thread. */
  readonly inline: number;
  /** Analyses that ran on worker threads. */
  readonly workers: number;
  /** Worker analyses that failed (a worker crashed, the pool closed) and ran inline instead. */
  readonly fallbacks: number;
}

/**
 * Runs consensus analyses: small ones in the calling thread, those whose answers total at
 * least `workerChars` characters on `@breakwater/consensus`'s worker threads, so that a
 * large analysis does not hold up the event loop. The result is the same either way.
 */
export class ConsensusAnalyzer {
  readonly #workerChars: number;
  readonly #workers: number;
  #inline = 0;
  #parallel = 0;
  #fallbacks = 0;
  #started = false;
  #closed = false;
  readonly #running = new Set<Promise<unknown>>();

  constructor(options: ConsensusAnalyzerOptions) {
    this.#workerChars = options.workerChars;
    this.#workers = options.workers;
  }

  /** Analyses `responses` (inline once closed). */
  async analyze(responses: readonly ConsensusResponse[]): Promise<ConsensusResult> {
    let chars = 0;
    for (const r of responses) chars += r.text.length;
    if (this.#closed || responses.length === 0 || chars < this.#workerChars) {
      this.#inline++;
      return analyzeConsensus(responses);
    }
    this.#started = true;
    const run = analyzeConsensusParallel(responses, {
      workers: this.#workers,
      parallelThreshold: 0,
    });
    this.#running.add(run);
    try {
      const result = await run;
      this.#parallel++;
      return result;
    } catch {
      // The same analysis in this thread gives the same result.
      this.#fallbacks++;
      return analyzeConsensus(responses);
    } finally {
      this.#running.delete(run);
    }
  }

  stats(): ConsensusAnalyzerStats {
    return { inline: this.#inline, workers: this.#parallel, fallbacks: this.#fallbacks };
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Waits for the analyses on worker threads, then ends the threads. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#running]);
    if (this.#started) await closeConsensusWorkers();
  }
}
