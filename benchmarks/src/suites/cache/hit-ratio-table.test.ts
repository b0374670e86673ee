import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyntheticWorkload } from '../../workloads/synthetic-traces.js';
import { readTrace } from '../../workloads/trace-file.js';
import { tracesDir } from '../../workloads/traces-dir.js';
import {
  type HitRatioRow,
  hitRatioRows,
  hitRatioTable,
  hitRatioTables,
  missedTargets,
  syntheticRows,
} from './hit-ratio-table.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bw-hit-ratio-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function row(extra: Partial<HitRatioRow>): HitRatioRow {
  return {
    trace: 'multi2',
    size: 2_000,
    accesses: 100,
    lru: 40,
    tinyLfu: 50,
    lruCache: 40,
    optimum: 60,
    ...extra,
  };
}

const multi2Reference = { size: 1_000, lru: 47.8, wTinyLfu: 55.7, optimum: 62.2 };

describe('missedTargets', () => {
  it('finds nothing missed when W-TinyLFU reaches the reference and stays near LRU', () => {
    expect(missedTargets(row({}))).toEqual([]);
    expect(
      missedTargets(
        row({
          size: 1_000,
          tinyLfu: 55.66,
          reference: { ...multi2Reference, demandFetchOptimum: 62 },
        }),
      ),
    ).toEqual([]);
  });

  it('names each missed target with its gap', () => {
    expect(
      missedTargets(
        row({
          size: 1_000,
          tinyLfu: 50,
          lru: 52,
          reference: { ...multi2Reference, demandFetchOptimum: 62 },
        }),
      ),
    ).toEqual(['5.7 below the reference', '2.0 below LRU (target: at most 0.5)']);
    expect(
      missedTargets(row({ trace: 'loop', size: 500, lru: 0, tinyLfu: 45, optimum: 49.4 })),
    ).toEqual(['4.4 below the optimum (target: within 2)']);
    expect(
      missedTargets(row({ trace: 'loop', size: 1_000, tinyLfu: 45, lru: 0, optimum: 98 })),
    ).toEqual([]);
  });

  it('allows W-TinyLFU half a point below LRU, compared to one decimal', () => {
    expect(missedTargets(row({ lru: 50.54, tinyLfu: 50.0 }))).toEqual([]);
    expect(missedTargets(row({ lru: 50.6, tinyLfu: 50.0 }))).toEqual([
      '0.6 below LRU (target: at most 0.5)',
    ]);
  });
});

describe('hitRatioRows', () => {
  it('replays a trace at both sizes through each policy and computes the optimum', () => {
    // 1 2 3 repeated: LRU with 2 entries never hits; the optimum keeps two of three.
    const trace = Array.from({ length: 300 }, (_, i) => (i % 3) + 1);
    const [small, large] = hitRatioRows('abc', trace);
    expect(small).toMatchObject({ trace: 'abc', size: 1, accesses: 300, lru: 0, lruCache: 0 });
    expect(large!.size).toBe(1);
    expect(small!.optimum).toBeGreaterThan(30);
    expect(small!.reference).toBeUndefined();
  });

  it("adds the README's figures and the demand-fetch optimum at the README's size", () => {
    const trace = Array.from({ length: 4_000 }, (_, i) => i % 600);
    const [atReference, doubled] = hitRatioRows('loop', trace);
    expect(atReference!.size).toBe(500);
    expect(atReference!.lru).toBe(0);
    expect(atReference!.reference).toMatchObject({ wTinyLfu: 48.8, lru: 0, optimum: 49.4 });
    expect(atReference!.reference!.demandFetchOptimum).toBeLessThanOrEqual(atReference!.optimum);
    expect(doubled!.size).toBe(1_000);
    expect(doubled!.reference).toBeUndefined();
    // 600 keys fit in 1000 entries: everything but the first pass hits.
    expect(doubled!.lru).toBe(85);
  });

  it('replays at the sizes given', () => {
    const trace = Array.from({ length: 300 }, (_, i) => i % 3);
    expect(hitRatioRows('abc', trace, undefined, [2, 3]).map((r) => [r.size, r.lru])).toEqual([
      [2, 0],
      [3, 99],
    ]);
  });

  it('reads 0% for an empty trace', () => {
    expect(hitRatioRows('empty', [])[0]).toMatchObject({ lru: 0, tinyLfu: 0, optimum: 0 });
  });
});

describe('hitRatioTable', () => {
  it('has a row per trace and size, the reference where known and a verdict on the targets', () => {
    const table = hitRatioTable([
      row({
        size: 1_000,
        tinyLfu: 50,
        reference: { ...multi2Reference, demandFetchOptimum: 62.16 },
      }),
      row({}),
    ]);
    expect(table.title).toBe('Hit ratio');
    expect(table.columns.map((column) => column.label)).toEqual([
      'trace',
      'cache size',
      'accesses',
      'Cache (lru)',
      'Cache (tinylfu)',
      'lru-cache',
      'optimum',
      'W-TinyLFU (reference)',
      'targets of Cache (tinylfu)',
    ]);
    expect(table.rows[0]).toEqual([
      'multi2',
      1_000,
      100,
      40,
      50,
      40,
      60,
      55.7,
      '✗ 5.7 below the reference',
    ]);
    expect(table.rows[1]!.slice(-2)).toEqual([null, '✓ met']);
    expect(table.notes!.at(-1)).toContain('differs from its LRU by at most 7.80 points');
    expect(table.notes!.at(-1)).toContain('from its optimum by at most 0.04');
  });

  it('says n/a for the cross-check when no row is at a README size', () => {
    expect(hitRatioTable([row({})]).notes!.at(-1)).toContain('by at most n/a points');
  });
});

describe('hitRatioTables', () => {
  it('builds one table over every trace of the folder', async () => {
    await writeFile(join(dir, 'b.trace.gz'), gzipSync('1\n2\n1\n2\n'));
    await writeFile(join(dir, 'a.trace.gz'), gzipSync('5\r\n*\r\n5\r\n'));
    const lines: string[] = [];
    const tables = hitRatioTables(dir, (line) => lines.push(line));
    expect(tables).toHaveLength(1);
    expect(tables[0]!.rows.map((cells) => cells[0])).toEqual(['a', 'a', 'b', 'b']);
    expect(lines).toEqual([]);
  });

  it('prints why and builds no table when there are no traces', () => {
    const lines: string[] = [];
    expect(hitRatioTables(join(dir, 'missing'), (line) => lines.push(line))).toEqual([]);
    expect(lines[0]).toContain(`Hit ratio skipped: no *.trace.gz in ${join(dir, 'missing')}`);
    expect(lines[0]).toContain('BREAKWATER_TRACES_DIR');
    expect(hitRatioTables(undefined, (line) => lines.push(line))).toEqual([]);
    expect(lines[1]).toContain('<repository>/benchmarks/traces');
  });
});

const tiny: SyntheticWorkload = {
  name: 'tiny loop',
  description: 'four keys in a loop',
  sizes: [3, 4],
  generate: (seed) => Array.from({ length: 40 }, (_, i) => (i + seed) % 4),
};

describe('synthetic workloads', () => {
  it('replays each at its sizes with the table seed', () => {
    const rows = syntheticRows([tiny]);
    expect(rows.map((r) => [r.trace, r.size, r.accesses, r.lru])).toEqual([
      ['tiny loop', 3, 40, 0],
      ['tiny loop', 4, 40, 90],
    ]);
  });

  it('adds their rows after the traces and describes them under the table', async () => {
    await writeFile(join(dir, 'b.trace.gz'), gzipSync('1\n2\n1\n2\n'));
    const tables = hitRatioTables(dir, () => {}, [tiny]);
    expect(tables[0]!.rows.map((cells) => cells[0])).toEqual(['b', 'b', 'tiny loop', 'tiny loop']);
    expect(tables[0]!.notes).toContain(
      'tiny loop (synthetic, seed 1, cache sizes 3 and 4): four keys in a loop.',
    );
  });

  it('still builds the table of the synthetic workloads without traces', () => {
    const lines: string[] = [];
    const tables = hitRatioTables(join(dir, 'missing'), (line) => lines.push(line), [tiny]);
    expect(lines[0]).toContain('Hit ratio skipped');
    expect(tables[0]!.rows.map((cells) => cells[0])).toEqual(['tiny loop', 'tiny loop']);
  });
});

const shared = tracesDir();
const haveTraces = shared !== undefined && existsSync(join(shared, 'loop.trace.gz'));

describe.skipIf(!haveTraces)('on the shared traces', () => {
  it("computes the README's LRU and optimum for loop@500 and ps@200 to 0.1 point", () => {
    for (const name of ['loop', 'ps']) {
      const [atReference] = hitRatioRows(name, readTrace(join(shared!, `${name}.trace.gz`)));
      const { reference } = atReference!;
      expect(Math.abs(atReference!.lru - reference!.lru)).toBeLessThan(0.1);
      expect(Math.abs(atReference!.lruCache - reference!.lru)).toBeLessThan(0.1);
      expect(Math.abs(reference!.demandFetchOptimum - reference!.optimum)).toBeLessThan(0.1);
    }
    // Replays 516k accesses through three policies and the optimum: seconds on a loaded
    // 2-core machine, where every package's tests run at once.
  }, 120_000);
});
