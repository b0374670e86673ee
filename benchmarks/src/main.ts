import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CliArgs, parseCliArgs, UsageError, usage } from './cli-args.js';
import type { ChildRunner } from './isolated/child-job.js';
import { runIsolatedSuite } from './isolated/run-isolated-suite.js';
import { spawnChildRunner } from './isolated/spawn-child.js';
import { type SuiteLoader, suiteModules, suiteRegistry } from './registry.js';
import { caseLines, tableLines } from './report/console-report.js';
import { renderRatioChart } from './report/ratio-chart.js';
import { readAllResults, resultsDir, writeSuiteResult } from './report/results-file.js';
import { renderResultsMarkdown } from './report/results-markdown.js';
import type { CaseResult, SuiteResult } from './runner/results.js';
import { type RunMode, runSettings } from './runner/run-settings.js';
import { runSuite } from './runner/run-suite.js';
import type { StaticTable } from './runner/static-table.js';
import type { SuiteDefinition } from './runner/suite-definition.js';

/** Where the CLI prints. */
export interface CliIo {
  log(line: string): void;
  error(line: string): void;
}

export interface MainOptions {
  readonly io?: CliIo;
  readonly registry?: Readonly<Record<string, SuiteLoader>>;
  /** What a relative `--out` is resolved against. @default INIT_CWD (set by pnpm) or cwd */
  readonly cwd?: string;
  /** @default the benchmarks package directory */
  readonly defaultOutDir?: string;
  /** @default globalThis.gc */
  readonly gc?: (() => unknown) | undefined;
  /**
   * URL of each suite's module, for the child processes of an isolated run. @default the
   * registry's own (`dist/suites/<name>.js`); none when `registry` is given.
   */
  readonly suiteModules?: Readonly<Record<string, string>>;
  /** Runs one implementation of one case in an isolated run. @default a child process each */
  readonly runChild?: ChildRunner;
}

/** The benchmarks package: this file sits in its `src/` or `dist/`. */
const packageDir = fileURLToPath(new URL('..', import.meta.url));

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function writeReport(outDir: string, io: CliIo): Promise<void> {
  const results = await readAllResults(outDir);
  await mkdir(resultsDir(outDir), { recursive: true });
  const chart = join(resultsDir(outDir), 'ratios.svg');
  const markdown = join(outDir, 'RESULTS.md');
  await writeFile(chart, renderRatioChart(results));
  await writeFile(markdown, renderResultsMarkdown(results));
  const suites = results.map((result) => result.suite).join(', ') || 'none';
  io.log(`\nWrote ${markdown} and ${chart} (suites: ${suites})`);
}

async function runSelected(args: CliArgs, argv: readonly string[], options: MainOptions) {
  const io = options.io ?? console;
  const registry = options.registry ?? suiteRegistry;
  const gc = 'gc' in options ? options.gc : globalThis.gc;
  const mode: RunMode = args.quick ? 'quick' : 'full';
  const settings = runSettings[mode];
  const command = ['pnpm bench', ...argv].join(' ');
  const modules = options.suiteModules ?? (options.registry === undefined ? suiteModules : {});
  const runChild = options.runChild ?? spawnChildRunner();
  io.log(
    `Breakwater benchmarks · ${mode}: ${settings.rounds} rounds × ${settings.roundMs} ms after ` +
      `${settings.warmupRounds} warm-up · Node ${process.version} · ` +
      `${cpus()[0]?.model.trim() ?? 'unknown CPU'}`,
  );
  if (args.isolated) {
    io.log(
      `One implementation per process: ${args.processes} process${args.processes === 1 ? '' : 'es'} ` +
        'per implementation of each case, started one at a time.',
    );
  } else if (typeof gc !== 'function') {
    io.log('global.gc is not exposed: no GC between turns, and memory cases will fail.');
  }
  const failed: string[] = [];
  for (const name of args.suites) {
    try {
      const loaded = (await registry[name]!()).suite;
      if (loaded.name !== name) {
        throw new Error(`the registry entry "${name}" loads a suite named "${loaded.name}"`);
      }
      const suite = selectCases(loaded, args.caseFilter);
      if (suite.cases.length === 0 && suite.tables === undefined) {
        io.log(`\n${name}: no case name contains "${args.caseFilter}"`);
        continue;
      }
      io.log(`\n${suite.name}: ${suite.description}`);
      const report = {
        settings,
        mode,
        command,
        onCase: (caseResult: CaseResult) => {
          for (const line of caseLines(caseResult)) {
            io.log(line);
          }
        },
        onTable: (table: StaticTable) => {
          for (const line of tableLines(table)) {
            io.log(line);
          }
        },
        log: (line: string) => io.log(line),
      };
      let result: SuiteResult;
      if (args.isolated) {
        const module = modules[name];
        if (module === undefined) {
          throw new Error(`no module URL for suite "${name}": its child processes cannot load it`);
        }
        result = await runIsolatedSuite(suite, {
          ...report,
          module,
          processes: args.processes,
          runChild,
        });
      } else {
        result = await runSuite(suite, { ...report, gc });
      }
      const file = await writeSuiteResult(args.outDir, result);
      io.log(`  → ${file}`);
    } catch (error) {
      failed.push(name);
      io.error(`Suite "${name}" failed: ${messageOf(error)}`);
    }
  }
  await writeReport(args.outDir, io);
  if (failed.length > 0) {
    io.error(`${failed.length} suite(s) failed: ${failed.join(', ')}`);
    return 1;
  }
  return 0;
}

/**
 * The suite with only the cases whose name contains `filter`, and without its static
 * tables (they may need every case); the suite itself when there is no filter.
 */
function selectCases(suite: SuiteDefinition, filter: string | undefined): SuiteDefinition {
  if (filter === undefined) {
    return suite;
  }
  const { tables: _tables, ...rest } = suite;
  return { ...rest, cases: suite.cases.filter((benchCase) => benchCase.name.includes(filter)) };
}

/** Runs the CLI on `argv` (without node and script) and resolves to the exit code. */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const io = options.io ?? console;
  const available = Object.keys(options.registry ?? suiteRegistry);
  const { INIT_CWD: initCwd } = process.env;
  let args: CliArgs;
  try {
    args = parseCliArgs(argv, {
      available,
      defaultOutDir: options.defaultOutDir ?? packageDir,
      cwd: options.cwd ?? initCwd ?? process.cwd(),
    });
  } catch (error) {
    if (error instanceof UsageError) {
      io.error(`${error.message}\n\n${usage(available)}`);
      return 1;
    }
    throw error;
  }
  if (args.help) {
    io.log(usage(available));
    return 0;
  }
  return runSelected(args, argv, options);
}
