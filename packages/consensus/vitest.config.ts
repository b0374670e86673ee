import { packageConfig } from '../../vitest.shared.ts';

// The worker entry runs in worker threads from `dist`, out of the coverage's sight; the
// tasks it runs are covered in-thread by `parallel-tasks.test.ts`.
export default packageConfig({ exclude: ['src/worker.ts'] });
