import { packageConfig } from '../../vitest.shared.ts';

export default packageConfig({ testTimeout: 20_000, exclude: ['src/**/*.fixture.ts'] });
