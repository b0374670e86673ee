import { describe, expect, it } from 'vitest';
import { caseLines, tableLines } from './console-report.js';
import { sampleCase, sampleImplementation } from './sample-results.fixture.js';
import { sampleTable } from './sample-table.fixture.js';

describe('caseLines', () => {
  it('prints each implementation with its median, spread and ratio, marking losses', () => {
    const lines = caseLines(
      sampleCase(
        'get hit',
        sampleImplementation('ours', 'ours', 1e6, {
          latency: { p50Ns: 900, p99Ns: 2_000, samples: 10 },
          memory: { items: 1, bytesPerItem: 64, samples: [64] },
          figures: [{ name: 'longest block', unit: 'ms', value: 3.21, samples: [3.21] }],
        }),
        [sampleImplementation('lru-cache', 'peer', 2e6)],
      ),
    );
    expect(lines[0]).toBe('  get hit');
    expect(lines[1]).toMatch(
      /^ {4}ours {3}ours +1\.00M ops\/s +\(950k–1\.05M\) +p50 900 ns p99 2\.00 µs +64\.0 B\/item +longest block 3\.21 ms$/,
    );
    expect(lines[2]).toMatch(
      /^ {4}peer {3}lru-cache +2\.00M ops\/s .*ours\/peer 0\.50× \(slower\)$/,
    );
    expect(lines).toHaveLength(3);
  });

  it('prints the floor last with our time over its time, and no ratio ours ÷ peer', () => {
    const lines = caseLines({
      ...sampleCase('get hit', sampleImplementation('ours', 'ours', 1e6), [
        sampleImplementation('lru-cache', 'peer', 2e6),
      ]),
      floor: sampleImplementation('Map (floor)', 'floor', 4e6),
    });
    expect(lines[3]).toMatch(
      /^ {4}floor {2}Map \(floor\) +4\.00M ops\/s .*ours ÷ floor \(time\) 4\.00×$/,
    );
    expect(lines[3]).not.toContain('ours/peer');
  });
});

describe('tableLines', () => {
  it('prints the title, aligned columns (numbers to the right) and the notes', () => {
    expect(tableLines(sampleTable)).toEqual([
      '  Hit ratio',
      '    trace   size    lru  reference  verdict',
      '    loop     500   0.0%      48.8%  ✗ 1.2 below | reference',
      '    multi2  2000  49.0%          –  ✓ met',
      '    · optimum: Belady.',
    ]);
  });
});
