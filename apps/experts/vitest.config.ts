import { packageConfig } from '../../vitest.shared.ts';

// `src/sim/cli.ts` runs in a child process (cli.test.ts), out of reach of v8 coverage here.
export default packageConfig({
  testTimeout: 30_000,
  exclude: ['src/**/*.fixture.ts', 'src/sim/cli.ts'],
});
