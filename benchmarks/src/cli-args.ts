import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { RunMode } from './runner/run-settings.js';

/** Processes per implementation of an isolated run, by mode, unless `--processes` says. */
export const isolatedProcesses: Readonly<Record<RunMode, number>> = Object.freeze({
  quick: 2,
  full: 5,
});

/** A command line the CLI cannot run; printed with the usage, exit code 1. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'ERR_BENCH_USAGE';
}

export interface CliArgs {
  /** Suites to run, in registry order; every suite when none was named. */
  readonly suites: readonly string[];
  readonly quick: boolean;
  /** Run each implementation of each case in processes of its own. */
  readonly isolated: boolean;
  /** Processes per implementation in an isolated run (`--processes`, else the mode's default). */
  readonly processes: number;
  /** Only the cases whose name contains this text (`--case`); every case when undefined. */
  readonly caseFilter: string | undefined;
  /** Absolute directory receiving `results/` and `RESULTS.md`. */
  readonly outDir: string;
  readonly help: boolean;
}

export interface ParseCliArgsOptions {
  /** Names of the registered suites, in run order. */
  readonly available: readonly string[];
  /** Where `--out` goes when it is not given. */
  readonly defaultOutDir: string;
  /** What a relative `--out` is resolved against. */
  readonly cwd: string;
}

export function usage(available: readonly string[]): string {
  return [
    'Usage: pnpm bench [<suite>...] [--quick] [--isolated [--processes <n>]] [--case <text>] [--out <dir>]',
    '',
    '  <suite>          run only these suites (default: all)',
    '  --quick          short smoke pass: few short rounds, figures not for quoting',
    '  --isolated       each implementation of each case in processes of its own;',
    '                   writes results/<suite>.isolated.json beside the in-process results',
    `  --processes <n>  processes per implementation with --isolated (default: ` +
      `${isolatedProcesses.full}, ${isolatedProcesses.quick} with --quick)`,
    '  --case <text>    only the cases whose name contains <text>, without static tables;',
    '                   needs --out, so a partial run never replaces the full results',
    '  --out <dir>      write results/<suite>.json, results/ratios.svg and RESULTS.md',
    '                   under <dir> (default: the benchmarks package)',
    '  --help           show this help',
    '',
    `Suites: ${available.join(', ')}`,
  ].join('\n');
}

/** Reads the command line; throws a `UsageError` naming what is wrong. */
export function parseCliArgs(argv: readonly string[], options: ParseCliArgsOptions): CliArgs {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
  const { values, positionals } = parsed;
  const unknown = positionals.filter((name) => !options.available.includes(name));
  if (unknown.length > 0) {
    const names = unknown.map((name) => `"${name}"`).join(', ');
    throw new UsageError(
      `Unknown suite${unknown.length === 1 ? '' : 's'} ${names}. ` +
        `Available suites: ${options.available.join(', ')}`,
    );
  }
  const isolated = values.isolated ?? false;
  const quick = values.quick ?? false;
  let processes = isolatedProcesses[quick ? 'quick' : 'full'];
  if (values.processes !== undefined) {
    if (!isolated) {
      throw new UsageError('`--processes` applies to isolated runs only: add `--isolated`');
    }
    const count = Number(values.processes);
    if (!(/^\d+$/.test(values.processes.trim()) && Number.isSafeInteger(count) && count > 0)) {
      throw new UsageError(
        `Expected \`--processes\` to be an integer > 0, got ${JSON.stringify(values.processes)}`,
      );
    }
    processes = count;
  }
  if (values.out !== undefined && values.out.trim() === '') {
    throw new UsageError('Expected `--out` to be a directory, got an empty string');
  }
  const caseFilter = values.case;
  if (caseFilter !== undefined) {
    if (caseFilter.trim() === '') {
      throw new UsageError('Expected `--case` to be part of a case name, got an empty string');
    }
    if (values.out === undefined) {
      throw new UsageError(
        '`--case` needs `--out <dir>`: a partial run must not replace the full results',
      );
    }
  }
  const out = values.out ?? options.defaultOutDir;
  return {
    suites:
      positionals.length === 0
        ? [...options.available]
        : options.available.filter((name) => positionals.includes(name)),
    quick,
    isolated,
    processes,
    caseFilter,
    outDir: isAbsolute(out) ? out : resolve(options.cwd, out),
    help: values.help ?? false,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      quick: { type: 'boolean' },
      isolated: { type: 'boolean' },
      processes: { type: 'string' },
      case: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
