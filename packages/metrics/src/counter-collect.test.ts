import { describe, expect, it } from 'vitest';
import { Registry } from './registry.js';

describe('counter collect', () => {
  it('runs at every scrape, before the value is written', () => {
    const registry = new Registry();
    let source = 0;
    let seen = 0;
    registry.counter({
      name: 'jobs_done_total',
      help: 'Jobs done.',
      collect: (counter) => {
        counter.inc(source - seen);
        seen = source;
      },
    });
    expect(registry.text()).toContain('jobs_done_total 0\n');
    source = 5;
    expect(registry.text()).toContain('jobs_done_total 5\n');
    source = 7;
    expect(registry.text('openmetrics')).toContain('jobs_done_total 7\n');
  });

  it('throws from the scrape when it throws', () => {
    const registry = new Registry();
    registry.counter({
      name: 'broken',
      help: 'Broken.',
      collect: () => {
        throw new Error('source down');
      },
    });
    expect(() => registry.text()).toThrow('source down');
  });

  it('refuses a collect that is not a function', () => {
    expect(() => new Registry().counter({ name: 'c', help: 'C.', collect: 1 as never })).toThrow(
      TypeError,
    );
  });
});
