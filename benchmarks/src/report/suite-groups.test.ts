import { describe, expect, it } from 'vitest';
import type { SuiteResult } from '../runner/results.js';
import { sampleSuite } from './sample-results.fixture.js';
import { groupBySuite, inReportOrder } from './suite-groups.js';

const isolated = (suite: string): SuiteResult => ({
  ...sampleSuite(suite, []),
  harness: 'isolated',
});

describe('suite groups', () => {
  it('pairs each suite’s in-process and isolated results, in order of first appearance', () => {
    const cacheIsolated = isolated('cache');
    const cache = sampleSuite('cache', []);
    const pool = isolated('pool');
    const core = { ...sampleSuite('core', []), harness: 'in-process' as const };
    expect(groupBySuite([cacheIsolated, cache, pool, core])).toEqual([
      { suite: 'cache', inProcess: cache, isolated: cacheIsolated },
      { suite: 'pool', isolated: pool },
      { suite: 'core', inProcess: core },
    ]);
    expect(inReportOrder([cacheIsolated, cache, pool])).toEqual([cache, cacheIsolated, pool]);
  });
});
