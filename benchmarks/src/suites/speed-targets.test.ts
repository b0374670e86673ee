import { describe, expect, it } from 'vitest';
import type { CaseResult, ImplementationResult, Role } from '../runner/results.js';
import { floorTable, nsPerOp, speedVerdict, targetsTable } from './speed-targets.js';

function impl(name: string, opsPerSec: number, role: Role): ImplementationResult {
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
      { ...caseResult('one', 5e6, { gp: 1e6, tarn: 5e5 }), floor: impl('floor', 1e7, 'floor') },
      caseResult('two', 2e6, { gp: 1e6 }),
    ];
    const table = targetsTable(cases, [
      { caseName: 'one', peer: 'gp', min: 4 },
      { caseName: 'two', peer: 'gp', min: 4 },
      { caseName: 'three', peer: 'gp', min: 4 },
      { caseName: 'two', peer: 'tarn', min: 2 },
    ]);
    expect(table.title).toBe('Targets');
    expect(table.columns).toHaveLength(8);
    expect(table.columns[7]!.label).toBe('ours ÷ floor (time)');
    expect(table.rows).toEqual([
      ['one', 'gp', 200, 1000, 5, '≥ 4×', 'met', 2],
      ['two', 'gp', 500, 1000, 2, '≥ 4×', 'missed', null],
      ['three', 'gp', null, null, null, '≥ 4×', 'not measured', null],
      ['two', 'tarn', 500, null, null, '≥ 2×', 'not measured', null],
    ]);
  });

  it('treats a ratio that is not a positive number as not measured', () => {
    const broken = caseResult('one', 0, { gp: 1e6 });
    const table = targetsTable([broken], [{ caseName: 'one', peer: 'gp', min: 4 }]);
    expect(table.rows[0]!.slice(4)).toEqual([null, '≥ 4×', 'not measured', null]);
  });
});

describe('floorTable', () => {
  it('has one row per case with a floor: ns per operation and ours and the fastest peer over it', () => {
    const cases = [
      {
        ...caseResult('one', 5e6, { gp: 1e6, tarn: 2e6 }),
        floor: impl('Map (floor)', 1e7, 'floor'),
      },
      caseResult('no floor', 2e6, { gp: 1e6 }),
      { ...caseResult('none faster', 0, {}), floor: impl('Map (floor)', 1e7, 'floor') },
    ];
    const table = floorTable(cases, { unit: 'access', notes: ['why'] });
    expect(table.title).toBe('Against the floor');
    expect(table.columns.map((c) => c.label)).toEqual([
      'case',
      'floor',
      'floor ns/access',
      'ours ns/access',
      'ours ÷ floor (time)',
      'fastest peer',
      'peer ÷ floor (time)',
    ]);
    expect(table.rows).toEqual([
      ['one', 'Map (floor)', 100, 200, 2, 'tarn', 5],
      ['none faster', 'Map (floor)', 100, null, null, null, null],
    ]);
    expect(table.notes).toEqual(['why']);
    expect(floorTable([], { unit: 'pair' }).notes).toBeUndefined();
  });
});
