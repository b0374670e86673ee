import { packageConfig } from '../../vitest.shared.ts';

// `src/sim/cli.ts`, `src/service/main.ts` and the demo's entry and scenario run in child processes (cli.test.ts, main.test.ts, demo.test.ts), out of reach of v8 coverage here.
export default packageConfig({
  testTimeout: 30_000,
  exclude: [
    'src/**/*.fixture.ts',
    'src/sim/cli.ts',
    'src/service/main.ts',
    'src/demo/main.ts',
    'src/demo/scenario.ts',
  ],
});
