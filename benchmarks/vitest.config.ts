import { packageConfig } from '../vitest.shared.ts';

// Suites run their real cases (and the app suite real processes): on a busy 2-core machine a
// test can take far longer than the default 10 s without anything being wrong.
export default packageConfig({ exclude: ['src/**/*.fixture.ts'], testTimeout: 120_000 });
