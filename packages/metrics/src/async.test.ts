import { createManualClock } from '@breakwater/testing';
import { describe, expect, it } from 'vitest';
import { OPENMETRICS_CONTENT_TYPE } from './exposition.js';
import { Registry } from './registry.js';

describe('textAsync', () => {
  it('writes what text writes', async () => {
    const registry = new Registry();
    registry.counter({ name: 'c', help: 'C.', labelNames: ['a'], maxSeries: 1 }).inc({ a: 'x' });
    registry.counter({ name: 'c2', help: 'C.', labelNames: ['a'], maxSeries: 1 }).inc({ a: 'y' });
    expect(await registry.textAsync('openmetrics')).toBe(registry.text('openmetrics'));
    expect(await registry.textAsync()).toBe(registry.text());
    const exposed = await registry.exposeAsync('application/openmetrics-text', { yieldEveryMs: 0 });
    expect(exposed).toEqual({
      body: registry.text('openmetrics'),
      contentType: OPENMETRICS_CONTENT_TYPE,
    });
  });

  it('lets other work run between metrics once yieldEveryMs has passed', async () => {
    const clock = createManualClock();
    const registry = new Registry({ clock });
    const order: string[] = [];
    for (const name of ['a', 'b', 'c', 'd']) {
      registry.gauge({
        name,
        help: name,
        collect: (gauge) => {
          order.push(name);
          gauge.set(1);
          clock.advance(30);
        },
      });
    }
    setImmediate(() => order.push('other work'));
    const text = await registry.textAsync('prometheus', { yieldEveryMs: 50 });
    // 30 ms per metric: the first break comes after b (60 ms), before c.
    expect(order).toEqual(['a', 'b', 'other work', 'c', 'd']);
    expect(text).toContain('# TYPE d gauge\nd 1\n');
  });

  it('refuses bad options', async () => {
    const registry = new Registry();
    await expect(registry.textAsync('prometheus', { yieldEveryMs: -1 })).rejects.toThrow(
      RangeError,
    );
    await expect(registry.textAsync('prometheus', { every: 1 } as never)).rejects.toThrow(
      /Unknown option `every`/,
    );
    await expect(registry.textAsync('xml' as never)).rejects.toThrow(RangeError);
  });
});
