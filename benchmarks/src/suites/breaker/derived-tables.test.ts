import { describe, expect, it } from 'vitest';
import type { CaseResult, ImplementationResult, Role } from '../../runner/results.js';
import {
  costRatio,
  nsOf,
  nsPerOp,
  overheadNs,
  overheadTable,
  timePerCallTable,
  timeRatioTable,
  verdict,
  windowCostTable,
} from './derived-tables.js';

function impl(name: string, nsPerCall: number, role: Role): ImplementationResult {
  const opsPerSec = 1e9 / nsPerCall;
  return {
    name,
    role,
    medianOpsPerSec: opsPerSec,
    spread: { min: opsPerSec, q1: opsPerSec, median: opsPerSec, q3: opsPerSec, max: opsPerSec },
    roundOpsPerSec: [opsPerSec],
  };
}

/** A case result whose implementations took these ns per call; the first is ours. */
function caseResult(name: string, ns: readonly (readonly [string, number])[]): CaseResult {
  const [[oursName, oursNs], ...peers] = ns as [
    readonly [string, number],
    ...(readonly [string, number])[],
  ];
  return {
    name,
    opsPerCall: 100,
    checked: true,
    roundOrders: [],
    ours: impl(oursName, oursNs, 'ours'),
    peers: peers.map(([peer, peerNs]) => impl(peer, peerNs, 'peer')),
    comparisons: [],
  };
}

const success = caseResult('success path', [
  ['ours', 110],
  ['slow', 1_060],
  ['near', 150],
  ['floor', 60],
]);

describe('figures', () => {
  it('turns ops/s into ns per operation', () => {
    expect(nsPerOp(4e6)).toBe(250);
    expect(nsPerOp(0)).toBeNaN();
    expect(nsPerOp(Number.POSITIVE_INFINITY)).toBeNaN();
  });

  it('finds an implementation’s ns per call by name', () => {
    expect(nsOf(success, 'near')).toBeCloseTo(150, 6);
    expect(nsOf(success, 'absent')).toBeUndefined();
    expect(nsOf(undefined, 'near')).toBeUndefined();
  });

  it('overhead is the time over the floor; ratios only of positive costs', () => {
    expect(overheadNs(110, 60)).toBe(50);
    expect(overheadNs(55, 60)).toBe(-5);
    expect(costRatio(50, 1_000)).toBe(0.05);
    expect(costRatio(50, -5)).toBeNull();
    expect(costRatio(0, 5)).toBeNull();
    expect(costRatio(Number.NaN, 5)).toBeNull();
  });

  it('reads a ratio against its target', () => {
    expect(verdict(0.05, 0.1)).toBe('0.050× (target ≤ 0.1×): met');
    expect(verdict(0.4, 0.1)).toBe('0.40× (target ≤ 0.1×): missed');
    expect(verdict(0.1, 0.1)).toBe('0.10× (target ≤ 0.1×): met');
    expect(verdict(null, 0.5)).toBe('n/a (target ≤ 0.5×): not measurable');
  });
});

describe('timePerCallTable', () => {
  it('lists each case with ns per call per implementation, – where one is absent', () => {
    const hosts = caseResult('hosts', [
      ['ours', 500],
      ['slow', 5_000],
    ]);
    const withFloor = {
      ...caseResult('success path', [
        ['ours', 110],
        ['slow', 1_060],
      ]),
      floor: impl('floor', 55, 'floor'),
    };
    const table = timePerCallTable([withFloor, hosts], ['ours', 'slow', 'floor']);
    expect(table.columns.map((c) => c.label)).toEqual([
      'case',
      'ours ns',
      'slow ns',
      'floor ns',
      'ours ÷ floor (time)',
    ]);
    expect(
      table.rows.map((row) =>
        row.map((cell) => (typeof cell === 'number' ? Math.round(cell * 100) / 100 : cell)),
      ),
    ).toEqual([
      ['success path', 110, 1_060, 55, 2],
      ['hosts', 500, 5_000, null, null],
    ]);
  });
});

describe('overheadTable', () => {
  it('gives overhead over the floor and our overhead over each peer’s, with verdicts', () => {
    const table = overheadTable({
      result: success,
      floor: 'floor',
      targets: [
        { peer: 'slow', max: 0.1 },
        { peer: 'near', max: 0.5 },
        { peer: 'absent', max: 0.5 },
      ],
    });
    const rounded = table.rows.map((row) =>
      row.map((cell) => (typeof cell === 'number' ? Number(cell.toFixed(3)) : cell)),
    );
    expect(rounded).toEqual([
      ['ours', 110, 50, null],
      ['slow', 1_060, 1_000, 0.05],
      ['near', 150, 90, 0.556],
      ['floor', 60, null, null],
    ]);
    expect(table.notes).toEqual([
      "Target, our overhead ÷ slow's: 0.050× (target ≤ 0.1×): met.",
      "Target, our overhead ÷ near's: 0.56× (target ≤ 0.5×): missed.",
      "Target, our overhead ÷ absent's: n/a (target ≤ 0.5×): not measurable.",
    ]);
    expect(table.title).toBe('Overhead per call: success path');
  });
});

describe('timeRatioTable', () => {
  it('gives our time over each implementation’s, with verdicts', () => {
    const mix = caseResult('mix', [
      ['ours', 300],
      ['slow', 300_000],
      ['tuned', 3_000],
    ]);
    const table = timeRatioTable({
      result: mix,
      targets: [
        { peer: 'slow', max: 0.01 },
        { peer: 'tuned', max: 0.01 },
      ],
    });
    expect(
      table.rows.map((row) =>
        row.map((cell) => (typeof cell === 'number' ? Number(cell.toPrecision(3)) : cell)),
      ),
    ).toEqual([
      ['ours', 300, null],
      ['slow', 300_000, 0.001],
      ['tuned', 3_000, 0.1],
    ]);
    expect(table.notes).toEqual([
      "Target, our time ÷ slow's: 0.0010× (target ≤ 0.01×): met.",
      "Target, our time ÷ tuned's: 0.10× (target ≤ 0.01×): missed.",
    ]);
  });
});

describe('windowCostTable', () => {
  const failing = [1_000, 10_000, 100_000].map((window, i) => ({
    window,
    result: caseResult(`window ${window}`, [
      ['ours', 1_000 + i * 10],
      ['sorting', 1_000 * 10 ** i],
    ]),
  }));

  it('lists ns per failure per window and the growth from the smallest to the largest', () => {
    const table = windowCostTable({
      cases: failing,
      names: ['ours', 'sorting', 'absent'],
      label: (window) => `${window / 1_000}k`,
      flatWithin: 1.25,
    });
    expect(table.columns.map((c) => c.label)).toEqual([
      'implementation',
      '1k ns/failure',
      '10k ns/failure',
      '100k ns/failure',
      'largest ÷ smallest',
    ]);
    const rounded = table.rows.map((row) =>
      row.map((cell) => (typeof cell === 'number' ? Number(cell.toFixed(2)) : cell)),
    );
    expect(rounded).toEqual([
      ['ours', 1_000, 1_010, 1_020, 1.02],
      ['sorting', 1_000, 10_000, 100_000, 100],
      ['absent', null, null, null, null],
    ]);
    expect(table.notes).toEqual([
      'Our failure cost grows 1.02× from a 1k to a 100k window (flat target: ≤ 1.25×): met.',
    ]);
  });

  it('says missed when ours grows, and not measurable with a single window', () => {
    const growing = windowCostTable({
      cases: failing.map(({ window, result }) => ({
        window,
        result: { ...result, ours: { ...result.peers[0]!, name: 'ours', role: 'ours' } },
      })),
      names: ['ours'],
      label: String,
      flatWithin: 1.25,
    });
    expect(growing.notes![0]).toMatch(/grows 100\.00× .*: missed\.$/);
    const single = windowCostTable({
      cases: failing.slice(0, 1),
      names: ['ours'],
      label: String,
      flatWithin: 1.25,
    });
    expect(single.rows).toEqual([['ours', expect.closeTo(1_000, 6), null]]);
    expect(single.notes).toEqual(['Our failure cost: not measurable.']);
    expect(windowCostTable({ cases: [], names: [], label: String, flatWithin: 1 }).notes).toEqual([
      'Our failure cost: not measurable.',
    ]);
  });
});
