import { mergeConfig } from 'vitest/config';
import { packageConfig } from '../../vitest.shared.ts';

// The worker entry runs in worker threads from `dist`, out of the coverage's sight; the
// tasks it runs are covered in-thread by `parallel-tasks.test.ts`. The global setup
// compiles the WebAssembly kernel when `dist/kernel.wasm` is missing or older than its source.
export default mergeConfig(packageConfig({ exclude: ['src/worker.ts'] }), {
  test: { globalSetup: ['./scripts/vitest-setup.mjs'] },
});
