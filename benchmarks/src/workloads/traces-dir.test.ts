import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { traceReferences } from '../suites/cache/trace-references.js';
import { listTraces, readTrace } from './trace-file.js';
import { findRepositoryRoot, tracesDir } from './traces-dir.js';

/** This repository's root: benchmarks/src/workloads → three levels up. */
const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bw-root-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tracesDir', () => {
  it('takes BREAKWATER_TRACES_DIR when it is set, resolved to an absolute path', () => {
    expect(tracesDir({ BREAKWATER_TRACES_DIR: '/data/traces' })).toBe('/data/traces');
    expect(tracesDir({ BREAKWATER_TRACES_DIR: 'relative' })).toBe(resolve('relative'));
  });

  it('otherwise points at the traces kept in the repository, benchmarks/traces', () => {
    expect(tracesDir({})).toBe(join(repositoryRoot, 'benchmarks', 'traces'));
    expect(tracesDir({ BREAKWATER_TRACES_DIR: ' ' })).toBe(
      join(repositoryRoot, 'benchmarks', 'traces'),
    );
  });

  it('finds every trace the hit-ratio table replays in the repository itself', () => {
    const dir = tracesDir({})!;
    expect(listTraces(dir).map((trace) => trace.name)).toEqual(
      expect.arrayContaining([...traceReferences.keys()]),
    );
    expect(readTrace(join(dir, 'gli.trace.gz'))).toHaveLength(6_015);
  });

  it('finds the root from a compiled file deep in the package as well', async () => {
    await writeFile(join(dir, 'pnpm-workspace.yaml'), 'packages: []\n');
    const deep = join(dir, 'benchmarks', 'dist', 'workloads');
    await mkdir(deep, { recursive: true });
    expect(findRepositoryRoot(deep)).toBe(dir);
    expect(tracesDir({}, deep)).toBe(join(dir, 'benchmarks', 'traces'));
  });

  it('has no default outside a repository', () => {
    expect(findRepositoryRoot(dir)).toBeUndefined();
    expect(tracesDir({}, dir)).toBeUndefined();
  });
});
