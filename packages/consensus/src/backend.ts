import { ConsensusBackendError } from './errors.js';
import type { ConsensusKernel } from './kernel.js';
import { jsKernel } from './kernel-js.js';

/**
 * Which kernel runs an analysis. The WebAssembly kernel is looked for once, on first use;
 * `backend: 'auto'` uses it when it is there and the TypeScript kernel otherwise.
 */

/** The outcome of the one attempt to load the WebAssembly kernel. */
interface WasmLoad {
  readonly kernel: ConsensusKernel | undefined;
  readonly error: unknown;
}

let wasmLoad: WasmLoad | undefined;

/**
 * Loads the WebAssembly kernel. This build ships none, so it returns `undefined` and every
 * analysis runs on the TypeScript kernel.
 */
export function loadWasmKernel(): ConsensusKernel | undefined {
  return undefined;
}

function wasm(): WasmLoad {
  if (wasmLoad === undefined) {
    try {
      wasmLoad = { kernel: loadWasmKernel(), error: undefined };
    } catch (error) {
      wasmLoad = { kernel: undefined, error };
    }
  }
  return wasmLoad;
}

/**
 * The kernel for a `backend` option.
 * @throws ConsensusBackendError for `'wasm'` when the WebAssembly kernel is unavailable.
 */
export function selectKernel(backend: 'auto' | 'wasm' | 'js'): ConsensusKernel {
  if (backend === 'js') return jsKernel;
  const { kernel, error } = wasm();
  if (kernel !== undefined) return kernel;
  if (backend === 'auto') return jsKernel;
  throw new ConsensusBackendError(
    'wasm',
    'WebAssembly kernel unavailable',
    error === undefined ? undefined : { cause: error },
  );
}
