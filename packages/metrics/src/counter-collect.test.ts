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

  it('runs once per scrape when a collect scrapes the registry itself', async () => {
    const registry = new Registry();
    const inner: string[] = [];
    let calls = 0;
    registry.gauge({
      name: 'a',
      help: 'A.',
      collect: (gauge) => {
        calls++;
        gauge.set(calls);
        // A scrape from within: it writes this metric as it is, without collecting it again.
        inner.push(registry.text());
      },
    });
    registry.counter({ name: 'b', help: 'B.', collect: (counter) => counter.inc() });
    const outer = registry.text();
    expect(calls).toBe(1);
    expect(outer).toContain('a 1\n');
    expect(inner[0]).toContain('a 1\n');
    // The inner scrape collected the counter; the outer one collects it again.
    expect(inner[0]).toContain('b_total 1\n');
    expect(outer).toContain('b_total 2\n');
    const later = registry.textAsync();
    await expect(later).resolves.toContain('a 2\n');
    expect(calls).toBe(2);
  });
});
