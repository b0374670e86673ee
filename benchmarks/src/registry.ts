import type { SuiteDefinition } from './runner/suite-definition.js';

/** Loads a suite module; each exports its definition as `suite`. */
export type SuiteLoader = () => Promise<{ readonly suite: SuiteDefinition }>;

/**
 * Every suite `pnpm bench` knows, in the order a full run goes through them. Adding a
 * suite is one line here. Loading is lazy, so `pnpm bench core` never loads another
 * suite's peers.
 */
export const suiteRegistry: Readonly<Record<string, SuiteLoader>> = {
  core: () => import('./suites/core.js'),
  cache: () => import('./suites/cache.js'),
  breaker: () => import('./suites/breaker.js'),
  pool: () => import('./suites/pool.js'),
  limiter: () => import('./suites/limiter.js'),
  batcher: () => import('./suites/batcher.js'),
  coalescer: () => import('./suites/coalescer.js'),
  metrics: () => import('./suites/metrics.js'),
  consensus: () => import('./suites/consensus.js'),
  app: () => import('./suites/app.js'),
};

/**
 * The URL of each suite's module, which the child processes of an isolated run import
 * (`pnpm bench --isolated`); beside the compiled registry, so `dist/suites/<name>.js`.
 */
export const suiteModules: Readonly<Record<string, string>> = Object.fromEntries(
  Object.keys(suiteRegistry).map((name) => [
    name,
    new URL(`./suites/${name}.js`, import.meta.url).href,
  ]),
);
