import { ConsensusBackendError } from './errors.js';
import type { ConsensusKernel } from './kernel.js';
import { jsKernel } from './kernel-js.js';
import { loadWasmKernel } from './wasm/kernel-wasm.js';

export { loadWasmKernel };

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
