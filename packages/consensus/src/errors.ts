import { BreakwaterError, errorGuard } from '@breakwater/core';

/**
 * The backend asked for with `backend: 'wasm'` cannot run in this process (the
 * WebAssembly kernel is not available or did not load). `backend: 'auto'` never throws
 * it: it falls back to the TypeScript kernel.
 */
export class ConsensusBackendError extends BreakwaterError {
  static readonly code = 'BREAKWATER_CONSENSUS_BACKEND';
  /** The backend that was asked for. */
  readonly backend: 'wasm';

  constructor(backend: 'wasm', detail: string, options?: { cause?: unknown }) {
    super(ConsensusBackendError.code, `${detail} (backend: "${backend}")`, options);
    this.backend = backend;
  }
}

/** True for a {@link ConsensusBackendError} from any copy of this package. */
export const isConsensusBackendError = errorGuard(ConsensusBackendError);

/**
 * A worker thread of {@link analyzeConsensusParallel} failed: it crashed or exited while
 * computing part of an analysis (the pool replaces it), or its task threw an error that
 * has no type of its own here (`cause` holds that error as the worker reported it).
 */
export class ConsensusWorkerError extends BreakwaterError {
  static readonly code = 'BREAKWATER_CONSENSUS_WORKER';

  constructor(detail: string, options?: { cause?: unknown }) {
    super(ConsensusWorkerError.code, detail, options);
  }
}

/** True for a {@link ConsensusWorkerError} from any copy of this package. */
export const isConsensusWorkerError = errorGuard(ConsensusWorkerError);
