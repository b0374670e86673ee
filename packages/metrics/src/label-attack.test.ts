import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { OVERFLOW_METRIC } from './registry.js';
import { OVERFLOW_VALUE } from './series-store.js';

/**
 * A 1M-distinct-label attack on a counter, run in a child `node --expose-gc` so that the heap
 * can be weighed after full collections. The child runs this package's TypeScript sources
 * (types removed with the workspace's TypeScript by module hooks), not a build.
 */

const ATTACK = 1_000_000;
const LIMIT = 1_000;
/**
 * Heap the attack may leave behind, registry included: generous (about 1 MB is retained),
 * yet 16 bytes kept per attacking value would exceed it.
 */
const HEAP_BOUND = 16 * 1024 * 1024;

const typescript = pathToFileURL(createRequire(import.meta.url).resolve('typescript')).href;

/** Module hooks: `./x.js` from a `.ts` file resolves to `./x.ts`, and `.ts` is transpiled. */
const hooks = `
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from ${JSON.stringify(typescript)};
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
    const url = new URL(specifier.slice(0, -3) + '.ts', context.parentURL);
    if (existsSync(fileURLToPath(url))) return { url: url.href, format: 'module', shortCircuit: true };
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  const { outputText } = ts.transpileModule(readFileSync(fileURLToPath(url), 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
  });
  return { format: 'module', source: outputText, shortCircuit: true };
}`;

const registerHooks = `import { register } from 'node:module';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;

/**
 * The attacks, in the child, one per entry of `ATTACK_LIMITS`: `ATTACK` increments, each with
 * a label value never seen before (`user`) and one of four routes, amounts 1 to 3. Prints, for
 * each, the counter's figures, the sum of the amounts, the exposition and the heap growth
 * (after two full collections, the registry still referenced) as JSON.
 */
const attack = `
const { Registry } = await import(${JSON.stringify(new URL('./index.ts', import.meta.url).href)});
const routes = ['/a', '/b', '/c', '/d'];
const reports = [];
for (const limits of JSON.parse(process.env.ATTACK_LIMITS)) {
  globalThis.gc(); globalThis.gc();
  const before = process.memoryUsage().heapUsed;
  const registry = new Registry({ maxSeriesPerMetric: limits.maxSeriesPerMetric });
  const counter = registry.counter({ name: 'hits', help: 'Hits.', labelNames: ['user', 'route'], ...limits.metric });
  let sum = 0;
  for (let i = 0; i < ${ATTACK}; i++) {
    const amount = (i % 3) + 1;
    counter.inc({ user: 'u' + i, route: routes[i % 4] }, amount);
    sum += amount;
  }
  globalThis.gc(); globalThis.gc();
  const heapGrowth = process.memoryUsage().heapUsed - before;
  const text = registry.text();
  reports.push({ seriesCount: counter.seriesCount, overflowed: counter.overflowed, sum, heapGrowth, text });
}
process.stdout.write(JSON.stringify(reports));
`;

interface AttackReport {
  readonly seriesCount: number;
  readonly overflowed: number;
  readonly sum: number;
  readonly heapGrowth: number;
  readonly text: string;
}

interface AttackLimits {
  readonly maxSeriesPerMetric: number;
  readonly metric: { readonly maxSeries?: number; readonly maxLabelValues?: object };
}

/** Runs one attack per entry of `limits` in one child `node --expose-gc`, in order. */
async function runAttacks(limits: readonly AttackLimits[]): Promise<AttackReport[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--expose-gc',
      '--import',
      `data:text/javascript,${encodeURIComponent(registerHooks)}`,
      '--input-type=module',
      '--eval',
      attack,
    ],
    { env: { ...process.env, ATTACK_LIMITS: JSON.stringify(limits) }, maxBuffer: 64 << 20 },
  );
  return JSON.parse(stdout) as AttackReport[];
}

/** The value of every `hits_total` sample, by its label text. */
function samples(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('hits_total{')) continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice('hits_total'.length, space), Number(line.slice(space + 1)));
  }
  return values;
}

/** The amounts the attack sends into series kept before the limit is reached, then overflow. */
function expectBounded(report: AttackReport, kept: number): void {
  expect(report.seriesCount).toBeLessThanOrEqual(LIMIT + 1);
  // Every value is new, so the first `kept` increments made the kept series, one each.
  expect(report.seriesCount).toBe(kept + 1);
  expect(report.overflowed).toBe(ATTACK - kept);
  const values = samples(report.text);
  expect(values.size).toBe(report.seriesCount);
  let total = 0;
  for (const value of values.values()) total += value;
  expect(total).toBe(report.sum);
  // Amounts cycle 1, 2, 3: the kept series hold the first `kept` of them.
  let keptSum = 0;
  for (let i = 0; i < kept; i++) keptSum += (i % 3) + 1;
  expect(values.get(`{user="${OVERFLOW_VALUE}",route="${OVERFLOW_VALUE}"}`)).toBe(
    report.sum - keptSum,
  );
  expect(values.get('{user="u0",route="/a"}')).toBe(1);
  expect(report.text).toContain(`${OVERFLOW_METRIC}_total{metric="hits"} ${ATTACK - kept}\n`);
  expect(report.heapGrowth).toBeLessThan(HEAP_BOUND);
}

describe('1M-distinct-label attack', () => {
  // Both attacks in one child, which pays for loading the sources once.
  let reports: Promise<AttackReport[]> | undefined;
  const attacked = async (index: number): Promise<AttackReport> => {
    reports ??= runAttacks([
      { maxSeriesPerMetric: 100_000, metric: { maxSeries: LIMIT } },
      { maxSeriesPerMetric: 100_000, metric: { maxLabelValues: { user: LIMIT } } },
    ]);
    return (await reports)[index]!;
  };

  it('keeps maxSeries series, counts every overflowed measurement and retains a bounded heap', async () => {
    const report = await attacked(0);
    // Amounts 1, 2, 3 in turn: 333,334 ones, 333,333 twos and 333,333 threes.
    expect(report.sum).toBe(1_999_999);
    expectBounded(report, LIMIT);
  });

  it('does the same under maxLabelValues on the attacked label', async () => {
    expectBounded(await attacked(1), LIMIT);
  });
});
