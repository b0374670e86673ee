import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SuiteResult } from '../runner/results.js';

/** `<out>/results`, where each suite's JSON and the chart go. */
export function resultsDir(outDir: string): string {
  return join(outDir, 'results');
}

/** `<suite>.json` for an in-process run, `<suite>.isolated.json` for an isolated one. */
export function resultFileName(result: Pick<SuiteResult, 'suite' | 'harness'>): string {
  return result.harness === 'isolated' ? `${result.suite}.isolated.json` : `${result.suite}.json`;
}

/**
 * Writes `<out>/results/<suite>.json` (or `<suite>.isolated.json`, which leaves the in-process
 * results in place) and returns its path.
 */
export async function writeSuiteResult(outDir: string, result: SuiteResult): Promise<string> {
  const dir = resultsDir(outDir);
  await mkdir(dir, { recursive: true });
  const file = join(dir, resultFileName(result));
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

function assertSuiteResult(value: unknown, file: string): asserts value is SuiteResult {
  const candidate = value as Partial<Record<keyof SuiteResult, unknown>> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    candidate.schema !== 1 ||
    typeof candidate.suite !== 'string' ||
    !Array.isArray(candidate.cases)
  ) {
    throw new TypeError(
      `${file} is not a benchmark result (expected schema 1 with \`suite\` and \`cases\`)`,
    );
  }
}

/** Every `<out>/results/*.json`, sorted by file name; none when the folder is absent. */
export async function readAllResults(outDir: string): Promise<SuiteResult[]> {
  const dir = resultsDir(outDir);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }
    throw error;
  }
  const results: SuiteResult[] = [];
  for (const name of names.filter((entry) => entry.endsWith('.json')).sort()) {
    const file = join(dir, name);
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      throw new TypeError(`${file} is not valid JSON: ${(error as Error).message}`, {
        cause: error,
      });
    }
    assertSuiteResult(parsed, file);
    results.push(parsed);
  }
  return results;
}
