import { describe, expect, it } from 'vitest';
import { Cache } from './cache.js';
import { deferredLoads, tick } from './test-support.fixture.js';

describe('fetch after a delete/clear that superseded a running load', () => {
  it('does not hand a caller that arrived after delete() the pre-delete load result', async () => {
    const { calls, load } = deferredLoads<string>();
    const cache = new Cache<string, string>({ max: 10, load });
    const before = cache.fetch('k'); // load #1 starts (reads the old data)
    await tick();
    cache.delete('k'); // e.g. the data changed: invalidate
    const after = cache.fetch('k'); // should load again, not join load #1
    await tick();
    calls[0]!.resolve('old');
    calls[1]?.resolve('new');
    expect(await before).toBe('old');
    expect(calls).toHaveLength(2);
    expect(await after).toBe('new');
  });

  it('same after clear()', async () => {
    const { calls, load } = deferredLoads<string>();
    const cache = new Cache<string, string>({ max: 10, load });
    const before = cache.fetch('k');
    await tick();
    cache.clear();
    const after = cache.fetch('k');
    await tick();
    calls[0]!.resolve('old');
    calls[1]?.resolve('new');
    expect(await before).toBe('old');
    expect(await after).toBe('new');
  });
});
