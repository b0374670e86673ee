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
