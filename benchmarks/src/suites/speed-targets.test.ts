import { describe, expect, it } from 'vitest';
import type { CaseResult, ImplementationResult } from '../runner/results.js';
import { nsPerOp, speedVerdict, targetsTable } from './speed-targets.js';

function impl(name: string, opsPerSec: number, role: 'ours' | 'peer'): ImplementationResult {
  return {
    name,
    role,
    medianOpsPerSec: opsPerSec,
    spread: { min: opsPerSec, q1: opsPerSec, median: opsPerSec, q3: opsPerSec, max: opsPerSec },
    roundOpsPerSec: [opsPerSec],
  };
}

function caseResult(name: string, ours: number, peers: Record<string, number>): CaseResult {
  return {
    name,
    opsPerCall: 100,
    checked: true,
    roundOrders: [],
    ours: impl('Pool', ours, 'ours'),
    peers: Object.entries(peers).map(([peer, ops]) => impl(peer, ops, 'peer')),
    comparisons: Object.entries(peers).map(([peer, ops]) => ({
      peer,
      ratio: ours / ops,
      roundRatios: [ours / ops],
    })),
  };
}

describe('targets table figures', () => {
  it('turns ops/s into ns per operation, null where there is no figure', () => {
    expect(nsPerOp(4e6)).toBe(250);
    expect(nsPerOp(0)).toBeNull();
    expect(nsPerOp(Number.NaN)).toBeNull();
    expect(nsPerOp(undefined)).toBeNull();
  });

  it('reads a speed ratio against its minimum', () => {
    expect(speedVerdict(4, 4)).toBe('met');
    expect(speedVerdict(3.99, 4)).toBe('missed');
    expect(speedVerdict(null, 4)).toBe('not measured');
  });
});

describe('targetsTable', () => {
  it('has one row per target: ns per pair, speed ratio, target and verdict', () => {
    const cases = [
      caseResult('one', 5e6, { gp: 1e6, tarn: 5e5 }),
      caseResult('two', 2e6, { gp: 1e6 }),
    ];
    const table = targetsTable(cases, [
      { caseName: 'one', peer: 'gp', min: 4 },
      { caseName: 'two', peer: 'gp', min: 4 },
      { caseName: 'three', peer: 'gp', min: 4 },
      { caseName: 'two', peer: 'tarn', min: 2 },
    ]);
    expect(table.title).toBe('Targets');
    expect(table.columns).toHaveLength(7);
    expect(table.rows).toEqual([
      ['one', 'gp', 200, 1000, 5, '≥ 4×', 'met'],
      ['two', 'gp', 500, 1000, 2, '≥ 4×', 'missed'],
      ['three', 'gp', null, null, null, '≥ 4×', 'not measured'],
      ['two', 'tarn', 500, null, null, '≥ 2×', 'not measured'],
    ]);
  });

  it('treats a ratio that is not a positive number as not measured', () => {
    const broken = caseResult('one', 0, { gp: 1e6 });
    const table = targetsTable([broken], [{ caseName: 'one', peer: 'gp', min: 4 }]);
    expect(table.rows[0]!.slice(4)).toEqual([null, '≥ 4×', 'not measured']);
  });
});
