import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Registry } from './registry.js';
import { normalizeRoute } from './route.js';

describe('normalizeRoute', () => {
  it('replaces numeric, UUID and long hex segments with :id and drops query and fragment', () => {
    expect(normalizeRoute('/users/123')).toBe('/users/:id');
    expect(normalizeRoute('/users/123/orders/45?page=2')).toBe('/users/:id/orders/:id');
    expect(normalizeRoute('/o/550e8400-e29b-41d4-a716-446655440000/items')).toBe('/o/:id/items');
    expect(normalizeRoute('/blobs/5f3a9c0d1e2b4a6f7c8d9e0f#top')).toBe('/blobs/:id');
    expect(normalizeRoute('/x?a=/1#b')).toBe('/x');
    expect(normalizeRoute('/page#a?b')).toBe('/page');
    expect(normalizeRoute('/users/me/v2/deadbeefdeadbeef')).toBe('/users/me/v2/deadbeefdeadbeef');
    expect(normalizeRoute('/')).toBe('/');
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.webPath(), (path) => {
        const once = normalizeRoute(path);
        expect(normalizeRoute(once)).toBe(once);
      }),
    );
  });
});

describe('normalize option', () => {
  it('puts values that normalize alike into one series, before the limits count them', () => {
    const registry = new Registry();
    const counter = registry.counter({
      name: 'requests',
      help: 'Requests.',
      labelNames: ['route', 'method'],
      normalize: { route: normalizeRoute },
      maxLabelValues: { route: 2 },
    });
    for (let id = 0; id < 1000; id++) counter.inc({ route: `/users/${id}`, method: 'GET' });
    counter.labels({ route: '/users/7?x', method: 'GET' }).inc();
    expect(counter.seriesCount).toBe(1);
    expect(counter.get({ route: '/users/:id', method: 'GET' })).toBe(1001);
    expect(counter.overflowed).toBe(0);
  });

  it('runs each normalizer once per call, when the series is found, created or overflows', () => {
    const calls: string[] = [];
    const counter = new Registry().counter({
      name: 'c',
      help: 'C.',
      labelNames: ['route', 'code'],
      maxSeries: 1,
      normalize: {
        route: (value) => {
          calls.push(value);
          return value.toLowerCase();
        },
      },
    });
    counter.inc({ route: '/A', code: 200 }); // created
    expect(calls).toEqual(['/A']);
    counter.inc({ route: '/a', code: 200 }); // found
    counter.inc({ route: '/B', code: 200 }); // past maxSeries: the overflow series
    counter.inc({ route: '__overflow__', code: '__overflow__' }); // the overflow series itself
    expect(counter.get({ route: '/Z', code: 1 })).toBe(0); // not found
    // Normalized to the marker: the overflow series.
    expect(counter.get({ route: '__OVERFLOW__', code: '__overflow__' })).toBe(2);
    expect(counter.get({ route: '__overflow__', code: '__overflow__' })).toBe(2);
    expect(calls).toEqual(['/A', '/a', '/B', '__overflow__', '/Z', '__OVERFLOW__', '__overflow__']);
    expect(counter.get({ route: '/A', code: '200' })).toBe(2);
  });

  it('refuses a non-function, an unknown label and a normalizer that returns no string', () => {
    const registry = new Registry();
    expect(() =>
      registry.counter({ name: 'c', help: 'C.', labelNames: ['a'], normalize: { a: 1 as never } }),
    ).toThrow('Expected `normalize.a` to be a function');
    expect(() =>
      registry.counter({
        name: 'c',
        help: 'C.',
        labelNames: ['a'],
        normalize: { b: String } as never,
      }),
    ).toThrow(/Unknown option `b` in `normalize`/);
    expect(() =>
      registry.counter({ name: 'c', help: 'C.', labelNames: ['a'], normalize: [] as never }),
    ).toThrow(TypeError);
    const bad = registry.counter({
      name: 'bad',
      help: 'B.',
      labelNames: ['a'],
      normalize: { a: (() => 1) as never },
    });
    expect(() => bad.inc({ a: 'x' })).toThrow(
      'Metric "bad", label "a": the normalizer returned number for "x"',
    );
    const none = registry.counter({ name: 'none', help: 'N.', labelNames: ['a'], normalize: {} });
    none.inc({ a: '1' });
    expect(none.get({ a: '1' })).toBe(1);
  });
});

describe('normalize with ttlMs', () => {
  it('does not normalize again the values of a bound child whose series expired', () => {
    const clock = {
      t: 0,
      now() {
        return this.t;
      },
    };
    const registry = new Registry({ clock });
    const counter = registry.counter({
      name: 'c',
      help: 'C.',
      labelNames: ['a'],
      ttlMs: 10,
      normalize: { a: (value) => `${value}!` },
    });
    const child = counter.labels({ a: 'x' });
    child.inc();
    clock.t = 20;
    registry.text();
    child.inc();
    expect(registry.text()).toContain('c_total{a="x!"} 1\n');
  });
});
