import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stableKey } from './stable-key.js';

/** Reference: the plainest possible recursive sorted-key JSON writer. */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(record[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Same data, keys inserted in reverse order. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).reverse()) {
      // defineProperty, so that a `__proto__` key stays an own data property.
      Object.defineProperty(out, key, {
        value: reversed((value as Record<string, unknown>)[key]),
        enumerable: true,
      });
    }
    return out;
  }
  return value;
}

const keyLike = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value')),
    fc.dictionary(fc.string(), tie('value')),
  ),
})).value;

describe('stableKey', () => {
  it('sorts integer-like keys as strings too, unlike property order', () => {
    expect(stableKey({ b: 1, 10: 'x', 9: 'y', '': 0 })).toBe('{"":0,"10":"x","9":"y","b":1}');
  });

  it('sorts many keys the same way as few, and escapes keys that need it', () => {
    const many: Record<string, number> = {};
    for (let i = 40; i > 0; i--) many[`k${i}`] = i;
    const expected = Object.keys(many)
      .sort()
      .map((k) => `"${k}":${many[k]}`)
      .join(',');
    expect(stableKey(many)).toBe(`{${expected}}`);
    expect(stableKey({ 'say "hi"': 1, 'back\\slash': 2, 'tab\t': 3, é: 4, '\u007f': 5 })).toBe(
      '{"back\\\\slash":2,"say \\"hi\\"":1,"tab\\t":3,"\u007f":5,"é":4}',
    );
  });

  it('sorts object keys at every level', () => {
    expect(stableKey({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('serialises primitives like JSON', () => {
    expect(stableKey('he said "hi"\n')).toBe(JSON.stringify('he said "hi"\n'));
    expect(stableKey(-0)).toBe('0');
    expect(stableKey(1e21)).toBe('1e+21');
    expect(stableKey(true)).toBe('true');
    expect(stableKey(false)).toBe('false');
    expect(stableKey(null)).toBe('null');
    expect(stableKey([])).toBe('[]');
    expect(stableKey({})).toBe('{}');
  });

  it('omits undefined object properties and ignores symbol keys', () => {
    expect(stableKey({ a: undefined, b: 1, [Symbol('s')]: 2 })).toBe('{"b":1}');
    expect(stableKey({ a: undefined })).toBe('{}');
  });

  it('keeps an own `__proto__` key as data', () => {
    expect(stableKey(JSON.parse('{"__proto__":1,"a":2}'))).toBe('{"__proto__":1,"a":2}');
  });

  it('accepts null-prototype objects and shared (non-cyclic) references', () => {
    const shared = { id: 1 };
    const bare = Object.assign(Object.create(null) as object, { b: 2, a: 1 });
    expect(stableKey({ x: shared, y: [shared], bare })).toBe(
      '{"bare":{"a":1,"b":2},"x":{"id":1},"y":[{"id":1}]}',
    );
  });

  it('writes valid JSON with sorted keys for any key-like value', () => {
    fc.assert(
      fc.property(keyLike, (value) => {
        const key = stableKey(value);
        expect(key).toBe(reference(value));
        expect(stableKey(JSON.parse(key))).toBe(key);
      }),
      { numRuns: 300 },
    );
  });

  it('does not depend on key insertion order', () => {
    fc.assert(
      fc.property(keyLike, (value) => {
        expect(stableKey(reversed(value))).toBe(stableKey(value));
      }),
      { numRuns: 300 },
    );
  });

  it('serialises deep but acyclic values past the fast-path depth', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 200; i++) deep = i % 2 === 0 ? { next: deep } : [deep];
    expect(stableKey(deep)).toBe(JSON.stringify(deep));
  });

  it('rejects a cyclic object with the path of the cycle', () => {
    const list: unknown[] = [];
    const node = { name: 'root', child: { list } };
    list.push(node);
    expect(() => stableKey(node)).toThrow(
      new TypeError(
        'stableKey: cannot serialise a cyclic reference at `$.child.list[0]`; the value refers back to one of its own ancestors',
      ),
    );
  });

  it('rejects a cyclic array', () => {
    const list: unknown[] = [1];
    list.push(list);
    expect(() => stableKey(list)).toThrow('cyclic reference at `$[1]`');
  });

  it.each([
    [{ when: new Date(0) }, 'an instance of Date at `$.when`'],
    [{ tags: new Set(['a']) }, 'an instance of Set at `$.tags`'],
    [{ 'user-id': 10n }, '`10n` (bigint) at `$["user-id"]`'],
    [[1, Number.NaN], '`NaN` (number) at `$[1]`'],
    [{ n: Number.POSITIVE_INFINITY }, '`Infinity` (number) at `$.n`'],
    [[undefined], '`undefined` at `$[0]`'],
    [undefined, '`undefined` at `$`'],
    [{ fn: () => 1 }, 'function `fn` at `$.fn`'],
    [Symbol('s'), '`Symbol(s)` (symbol) at `$`'],
    [new (class Point {})(), 'an instance of Point at `$`'],
  ])('rejects non-plain or lossy value %#: %s', (value, fragment) => {
    expect(() => stableKey(value)).toThrow(TypeError);
    expect(() => stableKey(value)).toThrow(`stableKey: cannot serialise ${fragment}`);
  });

  it('finds a problem past the fast-path depth too', () => {
    let deep: unknown = { bad: new Map() };
    for (let i = 0; i < 70; i++) deep = { n: deep };
    expect(() => stableKey(deep)).toThrow(/instance of Map at `\$(\.n){70}\.bad`/);
  });
});
