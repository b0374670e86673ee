import { packageConfig } from '../../vitest.shared.ts';

// Cross-process tests fork Node processes and start Redis servers: slow on a loaded machine.
export default packageConfig({ testTimeout: 30_000, exclude: ['src/**/*.fixture.ts'] });
