import { packageConfig } from '../../vitest.shared.ts';

// Property tests over large limits take seconds on a loaded 2-core machine.
export default packageConfig({ testTimeout: 30_000 });
