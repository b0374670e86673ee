import { describe, expect, it } from 'vitest';
import { suiteRegistry } from './registry.js';

describe('suiteRegistry', () => {
  it('loads, for every name, a suite of that name with cases that each have a peer', async () => {
    for (const [name, load] of Object.entries(suiteRegistry)) {
      const { suite } = await load();
      expect(suite.name).toBe(name);
      expect(suite.cases.length).toBeGreaterThan(0);
      for (const benchCase of suite.cases) {
        expect(benchCase.peers.length).toBeGreaterThan(0);
      }
    }
  });
});
