import { describe, expect, it } from 'vitest';
import type { SuiteResult } from '../runner/results.js';
import { agreement, renderResultsMarkdown } from './results-markdown.js';
import { sampleCase, sampleImplementation, sampleSuite } from './sample-results.fixture.js';
import { sampleTable } from './sample-table.fixture.js';

describe('renderResultsMarkdown', () => {
  it('writes one table per suite with a row per peer, the command and the machine', () => {
    const markdown = renderResultsMarkdown([
      sampleSuite('cache', [
        sampleCase('get hit', sampleImplementation('ours', 'ours', 2e6), [
          sampleImplementation('lru-cache', 'peer', 1e6, { note: 'default options' }),
          sampleImplementation('lru-cache (tuned)', 'peer', 4e6),
        ]),
      ]),
      sampleSuite('core', [
        sampleCase('flat', sampleImplementation('ours', 'ours', 1e5), [
          sampleImplementation('peer', 'peer', 1e5),
        ]),
      ]),
    ]);
    expect(markdown).toContain('## cache');
    expect(markdown).toContain('## core');
    expect(markdown).toContain(
      '| case | ours ops/s | ours spread | peer | peer ops/s | peer spread | ratio |',
    );
    expect(markdown).toContain(
      '| get hit | 2.00M | 1.90M–2.10M | lru-cache | 1.00M | 950k–1.05M | 2.00× |',
    );
    expect(markdown).toContain('| lru-cache (tuned) | 4.00M | 3.80M–4.20M | 0.50× (slower) |');
    expect(markdown).toContain('Command: `pnpm bench cache`');
    expect(markdown).toContain('Node v20.20.2 · Test CPU × 2 cores');
    expect(markdown).toContain('- `lru-cache` (peer) — default options');
    expect(markdown).toContain('(results checked equal)');
    expect(markdown).toContain('![Ratio of ours to each peer, log scale](results/ratios.svg)');
    expect(markdown).not.toContain('p50');
    expect(markdown).not.toContain('bytes/item');
  });

  it('adds latency and memory columns only for suites that measured them', () => {
    const markdown = renderResultsMarkdown([
      sampleSuite('pool', [
        {
          ...sampleCase(
            'acquire | release',
            sampleImplementation('ours', 'ours', 1e5, {
              latency: { p50Ns: 850, p99Ns: 12_500, samples: 100 },
              memory: { items: 10, bytesPerItem: 120, samples: [120] },
            }),
            [sampleImplementation('generic-pool', 'peer', 1e5)],
          ),
          opsPerCall: 2,
          checked: false,
        },
      ]),
    ]);
    expect(markdown).toContain(
      '| ours p50 / p99 | peer p50 / p99 | ours bytes/item | peer bytes/item |',
    );
    expect(markdown).toContain('| acquire \\| release |');
    expect(markdown).toContain('| 850 ns / 12.5 µs | – | 120 B | – |');
    expect(markdown).toContain('(results not compared; 2 operations per call)');
  });

  it('warns that a quick pass is not for quoting', () => {
    const markdown = renderResultsMarkdown([
      sampleSuite(
        'core',
        [
          sampleCase('flat', sampleImplementation('ours', 'ours', 1), [
            sampleImplementation('p', 'peer', 1),
          ]),
        ],
        'quick',
      ),
    ]);
    expect(markdown).toContain('Quick smoke pass: too short to quote');
    expect(markdown).toContain('mode quick');
  });

  it("renders a suite's static tables under its ops/s table, before the cases", () => {
    const suite = sampleSuite('cache', [
      sampleCase('get hit', sampleImplementation('ours', 'ours', 2e6), [
        sampleImplementation('lru-cache', 'peer', 1e6),
      ]),
    ]);
    const markdown = renderResultsMarkdown([{ ...suite, tables: [sampleTable] }]);
    expect(markdown).toContain(
      [
        '### Hit ratio',
        '',
        'Replayed once per policy.',
        '',
        '| trace | size | lru | reference | verdict |',
        '| --- | ---: | ---: | ---: | --- |',
        '| loop | 500 | 0.0% | 48.8% | ✗ 1.2 below \\| reference |',
        '| multi2 | 2000 | 49.0% | – | ✓ met |',
        '',
        '- optimum: Belady.',
        '',
        'Cases:',
      ].join('\n'),
    );
    expect(markdown.indexOf('| get hit |')).toBeLessThan(markdown.indexOf('### Hit ratio'));
  });

  it('renders a suite without timed cases as its static tables alone, with no rounds or ops/s table', () => {
    const markdown = renderResultsMarkdown([{ ...sampleSuite('app', []), tables: [sampleTable] }]);
    expect(markdown).toContain('## app');
    expect(markdown).toContain('### Hit ratio');
    expect(markdown).toContain('Command: `pnpm bench app` · mode full · Node v20.20.2');
    expect(markdown).not.toContain('rounds ×');
    expect(markdown).not.toContain('| case | ours ops/s');
    expect(markdown).not.toContain('Cases:');
  });

  it('renders a static table without description or notes', () => {
    const { description: _, notes: __, ...bare } = sampleTable;
    const suite = sampleSuite('cache', [
      sampleCase('c', sampleImplementation('ours', 'ours', 1), [
        sampleImplementation('p', 'peer', 1),
      ]),
    ]);
    const markdown = renderResultsMarkdown([{ ...suite, tables: [bare] }]);
    expect(markdown).toContain('### Hit ratio\n\n| trace |');
    expect(markdown).toContain('| multi2 | 2000 | 49.0% | – | ✓ met |\n\nCases:');
  });

  it('says how to produce results when there are none', () => {
    expect(renderResultsMarkdown([])).toContain('No results yet: run `pnpm bench`.');
  });

  it('adds a floor row giving our time over the floor’s, and notes the floor by its role', () => {
    const markdown = renderResultsMarkdown([
      sampleSuite('cache', [
        {
          ...sampleCase('get hit', sampleImplementation('ours', 'ours', 2e6), [
            sampleImplementation('lru-cache', 'peer', 1e6),
          ]),
          floor: sampleImplementation('Map (floor)', 'floor', 5e6, { note: 'a bare Map' }),
        },
      ]),
    ]);
    expect(markdown).toContain(
      '| get hit | 2.00M | 1.90M–2.10M | Map (floor) | 5.00M | 4.75M–5.25M | floor: ours takes 2.50× its time |',
    );
    expect(markdown).toContain('- `Map (floor)` (floor) — a bare Map');
  });

  it("renders the cases' other figures in a table of their own, in both harnesses", () => {
    const block = (value: number) => ({
      figures: [{ name: 'longest block', unit: 'ms', value, samples: [value] }],
    });
    const cases = [
      {
        ...sampleCase('expose', sampleImplementation('ours', 'ours', 10, block(12.34)), [
          sampleImplementation('prom-client', 'peer', 2, block(480)),
        ]),
        floor: sampleImplementation('string', 'floor', 100),
      },
      sampleCase('plain', sampleImplementation('ours', 'ours', 1), [
        sampleImplementation('peer', 'peer', 1),
      ]),
    ];
    const inProcess = sampleSuite('metrics', cases);
    const markdown = renderResultsMarkdown([
      { ...inProcess, settings: { ...inProcess.settings, figureSamples: 5 } },
      { ...sampleSuite('metrics', cases), harness: 'isolated', processes: 3 },
    ]);
    expect(markdown).toContain('### metrics · other figures\n');
    expect(markdown).toContain('the median of 5 samples. How each');
    expect(markdown).toContain('### metrics · other figures · isolated\n');
    expect(markdown).toContain(
      'the median of its samples in each process, then the median over the processes.',
    );
    expect(markdown).toContain('| case | role | implementation | longest block |');
    expect(markdown).toContain('| expose | ours | ours | 12.3 ms |');
    expect(markdown).toContain('| expose | peer | prom-client | 480 ms |');
    expect(markdown).toContain('| expose | floor | string | – |');
    expect(markdown).not.toContain('| plain | ours |');
    expect(markdown.indexOf('### metrics · other figures\n')).toBeLessThan(
      markdown.indexOf('Cases:'),
    );
    expect(renderResultsMarkdown([sampleSuite('core', cases.slice(1))])).not.toContain(
      'other figures',
    );
  });

  it('gives bytes per item in the isolated table when the isolated run weighed memory', () => {
    const memory = (bytesPerItem: number) => ({
      memory: { items: 10, bytesPerItem, samples: [bytesPerItem] },
    });
    const isolated: SuiteResult = {
      ...sampleSuite('metrics', [
        sampleCase('series', sampleImplementation('ours', 'ours', 1, memory(100)), [
          sampleImplementation('prom-client', 'peer', 1, memory(400)),
        ]),
      ]),
      harness: 'isolated',
      processes: 3,
    };
    const markdown = renderResultsMarkdown([isolated]);
    expect(markdown).toContain('| harnesses | ours bytes/item | their bytes/item |');
    expect(markdown).toContain('| --- | ---: | ---: |');
    expect(markdown).toMatch(/\| series \| prom-client \|.*\| – \| 100 B \| 400 B \|/);
  });

  it('puts the isolated figures under the in-process table, marking ratios more than 15% apart', () => {
    const inProcess = sampleSuite('cache', [
      {
        ...sampleCase('get hit', sampleImplementation('ours', 'ours', 2e6), [
          sampleImplementation('lru-cache', 'peer', 1e6),
          sampleImplementation('lru.min', 'peer', 1e6),
        ]),
        floor: sampleImplementation('Map (floor)', 'floor', 4e6),
      },
    ]);
    const isolated: SuiteResult = {
      ...sampleSuite('cache', [
        {
          ...sampleCase('get hit', sampleImplementation('ours', 'ours', 2e6), [
            sampleImplementation('lru-cache', 'peer', 1.9e6),
            sampleImplementation('lru.min', 'peer', 1.05e6),
            sampleImplementation('new peer', 'peer', 1e6),
          ]),
          floor: sampleImplementation('Map', 'floor', 4e6),
        },
        sampleCase('only isolated', sampleImplementation('ours', 'ours', 1e6), [
          sampleImplementation('p', 'peer', 1e6),
        ]),
      ]),
      command: 'pnpm bench cache --isolated',
      harness: 'isolated',
      processes: 5,
      tables: [sampleTable],
    };
    const markdown = renderResultsMarkdown([isolated, inProcess]);
    expect(markdown.match(/^## cache$/gm)).toHaveLength(1);
    expect(markdown.indexOf('## cache')).toBeLessThan(
      markdown.indexOf('### cache · one implementation per process'),
    );
    expect(markdown).toContain(
      'Command: `pnpm bench cache --isolated` · mode full · 5 processes per implementation (one implementation per process), each running 10 rounds',
    );
    expect(markdown).toContain(
      '| get hit | lru-cache | 2.00× | 1.05× | 2.00M | 1.90M–2.10M | 1.90M | 1.80M–2.00M | ⚠ 90% apart |',
    );
    expect(markdown).toContain('| get hit | lru.min | 2.00× | 1.90× | ');
    expect(markdown).toMatch(/\| get hit \| lru\.min \|.*\| agree \|/);
    expect(markdown).toMatch(/\| get hit \| new peer \| – \| 2\.00× \|.*\| – \|/);
    expect(markdown).toMatch(/\| get hit \| Map \(floor\) \| – \| 2\.00× time \|/);
    expect(markdown).toMatch(/\| only isolated \| p \| – \| 1\.00× \|/);
    expect(markdown).toContain(`### ${sampleTable.title} · isolated`);
  });

  it('gives an isolated result of its own a suite heading and the quick-pass warning', () => {
    const isolated: SuiteResult = {
      ...sampleSuite(
        'pool',
        [
          {
            ...sampleCase('pair', sampleImplementation('ours', 'ours', 1e6), []),
            floor: sampleImplementation('queue (floor)', 'floor', 2e6),
          },
        ],
        'quick',
      ),
      harness: 'isolated',
    };
    const markdown = renderResultsMarkdown([isolated]);
    expect(markdown).toContain('## pool\n\nThe pool suite.');
    expect(markdown).toContain('### pool · one implementation per process');
    expect(markdown).toContain('0 processes per implementation');
    expect(markdown).toContain('> Quick smoke pass');
    expect(markdown).toMatch(/\| pair \| queue \(floor\) \| – \| 2\.00× time \|/);
  });
});

describe('agreement', () => {
  it('marks two figures more than 15% apart, larger over smaller, and needs both', () => {
    expect(agreement(1, 1.15)).toBe('agree');
    expect(agreement(1.16, 1)).toBe('⚠ 16% apart');
    expect(agreement(null, 1)).toBe('–');
    expect(agreement(1, 0)).toBe('–');
    expect(agreement(1, Number.POSITIVE_INFINITY)).toBe('–');
  });
});
