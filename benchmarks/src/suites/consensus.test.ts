import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { CheckFailedError } from '../runner/check-results.js';
import { runSuite } from '../runner/run-suite.js';
import { type Analyze, analyzeJs, probeWasm, type WasmBackend } from './consensus/backends.js';
import {
  type ConsensusSuiteConfig,
  caseNames,
  createConsensusSuite,
  implementationNames,
  suite,
} from './consensus.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const quickSettings = { warmupRounds: 0, rounds: 1, roundMs: 1, memoryBuilds: 1, figureSamples: 1 };

/** Stands in for the WebAssembly kernel: the TypeScript one, relabelled. */
const fakeWasm: Analyze = (responses, options) => ({
  ...analyzeJs(responses, options),
  backend: 'wasm',
});

const unavailable: WasmBackend = { available: false, reason: 'no kernel here' };

const small: ConsensusSuiteConfig = {
  exactSizes: [20, 60],
  memorySizes: [60],
  kernelSize: 80,
  lshSize: 120,
  seed: 5,
  wasm: unavailable,
};

async function firstResult(impl: (typeof suite.cases)[number]['ours']): Promise<unknown> {
  return impl.fn(await impl.setup?.());
}

function run(config: ConsensusSuiteConfig) {
  return runSuite(createConsensusSuite(config), {
    settings: quickSettings,
    mode: 'quick',
    command: 'test',
    gc,
  });
}

describe('consensus suite', () => {
  it('measures n = 100 and 1000 against the baseline, and wasm against js when it loads', () => {
    const wasm = probeWasm();
    const names = [caseNames.exact(100), caseNames.exact(1000)];
    expect(suite.cases.map((c) => c.name)).toEqual(
      wasm.available ? [...names, caseNames.kernel(5000)] : names,
    );
    expect(suite.cases[0]!.ours.name).toBe(
      wasm.available ? implementationNames.wasm : implementationNames.js,
    );
    expect(suite.cases[1]!.figures?.map((f) => f.name)).toEqual(['peak memory']);
    expect(suite.cases[0]!.figures).toBeUndefined();
    if (!wasm.available) expect(suite.description).toContain(wasm.reason);
  });

  it('runs the TypeScript backend as ours when the kernel is missing, and says so', async () => {
    const definition = createConsensusSuite(small);
    for (const c of definition.cases) {
      expect(c.ours.name).toBe(implementationNames.js);
      expect(c.peers.map((p) => p.name)).toEqual([implementationNames.naive]);
      expect(c.floor?.name).toBe(implementationNames.floor);
    }
    expect(definition.description).toContain('no kernel here');
    const lines: string[] = [];
    const result = await runSuite(definition, {
      settings: quickSettings,
      mode: 'quick',
      command: 'test',
      gc,
      log: (line) => lines.push(line),
    });
    expect(lines.join('\n')).toContain('not measured (no kernel here)');
    expect(result.cases.map((c) => c.name)).toEqual([caseNames.exact(20), caseNames.exact(60)]);
    expect(result.cases.every((c) => c.checked)).toBe(true);
    const [targets, large] = result.tables!;
    expect(targets!.title).toBe('Targets');
    const verdicts = targets!.rows.map((row) => `${row[1]}: ${row[4]}`);
    expect(verdicts).toContain('wasm ÷ naive: not measured: no WebAssembly kernel');
    expect(verdicts.filter((v) => v.startsWith('js ÷ naive: m'))).toHaveLength(2);
    expect(targets!.notes?.[0]).toContain('no kernel here');
    expect(large!.title).toBe('Large inputs');
    const byName = large!.rows.map((row) => `${row[0]} ${row[2]}`);
    expect(byName).toEqual([
      `80 ${implementationNames.js}`,
      `80 ${implementationNames.wasm}`,
      `80 ${implementationNames.naive}`,
      `120 ${implementationNames.js}`,
      `120 ${implementationNames.wasm}`,
      `120 ${implementationNames.naive}`,
    ]);
    // The baseline runs at 80 (a small size, even in a quick run), never on the LSH path.
    expect(large!.rows[2]![3]).toEqual(expect.any(Number));
    expect(large!.rows[5]![7]).toMatch(/^cannot run/);
    const memory = result.cases[1]!;
    for (const impl of [memory.ours, ...memory.peers]) {
      expect(impl.figures?.[0]).toMatchObject({ name: 'peak memory', unit: 'MB' });
    }
  });

  it('measures the WebAssembly backend as ours, against the baseline and the TypeScript one', async () => {
    const wasm: WasmBackend = { available: true, analyze: fakeWasm };
    const definition = createConsensusSuite({ ...small, wasm });
    expect(definition.cases.map((c) => c.name)).toEqual([
      caseNames.exact(20),
      caseNames.exact(60),
      caseNames.kernel(80),
    ]);
    for (const c of definition.cases.slice(0, 2)) {
      expect(c.ours.name).toBe(implementationNames.wasm);
      expect(c.peers.map((p) => p.name)).toEqual([
        implementationNames.naive,
        implementationNames.js,
      ]);
      const ours = (await firstResult(c.ours)) as { backend: string };
      expect(ours.backend).toBe('wasm');
    }
    const result = await run({ ...small, wasm });
    const kernel = result.cases[2]!;
    expect(kernel.peers.map((p) => p.name)).toEqual([implementationNames.js]);
    const [targets, large] = result.tables!;
    const measured = targets!.rows.filter(
      (row) => row[1] === 'wasm ÷ js' || row[1] === 'wasm ÷ naive',
    );
    for (const row of measured) expect(row[2]).toEqual(expect.any(Number));
    expect(targets!.notes).toEqual([]);
    expect(large!.rows.filter((row) => row[2] === implementationNames.wasm)).toHaveLength(2);
    expect(large!.rows.every((row) => row[2] !== implementationNames.wasm || row[3] !== null)).toBe(
      true,
    );
  });

  it('leaves the large inputs to the in-process run when the cases ran isolated', async () => {
    const definition = createConsensusSuite(small);
    const lines: string[] = [];
    const tables = await definition.tables!({
      mode: 'quick',
      cases: [],
      log: (line) => lines.push(line),
      harness: 'isolated',
    });
    expect(tables.map((t) => t.title)).toEqual(['Targets']);
    expect(tables[0]!.notes).toContain(
      'The single-call rows (n = 80, 120) are left to the in-process run.',
    );
    expect(lines).toContain('consensus: Large inputs left to the in-process run');
    expect(tables[0]!.rows.every((row) => row[2] === null)).toBe(true);
  });

  it('fails loudly when the backends disagree', async () => {
    const skewed: Analyze = (responses, options) => {
      const result = fakeWasm(responses, options);
      return { ...result, outliers: result.outliers.slice(1) };
    };
    const wasm: WasmBackend = { available: true, analyze: skewed };
    await expect(run({ ...small, wasm })).rejects.toThrow(CheckFailedError);
  });

  it('fails loudly when the baseline finds another consensus', async () => {
    const shrunk: Analyze = (responses, options) => {
      const result = fakeWasm(responses, options);
      const consensus = result.consensus!;
      return { ...result, consensus: { ...consensus, ids: consensus.ids.slice(1) } };
    };
    await expect(run({ ...small, wasm: { available: true, analyze: shrunk } })).rejects.toThrow(
      /consensus clusters differ/,
    );
  });
});
