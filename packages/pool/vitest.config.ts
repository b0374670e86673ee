import { packageConfig } from '../../vitest.shared.ts';

// The model test runs ~9 s alone and twice that when every package's tests share 2 cores.
export default packageConfig({ testTimeout: 60_000, exclude: ['src/**/*.fixture.ts'] });
