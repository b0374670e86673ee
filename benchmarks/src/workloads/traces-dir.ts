import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Overrides where the cache traces are read from. */
export const tracesDirVariable = 'BREAKWATER_TRACES_DIR';

/**
 * The nearest folder at or above `start` holding `pnpm-workspace.yaml`: the repository root,
 * whether the caller runs from `src/` (tests) or `dist/` (`pnpm bench`).
 */
export function findRepositoryRoot(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      return undefined;
    }
    dir = parent;
  }
}

/**
 * Where the cache access traces live: `$BREAKWATER_TRACES_DIR` when set, else the traces kept
 * in the repository, `<repo root>/benchmarks/traces`. The folder may not exist; callers check.
 * `undefined` when neither applies.
 */
export function tracesDir(
  env: NodeJS.ProcessEnv = process.env,
  from: string = fileURLToPath(new URL('.', import.meta.url)),
): string | undefined {
  const configured = env[tracesDirVariable];
  if (configured !== undefined && configured.trim() !== '') {
    return resolve(configured);
  }
  const root = findRepositoryRoot(from);
  return root === undefined ? undefined : join(root, 'benchmarks', 'traces');
}
