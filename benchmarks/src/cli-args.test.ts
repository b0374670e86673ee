import { describe, expect, it } from 'vitest';
import { parseCliArgs, UsageError, usage } from './cli-args.js';

const options = {
  available: ['core', 'cache', 'pool'],
  defaultOutDir: '/pkg/benchmarks',
  cwd: '/work/repo',
};

describe('parseCliArgs', () => {
  it('runs every suite in registry order, in full mode, into the package dir by default', () => {
    expect(parseCliArgs([], options)).toEqual({
      suites: ['core', 'cache', 'pool'],
      quick: false,
      isolated: false,
      processes: 5,
      caseFilter: undefined,
      outDir: '/pkg/benchmarks',
      help: false,
    });
  });

  it('reads --case, which needs --out and a non-empty text', () => {
    expect(parseCliArgs(['--case', 'get hit', '--out', '/tmp/x'], options).caseFilter).toBe(
      'get hit',
    );
    expect(() => parseCliArgs(['--case', 'get hit'], options)).toThrow(/needs `--out <dir>`/);
    expect(() => parseCliArgs(['--case', ' ', '--out', '/tmp/x'], options)).toThrow(/empty string/);
  });

  it('runs only the named suites, in registry order, once each', () => {
    expect(parseCliArgs(['pool', 'core', 'pool'], options).suites).toEqual(['core', 'pool']);
  });

  it('reads --quick and resolves a relative --out against the working directory', () => {
    const args = parseCliArgs(['core', '--quick', '--out', 'tmp/bench'], options);
    expect(args.quick).toBe(true);
    expect(args.outDir).toBe('/work/repo/tmp/bench');
    expect(parseCliArgs(['--out=/abs/dir'], options).outDir).toBe('/abs/dir');
  });

  it('rejects an unknown suite, listing the available ones', () => {
    expect(() => parseCliArgs(['core', 'caches'], options)).toThrow(UsageError);
    expect(() => parseCliArgs(['caches', 'x'], options)).toThrow(
      'Unknown suites "caches", "x". Available suites: core, cache, pool',
    );
    expect(() => parseCliArgs(['caches'], options)).toThrow(
      'Unknown suite "caches". Available suites: core, cache, pool',
    );
  });

  it('rejects unknown options, a missing --out value and an empty --out', () => {
    expect(() => parseCliArgs(['--fast'], options)).toThrow(UsageError);
    expect(() => parseCliArgs(['--out'], options)).toThrow(/--out/);
    expect(() => parseCliArgs(['--out', ' '], options)).toThrow(
      'Expected `--out` to be a directory, got an empty string',
    );
  });

  it('reads --isolated with 5 processes per implementation, 2 in quick mode, or --processes', () => {
    expect(parseCliArgs(['--isolated'], options)).toMatchObject({ isolated: true, processes: 5 });
    expect(parseCliArgs(['--isolated', '--quick'], options).processes).toBe(2);
    expect(parseCliArgs(['--isolated', '--processes', '7'], options).processes).toBe(7);
    expect(parseCliArgs(['--isolated', '--quick', '--processes=1'], options).processes).toBe(1);
  });

  it('rejects --processes without --isolated, and anything but a positive integer', () => {
    expect(() => parseCliArgs(['--processes', '3'], options)).toThrow(
      '`--processes` applies to isolated runs only: add `--isolated`',
    );
    for (const bad of ['0', '-1', '2.5', 'three', '', '1e3']) {
      expect(() => parseCliArgs(['--isolated', `--processes=${bad}`], options)).toThrow(
        `Expected \`--processes\` to be an integer > 0, got ${JSON.stringify(bad)}`,
      );
    }
  });

  it('reads --help and -h', () => {
    expect(parseCliArgs(['--help'], options).help).toBe(true);
    expect(parseCliArgs(['-h'], options).help).toBe(true);
  });
});

describe('usage', () => {
  it('lists the options and the available suites', () => {
    const text = usage(['core', 'cache']);
    expect(text).toContain(
      'Usage: pnpm bench [<suite>...] [--quick] [--isolated [--processes <n>]] [--case <text>] [--out <dir>]',
    );
    expect(text).toContain(
      '--processes <n>  processes per implementation with --isolated (default: 5, 2 with --quick)',
    );
    expect(text).toContain('Suites: core, cache');
  });
});
