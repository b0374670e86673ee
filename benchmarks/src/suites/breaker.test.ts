import { describe, expect, it, vi } from 'vitest';
import { runCase } from '../runner/run-case.js';
import { runSuite } from '../runner/run-suite.js';
import { breakerCase, hostNames } from './breaker/breaker-cases.js';
import { type BreakerContender, cockatiel, ours } from './breaker/breaker-contenders.js';
import { allFail, allSucceed } from './breaker/call-loop.js';
import {
  type BreakerSuiteConfig,
  createBreakerSuite,
  defaultBreakerSuiteConfig,
  suite,
} from './breaker.js';

const tiny: BreakerSuiteConfig = {
  batch: 20,
  failureBatch: 5,
  mixWindow: 100,
  failureWindows: [20, 200],
  hosts: 30,
};

const quickSettings = { warmupRounds: 0, rounds: 1, roundMs: 1, memoryBuilds: 1 };

describe('breaker suite', () => {
  it('measures the success path, a 10% mix, failures per window size and per-host breakers', () => {
    const { cases } = createBreakerSuite(tiny);
    expect(cases.map((c) => c.name)).toEqual([
      'success path',
      '10% failures · window 100',
      'all fail · window 20',
      'all fail · window 200',
      '30 per-host breakers',
    ]);
    expect(cases.map((c) => c.opsPerCall)).toEqual([20, 20, 5, 5, 20]);
    for (const c of cases) {
      expect(c.check).toBe(true);
      expect(c.ours.name).toBe('CircuitBreaker');
    }
    expect(cases[0]!.peers.map((p) => p.name)).toEqual([
      'opossum (default)',
      'opossum (tuned)',
      'cockatiel',
    ]);
    expect(cases.map((c) => c.floor?.name)).toEqual([
      'await op() (floor)',
      'await op() (floor)',
      'await op() (floor)',
      'await op() (floor)',
      undefined,
    ]);
    const hosts = cases[4]!;
    for (const impl of [hosts.ours, ...hosts.peers]) {
      expect(impl.memory?.items).toBe(30);
    }
  });

  it('runs every case with equal counts across implementations, then derives its tables', async () => {
    const result = await runSuite(createBreakerSuite(tiny), {
      settings: quickSettings,
      mode: 'quick',
      command: 'test',
      gc: vi.fn(),
    });
    expect(result.cases).toHaveLength(5);
    for (const c of result.cases) {
      expect(c.checked).toBe(true);
      for (const impl of [c.ours, ...c.peers]) {
        expect(impl.medianOpsPerSec).toBeGreaterThan(0);
      }
    }
    expect(result.cases[4]!.ours.memory?.items).toBe(30);
    expect(result.tables!.map((t) => t.title)).toEqual([
      'Time per call',
      'Overhead per call: success path',
      'Time per call: 10% failures · window 100',
      'Failure cost vs window size',
    ]);
    expect(result.tables![0]!.rows).toHaveLength(5);
    expect(result.tables![1]!.notes).toHaveLength(3);
    expect(result.tables![3]!.columns.map((c) => c.label)).toEqual([
      'implementation',
      '20 ns/failure',
      '200 ns/failure',
      'largest ÷ smallest',
    ]);
  });

  it('leaves out a derived table whose cases are missing', async () => {
    const { tables } = createBreakerSuite(tiny);
    const derived = await tables!({ mode: 'quick', cases: [], log: () => {} });
    expect(derived.map((t) => t.title)).toEqual(['Time per call']);
  });

  it('is registered as `breaker` with the sizes of the brief', () => {
    expect(suite.name).toBe('breaker');
    expect(defaultBreakerSuiteConfig).toEqual({
      batch: 100,
      failureBatch: 25,
      mixWindow: 50_000,
      failureWindows: [1_000, 10_000, 100_000],
      hosts: 10_000,
    });
  });
});

describe('breakerCase', () => {
  it('fails the case, naming the implementation, when a breaker trips', async () => {
    const tripping = breakerCase({
      name: 'tripping',
      description: 'every call fails through breakers that trip',
      spec: { kind: 'failure rate', window: 10, threshold: 0.5 },
      pattern: allFail,
      batch: 50,
      ours,
      peers: [cockatiel],
    });
    await expect(runCase(tripping, { settings: quickSettings, gc: undefined })).rejects.toThrow(
      /^"CircuitBreaker" rejected a call with BreakerOpenError: .* in case "tripping": its breaker must pass every call through/,
    );
  });

  /** A contender whose breakers are plain objects, to watch what the case does with them. */
  function fakeContender(run: () => Promise<number>) {
    const close = vi.fn();
    const create = vi.fn((_spec: unknown, count: number, hosts?: readonly string[]) => ({
      targets: Array.from({ length: count }, (_, i) => ({ name: hosts?.[i], run })),
      close,
    }));
    const contender: BreakerContender = {
      name: 'fake',
      call: (op) => `target.run(${op})`,
      note: () => 'a fake',
      create,
    };
    return { contender, close, create };
  }

  it('fills the window in setup, weighs idle fleets and closes every fleet in teardown', async () => {
    const run = vi.fn(async () => 1);
    const { contender, close, create } = fakeContender(run);
    const benchCase = breakerCase({
      name: 'fake',
      description: 'fake breakers',
      spec: { kind: 'defaults' },
      pattern: allSucceed,
      batch: 4,
      fill: 3,
      hosts: 2,
      weigh: true,
      ours: contender,
      peers: [],
    });
    const impl = benchCase.ours;
    const state = await impl.setup!();
    expect(run).toHaveBeenCalledTimes(6);
    expect(create).toHaveBeenCalledWith({ kind: 'defaults' }, 2, hostNames(2));
    expect(await impl.fn(state)).toEqual({ succeeded: 4, failed: 0 });
    impl.memory!.build();
    impl.memory!.build();
    expect(close).not.toHaveBeenCalled();
    await impl.teardown!(state);
    expect(close).toHaveBeenCalledTimes(3);
    expect(impl.memory!.items).toBe(2);
  });

  it.each([
    [() => Promise.reject('refused'), `"fake" rejected a call with 'refused' instead of`],
    [async () => 1, '"fake" resolved a call whose operation failed in case "fake"'],
  ])('says how a breaker answered a failing call in its place', async (run, message) => {
    const { contender } = fakeContender(run);
    const benchCase = breakerCase({
      name: 'fake',
      description: 'fake breakers',
      spec: { kind: 'never trips', window: 10 },
      pattern: allFail,
      batch: 1,
      ours: contender,
      peers: [],
    });
    const state = await benchCase.ours.setup!();
    await expect(benchCase.ours.fn(state)).rejects.toThrow(message);
    await benchCase.ours.teardown!(state);
  });

  it('closes the fleet when filling the window fails', async () => {
    const { contender, close } = fakeContender(() => Promise.reject(new Error('down')));
    const benchCase = breakerCase({
      name: 'fake',
      description: 'fake breakers',
      spec: { kind: 'defaults' },
      pattern: allSucceed,
      batch: 1,
      fill: 1,
      ours: contender,
      peers: [],
    });
    await expect(benchCase.ours.setup!()).rejects.toThrow('down');
    expect(close).toHaveBeenCalledTimes(1);
  });
});
