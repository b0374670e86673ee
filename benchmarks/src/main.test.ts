import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { suite as fixture } from './isolated/fixture-suite.fixture.js';
import { fixtureSuiteUrl, inProcessRunner } from './isolated/in-process-runner.fixture.js';
import { type CliIo, main } from './main.js';
import type { SuiteResult } from './runner/results.js';
import type { SuiteDefinition } from './runner/suite-definition.js';

let outDir: string;

function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { log: (line) => out.push(line), error: (line) => err.push(line) };
  return { io, out, err };
}

beforeEach(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'bw-bench-'));
});

afterEach(async () => {
  await rm(outDir, { recursive: true, force: true });
});

describe('main', () => {
  it('exits 1 on an unknown suite, listing the available suites', async () => {
    const { io, err } = captureIo();
    expect(await main(['nope', '--out', outDir], { io })).toBe(1);
    expect(err.join('\n')).toContain('Unknown suite "nope". Available suites: core');
    expect(err.join('\n')).toContain('Usage: pnpm bench');
  });

  it('prints the usage for --help and exits 0', async () => {
    const { io, out } = captureIo();
    expect(await main(['--help'], { io })).toBe(0);
    expect(out.join('\n')).toContain('--quick');
  });

  it('runs the real core suite in quick mode into --out: JSON, RESULTS.md and an SVG', async () => {
    const { io, out, err } = captureIo();
    expect(await main(['core', '--quick', '--out', outDir], { io, gc: undefined })).toBe(0);
    expect(err).toEqual([]);
    expect(out.join('\n')).toContain('global.gc is not exposed');
    expect(out.join('\n')).toMatch(/stableKey +[\d.]+[kMG]? ops\/s/);

    const result = JSON.parse(
      await readFile(join(outDir, 'results', 'core.json'), 'utf8'),
    ) as SuiteResult;
    expect(result).toMatchObject({
      schema: 1,
      suite: 'core',
      mode: 'quick',
      command: `pnpm bench core --quick --out ${outDir}`,
      settings: { rounds: 3, gcBetweenSlots: false },
      environment: { node: process.version },
    });
    expect(result.environment.cores).toBeGreaterThan(0);
    expect(Date.parse(result.environment.date)).not.toBeNaN();
    expect(result.cases).toHaveLength(3);
    for (const c of result.cases) {
      expect(c.checked).toBe(true);
      expect(c.ours.medianOpsPerSec).toBeGreaterThan(0);
      expect(c.comparisons.map((comparison) => comparison.peer)).toEqual([
        'fast-json-stable-stringify',
      ]);
      expect(c.floor).toMatchObject({ name: 'JSON.stringify (pre-sorted)', role: 'floor' });
    }
    expect(result.tables?.[0]?.title).toBe('Against the floor');

    const markdown = await readFile(join(outDir, 'RESULTS.md'), 'utf8');
    expect(markdown).toContain('## core');
    expect(markdown).toContain('| case | ours ops/s | ours spread | peer | peer ops/s |');
    expect(markdown).toContain('| small flat object (5 keys) |');
    expect(markdown).toContain('Command: `pnpm bench core --quick');

    const svg = await readFile(join(outDir, 'results', 'ratios.svg'), 'utf8');
    const document = new DOMParser({
      onError: (level, message) => {
        throw new Error(`${level}: ${message}`);
      },
    }).parseFromString(svg, 'image/svg+xml');
    expect(document.documentElement?.tagName).toBe('svg');
    expect(svg).toContain('vs fast-json-stable-stringify');
  });

  it('reports a failing suite, keeps running the others and exits 1', async () => {
    const failing: SuiteDefinition = {
      name: 'broken',
      description: 'A peer that skips work.',
      cases: [
        {
          name: 'mismatch',
          check: true,
          ours: { name: 'ours', fn: () => 1 },
          peers: [{ name: 'lazy', fn: () => 2 }],
        },
      ],
    };
    const passing: SuiteDefinition = {
      name: 'fine',
      description: 'Equal work.',
      cases: [
        { name: 'same', ours: { name: 'ours', fn: () => 1 }, peers: [{ name: 'p', fn: () => 1 }] },
      ],
    };
    const registry = {
      broken: async () => ({ suite: failing }),
      renamed: async () => ({ suite: { ...passing, name: 'other' } }),
      fine: async () => ({ suite: passing }),
    };
    const { io, out, err } = captureIo();
    const exitCode = await main(['--quick', '--out', outDir], { io, registry, gc: vi.fn() });
    expect(exitCode).toBe(1);
    expect(err[0]).toMatch(/Suite "broken" failed: Case "mismatch": "lazy" returned a different/);
    expect(err[1]).toBe(
      'Suite "renamed" failed: the registry entry "renamed" loads a suite named "other"',
    );
    expect(err[2]).toBe('2 suite(s) failed: broken, renamed');
    expect(out.join('\n')).toContain('(suites: fine)');
    const markdown = await readFile(join(outDir, 'RESULTS.md'), 'utf8');
    expect(markdown).toContain('## fine');
    expect(markdown).not.toContain('## broken');
  });

  it('runs only the cases --case names, without static tables, and says when none matches', async () => {
    const two: SuiteDefinition = {
      name: 'two',
      description: 'Two cases.',
      cases: [
        {
          name: 'get hit',
          ours: { name: 'ours', fn: () => 1 },
          peers: [{ name: 'p', fn: () => 1 }],
        },
        { name: 'set', ours: { name: 'ours', fn: () => 1 }, peers: [{ name: 'p', fn: () => 1 }] },
      ],
      tables: () => {
        throw new Error('tables need every case');
      },
    };
    const { io, out } = captureIo();
    const registry = { two: async () => ({ suite: two }) };
    const argv = ['--quick', '--case', 'hit', '--out', outDir];
    expect(await main(argv, { io, registry, gc: undefined })).toBe(0);
    const result = JSON.parse(await readFile(join(outDir, 'results', 'two.json'), 'utf8'));
    expect(result.cases.map((c: { name: string }) => c.name)).toEqual(['get hit']);
    const none = captureIo();
    const noMatch = ['--quick', '--case', 'zzz', '--out', outDir];
    expect(await main(noMatch, { io: none.io, registry, gc: undefined })).toBe(0);
    expect(none.out.join('\n')).toContain('two: no case name contains "zzz"');
    expect(out.join('\n')).not.toContain('tables need every case');
  });

  it("prints a suite's static tables and its notes, and renders the tables in RESULTS.md", async () => {
    const tabled: SuiteDefinition = {
      name: 'tabled',
      description: 'Figures computed once.',
      cases: [
        { name: 'same', ours: { name: 'ours', fn: () => 1 }, peers: [{ name: 'p', fn: () => 1 }] },
      ],
      tables: ({ log }) => {
        log('  computed once');
        return [{ title: 'Hit ratio', columns: [{ label: 'trace' }], rows: [['loop']] }];
      },
    };
    const { io, out } = captureIo();
    const registry = { tabled: async () => ({ suite: tabled }) };
    expect(await main(['--quick', '--out', outDir], { io, registry, gc: undefined })).toBe(0);
    expect(out).toContain('  computed once');
    expect(out).toContain('  Hit ratio');
    expect(out).toContain('    loop');
    const markdown = await readFile(join(outDir, 'RESULTS.md'), 'utf8');
    expect(markdown).toContain('### Hit ratio\n\n| trace |\n| --- |\n| loop |');
  });

  it('runs a suite with --isolated into <suite>.isolated.json, beside the in-process results', async () => {
    const registry = { fixture: async () => ({ suite: fixture }) };
    const suiteModules = { fixture: fixtureSuiteUrl };
    const runChild = inProcessRunner();
    const { io, out, err } = captureIo();
    expect(await main(['--quick', '--out', outDir], { io, registry, gc: vi.fn() })).toBe(0);
    expect(
      await main(['--isolated', '--quick', '--processes', '2', '--out', outDir], {
        io,
        registry,
        suiteModules,
        runChild,
      }),
    ).toBe(0);
    expect(err).toEqual([]);
    expect(out.join('\n')).toContain(
      'One implementation per process: 2 processes per implementation of each case',
    );
    expect(out.join('\n')).toMatch(/floor {2}constant \(floor\) .* ours ÷ floor \(time\)/);
    const isolated = JSON.parse(
      await readFile(join(outDir, 'results', 'fixture.isolated.json'), 'utf8'),
    ) as SuiteResult;
    expect(isolated).toMatchObject({
      harness: 'isolated',
      processes: 2,
      command: `pnpm bench --isolated --quick --processes 2 --out ${outDir}`,
    });
    expect(isolated.cases[0]!.ours.processes).toHaveLength(2);
    const inProcess = JSON.parse(
      await readFile(join(outDir, 'results', 'fixture.json'), 'utf8'),
    ) as SuiteResult;
    expect(inProcess.harness).toBeUndefined();
    const markdown = await readFile(join(outDir, 'RESULTS.md'), 'utf8');
    expect(markdown.indexOf('## fixture')).toBeLessThan(
      markdown.indexOf('### fixture · one implementation per process'),
    );
    expect(markdown).toContain('### Harness · isolated');
    const svg = await readFile(join(outDir, 'results', 'ratios.svg'), 'utf8');
    expect(svg).toContain('fixture · one implementation per process (quick smoke pass)');
  });

  it('fails an isolated suite its children have no module to load from', async () => {
    const registry = { fixture: async () => ({ suite: fixture }) };
    const { io, err } = captureIo();
    expect(await main(['--isolated', '--quick', '--out', outDir], { io, registry })).toBe(1);
    expect(err[0]).toBe(
      'Suite "fixture" failed: no module URL for suite "fixture": its child processes cannot load it',
    );
  });

  it('rethrows errors that are not usage errors', async () => {
    const cwd = 42 as unknown as string;
    await expect(main(['--out', 'relative'], { cwd, io: captureIo().io })).rejects.toThrow(
      TypeError,
    );
  });
});
