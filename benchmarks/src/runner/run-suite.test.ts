import { describe, expect, it, vi } from 'vitest';
import { runSuite } from './run-suite.js';
import type { StaticTable } from './static-table.js';
import type { SuiteDefinition } from './suite-definition.js';

const table: StaticTable = {
  title: 'Hit ratio',
  columns: [{ label: 'trace' }, { label: 'hits', unit: '%' }],
  rows: [['loop', 48.8]],
};

function suiteWith(tables?: SuiteDefinition['tables']): SuiteDefinition {
  return {
    name: 'tabled',
    description: 'A suite with a static table.',
    cases: [
      { name: 'same', ours: { name: 'ours', fn: () => 1 }, peers: [{ name: 'p', fn: () => 1 }] },
    ],
    ...(tables === undefined ? {} : { tables }),
  };
}

const options = {
  settings: { warmupRounds: 0, rounds: 1, roundMs: 0.01 },
  mode: 'quick' as const,
  command: 'pnpm bench tabled',
  gc: undefined,
};

describe('runSuite', () => {
  it('computes the static tables after the last case and keeps them in the result', async () => {
    const events: string[] = [];
    const result = await runSuite(
      suiteWith(async ({ mode, cases, log }) => {
        events.push(`tables (${mode}) after ${cases.map((c) => c.name).join(', ')}`);
        log('a note');
        return [table];
      }),
      {
        ...options,
        onCase: (c) => events.push(`case ${c.name}`),
        onTable: (t) => events.push(`table ${t.title}`),
        log: (line) => events.push(`log ${line}`),
      },
    );
    expect(events).toEqual([
      'case same',
      'tables (quick) after same',
      'log a note',
      'table Hit ratio',
    ]);
    expect(result.tables).toEqual([table]);
  });

  it('writes no `tables` key when the suite has none or computes none', async () => {
    expect(await runSuite(suiteWith(), options)).not.toHaveProperty('tables');
    const tables = vi.fn(({ log }: { log: (line: string) => void }) => {
      log('nothing to show');
      return [];
    });
    expect(await runSuite(suiteWith(tables), options)).not.toHaveProperty('tables');
    expect(tables).toHaveBeenCalledTimes(1);
  });

  it('runs the suite setup before the first case and its teardown last, even on a throw', async () => {
    const events: string[] = [];
    const base = suiteWith(() => {
      events.push('tables');
      return [];
    });
    const suite: SuiteDefinition = {
      ...base,
      setup: async () => {
        events.push('setup');
      },
      teardown: () => {
        events.push('teardown');
      },
      cases: [
        {
          name: 'logged',
          ours: { name: 'ours', fn: () => 1, setup: () => events.push('case') },
          peers: [{ name: 'p', fn: () => 1 }],
        },
      ],
    };
    await runSuite(suite, options);
    expect(events).toEqual(['setup', 'case', 'tables', 'teardown']);
    events.length = 0;
    const failing: SuiteDefinition = {
      ...suite,
      cases: [
        {
          name: 'boom',
          ours: {
            name: 'ours',
            fn: () => {
              throw new Error('boom');
            },
          },
          peers: [{ name: 'p', fn: () => 1 }],
        },
      ],
    };
    await expect(runSuite(failing, options)).rejects.toThrow('boom');
    expect(events).toEqual(['setup', 'teardown']);
  });
});
