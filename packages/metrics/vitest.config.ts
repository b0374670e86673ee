import { packageConfig } from '../../vitest.shared.ts';

// promtool may be extracted from Debian's prometheus package on the first run: allow for it.
export default packageConfig({ testTimeout: 120_000, exclude: ['src/**/*.fixture.ts'] });
