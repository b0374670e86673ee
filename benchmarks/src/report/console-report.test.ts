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
        }),
        [sampleImplementation('lru-cache', 'peer', 2e6)],
      ),
    );
    expect(lines[0]).toBe('  get hit');
    expect(lines[1]).toMatch(
      /^ {4}ours {2}ours +1\.00M ops\/s +\(950k–1\.05M\) +p50 900 ns p99 2\.00 µs +64\.0 B\/item$/,
    );
    expect(lines[2]).toMatch(
      /^ {4}peer {2}lru-cache +2\.00M ops\/s .*ours\/peer 0\.50× \(slower\)$/,
    );
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
