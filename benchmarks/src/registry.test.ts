import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { suiteModules, suiteRegistry } from './registry.js';

describe('suiteRegistry', () => {
  it('loads, for every name, a suite of that name with cases that each have a peer', async () => {
    for (const [name, load] of Object.entries(suiteRegistry)) {
      const { suite } = await load();
      expect(suite.name).toBe(name);
      // A suite without timed cases measures in its static tables (the application suite).
      expect(suite.cases.length > 0 || suite.tables !== undefined).toBe(true);
      for (const benchCase of suite.cases) {
        expect(benchCase.peers.length).toBeGreaterThan(0);
      }
    }
  });

  it('gives each suite a module URL its isolated child processes import', () => {
    expect(Object.keys(suiteModules)).toEqual(Object.keys(suiteRegistry));
    for (const [name, url] of Object.entries(suiteModules)) {
      // Compiled next to the registry: dist/suites/<name>.js; the sources hold <name>.ts.
      expect(url).toMatch(new RegExp(`/suites/${name}\\.js$`));
      expect(existsSync(fileURLToPath(url.replace(/\.js$/, '.ts')))).toBe(true);
    }
  });
});
