import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runSuite } from '../runner/run-suite.js';
import type { BenchCase } from '../runner/suite-definition.js';
import {
  type CacheSuiteConfig,
  createCacheSuite,
  defaultCacheSuiteConfig,
  suite,
} from './cache.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bw-cache-suite-'));
  // A small looping trace: 300 keys, cycled with a popular few in between.
  const keys = Array.from({ length: 3_000 }, (_, i) => (i % 4 === 0 ? i % 7 : i % 300));
  await writeFile(join(dir, 'multi2.trace.gz'), gzipSync(keys.join('\r\n')));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function smallConfig(extra: Partial<CacheSuiteConfig> = {}): CacheSuiteConfig {
  return {
    sizes: [100, 300],
    batch: 64,
    weighAt: 300,
    tracesDir: dir,
    replay: { trace: 'multi2', size: 50 },
    ...extra,
  };
}

const quickSettings = { warmupRounds: 0, rounds: 1, roundMs: 1, memoryBuilds: 1 };

describe('cache suite', () => {
  it('measures four operations for string and integer keys at each size, then two replays', () => {
    const { cases } = createCacheSuite(smallConfig());
    expect(cases.map((c) => c.name)).toEqual([
      'get hit · string keys · 100',
      'get miss · string keys · 100',
      'set evicting · string keys · 100',
      'zipf mix · string keys · 100',
      'get hit · integer keys · 100',
      'get miss · integer keys · 100',
      'set evicting · integer keys · 100',
      'zipf mix · integer keys · 100',
      'get hit · string keys · 300',
      'get miss · string keys · 300',
      'set evicting · string keys · 300',
      'zipf mix · string keys · 300',
      'get hit · integer keys · 300',
      'get miss · integer keys · 300',
      'set evicting · integer keys · 300',
      'zipf mix · integer keys · 300',
      'replay multi2@50 · lru',
      'replay multi2@50 · tinylfu',
    ]);
    for (const c of cases) {
      expect(c.opsPerCall).toBe(64);
      expect(c.check).toBeDefined();
    }
    expect(cases.slice(0, 16).every((c) => c.peers.length === 3)).toBe(true);
    expect(cases[17]!.ours.name).toBe('Cache (tinylfu)');
    expect(cases[17]!.peers.map((p) => p.name)).toEqual(['lru-cache']);
  });

  it('weighs each implementation only in the integer get-hit case at the chosen size', () => {
    const { cases } = createCacheSuite(smallConfig());
    const weighed = cases.filter((c) => [c.ours, ...c.peers].some((i) => i.memory !== undefined));
    expect(weighed.map((c) => c.name)).toEqual(['get hit · integer keys · 300']);
    for (const impl of [weighed[0]!.ours, ...weighed[0]!.peers]) {
      expect(impl.memory!.items).toBe(300);
      expect((impl.memory!.build() as { size: number }).size).toBe(300);
    }
  });

  it('runs every case with equal results across implementations, then the hit-ratio table', async () => {
    const onCase = vi.fn();
    const log = vi.fn();
    const result = await runSuite(createCacheSuite(smallConfig()), {
      settings: quickSettings,
      mode: 'quick',
      command: 'test',
      gc: vi.fn(),
      onCase,
      log,
    });
    expect(onCase).toHaveBeenCalledTimes(18);
    expect(log).not.toHaveBeenCalled();
    for (const c of result.cases) {
      expect(c.checked).toBe(true);
      expect(c.ours.medianOpsPerSec).toBeGreaterThan(0);
    }
    expect(result.cases[4]!.ours.memory).toBeUndefined();
    expect(result.cases[12]!.ours.memory?.items).toBe(300);
    expect(result.tables!.map((t) => t.title)).toEqual(['Against the floor', 'Hit ratio']);
    expect(result.tables![0]!.rows.map((row) => row[0])).toEqual(
      result.cases
        .filter((c) => !c.name.startsWith('zipf') && !c.name.startsWith('replay'))
        .map((c) => c.name),
    );
    expect(result.tables![1]!.rows.map((row) => row.slice(0, 2))).toEqual([
      ['multi2', 1_000],
      ['multi2', 2_000],
    ]);
  });

  it('leaves out the replays and the hit-ratio table, saying so, when there are no traces', async () => {
    const missing = join(dir, 'missing');
    const definition = createCacheSuite(smallConfig({ sizes: [100], tracesDir: missing }));
    expect(definition.cases).toHaveLength(8);
    const lines: string[] = [];
    const tables = await definition.tables!({
      mode: 'quick',
      cases: [],
      log: (line) => lines.push(line),
    });
    expect(tables.map((t) => t.title)).toEqual(['Against the floor']);
    expect(lines[0]).toContain(
      `Trace replay cases skipped: no ${join(missing, 'multi2.trace.gz')}`,
    );
    expect(lines[1]).toContain('Hit ratio skipped');
    const noDir = createCacheSuite(smallConfig({ sizes: [100], tracesDir: undefined }));
    await noDir.tables!({ mode: 'quick', cases: [], log: (line) => lines.push(line) });
    expect(lines[2]).toContain('no multi2.trace.gz');
  });

  it("fails the W-TinyLFU replay when a side's hits differ from a plain replay of its policy", async () => {
    const replay = createCacheSuite(smallConfig({ sizes: [] })).cases[1]! as BenchCase;
    const check = replay.check as (ours: unknown, peer: unknown, peerName: string) => void;
    expect(() => check(-1, -1, 'lru-cache')).toThrow(
      /^expected \d+ and \d+ hits over the first 64 accesses, got -1 and -1$/,
    );
  });

  it('is registered as `cache`, at 10k and 1M entries, weighing 1M integer keys', () => {
    expect(suite.name).toBe('cache');
    expect(defaultCacheSuiteConfig).toMatchObject({
      sizes: [10_000, 1_000_000],
      weighAt: 1_000_000,
      replay: { trace: 'multi2', size: 1_000 },
    });
    expect(suite.cases.filter((c) => c.name.startsWith('get hit'))).toHaveLength(4);
  });
});
