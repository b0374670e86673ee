import {
  analyzeConsensus,
  type ConsensusOptions,
  type ConsensusResponse,
  type ConsensusResult,
  isConsensusBackendError,
} from '@breakwater/consensus';

/** One analysis with the backend fixed; the other options as given. */
export type Analyze = (
  responses: readonly ConsensusResponse[],
  options: Omit<ConsensusOptions, 'backend'>,
) => ConsensusResult;

/** Whether the WebAssembly backend can run here, and how to call it. */
export type WasmBackend =
  | { readonly available: true; readonly analyze: Analyze }
  | { readonly available: false; readonly reason: string };

/** `analyzeConsensus` on the TypeScript kernel. */
export const analyzeJs: Analyze = (responses, options) =>
  analyzeConsensus(responses, { ...options, backend: 'js' });

/** `analyzeConsensus` on the WebAssembly kernel. */
export const analyzeWasm: Analyze = (responses, options) =>
  analyzeConsensus(responses, { ...options, backend: 'wasm' });

/**
 * Asks the package for its WebAssembly kernel with an empty analysis. A
 * `ConsensusBackendError` means the kernel is not there (this build has none, or it did not
 * load): the WebAssembly side is left out and its reason reported. Any other error is a bug
 * and is thrown.
 */
export function probeWasm(analyze: Analyze = analyzeWasm): WasmBackend {
  try {
    analyze([], {});
    return { available: true, analyze };
  } catch (error) {
    if (isConsensusBackendError(error)) {
      return { available: false, reason: error.message };
    }
    throw error;
  }
}

/** The result without its `backend` field, which is the one field the backends differ in. */
export function withoutBackend(result: ConsensusResult): Omit<ConsensusResult, 'backend'> {
  const { backend: _backend, ...rest } = result;
  return rest;
}
