import { packageConfig } from '../../vitest.shared.ts';

// `src/sim/cli.ts` and `src/service/main.ts` run in child processes (cli.test.ts, main.test.ts), out of reach of v8 coverage here.
export default packageConfig({
  testTimeout: 30_000,
  exclude: ['src/**/*.fixture.ts', 'src/sim/cli.ts', 'src/service/main.ts'],
});
