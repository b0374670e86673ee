// Test-run setup: compiles the kernel when dist/kernel.wasm is missing or older than its
// sources, so that the tests pass on a fresh clone whether or not `build` ran first.
import { buildWasm, isStale } from './build-wasm.mjs';

export default async function setup() {
  if (await isStale()) await buildWasm();
}
