import { describe, expect, it } from 'vitest';
import type { ImplementationResult } from '../runner/results.js';
import { combineProcesses } from './combine-processes.js';

function run(opsPerSec: number, extra: Partial<ImplementationResult> = {}): ImplementationResult {
  return {
    name: 'ours',
    role: 'ours',
    note: 'a note',
    medianOpsPerSec: opsPerSec,
    spread: { min: opsPerSec, q1: opsPerSec, median: opsPerSec, q3: opsPerSec, max: opsPerSec },
    roundOpsPerSec: [opsPerSec],
    ...extra,
  };
}

describe('combineProcesses', () => {
  it('takes the median of the process medians, their spread, and keeps every process', () => {
    const runs = [run(300), run(100), run(200)];
    const combined = combineProcesses(runs);
    expect(combined).toMatchObject({
      name: 'ours',
      role: 'ours',
      note: 'a note',
      medianOpsPerSec: 200,
      spread: { min: 100, median: 200, max: 300 },
      roundOpsPerSec: [300, 100, 200],
    });
    expect(combined.processes).toEqual(runs);
    expect(combined.latency).toBeUndefined();
    expect(combined.memory).toBeUndefined();
    expect(combined.figures).toBeUndefined();
  });

  it("takes each of the case's figures as the median over the processes", () => {
    const figure = (value: number, samples: number[]) => ({
      figures: [
        { name: 'block', unit: 'ms', value, samples },
        { name: 'other', unit: 'x', value: value * 2, samples: [value * 2] },
      ],
    });
    const combined = combineProcesses([
      run(1, figure(10, [9, 10, 11])),
      run(1, figure(30, [30])),
      run(1, figure(20, [20])),
    ]);
    expect(combined.figures).toEqual([
      { name: 'block', unit: 'ms', value: 20, samples: [9, 10, 11, 30, 20] },
      { name: 'other', unit: 'x', value: 40, samples: [20, 60, 40] },
    ]);
  });

  it('takes the median latency percentiles and bytes per item over the processes', () => {
    const combined = combineProcesses([
      run(1, {
        latency: { p50Ns: 10, p99Ns: 100, samples: 5 },
        memory: { items: 8, bytesPerItem: 40, samples: [40] },
      }),
      run(1, {
        latency: { p50Ns: 30, p99Ns: 300, samples: 7 },
        memory: { items: 8, bytesPerItem: 60, samples: [60] },
      }),
    ]);
    expect(combined.latency).toEqual({ p50Ns: 20, p99Ns: 200, samples: 12 });
    expect(combined.memory).toEqual({ items: 8, bytesPerItem: 50, samples: [40, 60] });
  });

  it('refuses to combine no process at all', () => {
    expect(() => combineProcesses([])).toThrow(
      'Expected the figures of at least one process, got none',
    );
  });

  it('leaves the note out when the implementation has none', () => {
    const { note: _note, ...bare } = run(5);
    expect('note' in combineProcesses([bare])).toBe(false);
  });
});
