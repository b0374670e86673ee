import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readAllResults, resultFileName, resultsDir, writeSuiteResult } from './results-file.js';
import { sampleCase, sampleImplementation, sampleSuite } from './sample-results.fixture.js';
import { sampleTable } from './sample-table.fixture.js';

let outDir: string;

beforeEach(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'bw-results-'));
});

afterEach(async () => {
  await rm(outDir, { recursive: true, force: true });
});

describe('results files', () => {
  it('writes results/<suite>.json and reads every result back sorted by suite', async () => {
    const cases = [
      sampleCase('c', sampleImplementation('ours', 'ours', 2), [
        sampleImplementation('peer', 'peer', 1),
      ]),
    ];
    const file = await writeSuiteResult(outDir, sampleSuite('pool', cases));
    await writeSuiteResult(outDir, sampleSuite('cache', cases));
    await writeFile(join(resultsDir(outDir), 'ratios.svg'), '<svg/>');
    expect(file).toBe(join(outDir, 'results', 'pool.json'));
    const results = await readAllResults(outDir);
    expect(results.map((result) => result.suite)).toEqual(['cache', 'pool']);
    expect(results[0]).toEqual(sampleSuite('cache', cases));
  });

  it("keeps a suite's static tables, and reads files written before tables existed", async () => {
    const cases = [
      sampleCase('c', sampleImplementation('ours', 'ours', 2), [
        sampleImplementation('peer', 'peer', 1),
      ]),
    ];
    await writeSuiteResult(outDir, { ...sampleSuite('cache', cases), tables: [sampleTable] });
    await writeSuiteResult(outDir, sampleSuite('core', cases));
    const [cache, core] = await readAllResults(outDir);
    expect(cache!.tables).toEqual([sampleTable]);
    expect(core!.tables).toBeUndefined();
  });

  it('reads no results from an output directory that has none yet', async () => {
    expect(await readAllResults(join(outDir, 'missing'))).toEqual([]);
  });

  it('names the file that is not valid JSON or not a benchmark result', async () => {
    await mkdir(resultsDir(outDir));
    await writeFile(join(resultsDir(outDir), 'broken.json'), '{');
    await expect(readAllResults(outDir)).rejects.toThrow(/broken\.json is not valid JSON/);
    await rm(join(resultsDir(outDir), 'broken.json'));
    await writeFile(join(resultsDir(outDir), 'other.json'), '{"schema":2}');
    await expect(readAllResults(outDir)).rejects.toThrow(/other\.json is not a benchmark result/);
  });

  it('passes on errors other than a missing folder', async () => {
    await writeFile(join(outDir, 'results'), 'a file, not a folder');
    await expect(readAllResults(outDir)).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it('writes an isolated result to <suite>.isolated.json, leaving the in-process one', async () => {
    const cases = [sampleCase('c', sampleImplementation('ours', 'ours', 2), [])];
    await writeSuiteResult(outDir, sampleSuite('pool', cases));
    const file = await writeSuiteResult(outDir, {
      ...sampleSuite('pool', cases),
      harness: 'isolated',
      processes: 5,
    });
    expect(file).toBe(join(outDir, 'results', 'pool.isolated.json'));
    expect(resultFileName({ suite: 'pool' })).toBe('pool.json');
    const results = await readAllResults(outDir);
    expect(results.map((r) => [r.suite, r.harness])).toEqual([
      ['pool', 'isolated'],
      ['pool', undefined],
    ]);
  });
});
