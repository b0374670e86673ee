import { describeValue } from './describe-value.js';

/**
 * Past this nesting depth the fast pass hands over to the careful pass, which tracks
 * ancestors: a cyclic value is therefore detected without paying for cycle tracking on
 * the ordinary, shallow keys that make up nearly every call.
 */
const FAST_DEPTH = 64;

/** Signals the fast pass met something it does not serialise; the careful pass explains. */
const BAIL = Symbol('bail');

/** Printable ASCII without `"` or `\\`: JSON writes such a string verbatim between quotes. */
const VERBATIM = /^[ !#-[\]-~]*$/;

/** Below this many keys an insertion sort beats `Array.prototype.sort`. */
const INSERTION_SORT_MAX = 24;

/**
 * Serialises a key-like value deterministically: plain objects with their keys sorted,
 * arrays in order, strings, finite numbers, booleans and `null`. Two values that are
 * deeply equal as data give the same string whatever their key insertion order.
 *
 * The output is valid JSON with every object's keys sorted by UTF-16 code units
 * (`Array.prototype.sort`'s order; integer-like keys such as `"10"` sort as strings
 * too). For objects without integer-like keys it is identical to `JSON.stringify` of a
 * key-sorted copy. Object properties whose value is `undefined` are omitted, as JSON
 * does; symbol-keyed properties are ignored.
 *
 * Anything JSON would drop or distort is rejected rather than silently merged with
 * another key: cycles, `undefined` outside object properties, `NaN`/`Infinity`,
 * bigints, symbols, functions, and non-plain objects (`Date`, `Map`, class
 * instances, ...).
 *
 * @throws TypeError naming the offending path, e.g. ``stableKey: cannot serialise an
 *   instance of Date at `$.when` ...``.
 */
export function stableKey(value: unknown): string {
  const out = fast(value, 0);
  return out === BAIL ? careful(value, '$', []) : out;
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  // Null prototype, or an `Object.prototype` from any realm (whose own prototype is null).
  return proto === Object.prototype || proto === null || Object.getPrototypeOf(proto) === null;
}

/** JSON string literal of an object key; skips `JSON.stringify` for plain ASCII keys. */
function quoteKey(key: string): string {
  return VERBATIM.test(key) ? `"${key}"` : JSON.stringify(key);
}

/**
 * Sorts keys in place by UTF-16 code units, the order of `Array.prototype.sort()`
 * (string `>` compares the same way), with an insertion sort for the usual few keys.
 */
function sortKeys(keys: string[]): string[] {
  if (keys.length > INSERTION_SORT_MAX) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

function fast(value: unknown, depth: number): string | typeof BAIL {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? `${value}` : BAIL;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (depth === FAST_DEPTH) return BAIL;
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          const item = fast(value[i], depth + 1);
          if (item === BAIL) return BAIL;
          out += i === 0 ? item : `,${item}`;
        }
        return `${out}]`;
      }
      if (!isPlainObject(value)) return BAIL;
      const record = value as Record<string, unknown>;
      const keys = sortKeys(Object.keys(record));
      let out = '{';
      let first = true;
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!;
        const field = record[key];
        if (field === undefined) continue;
        const item = fast(field, depth + 1);
        if (item === BAIL) return BAIL;
        out += `${first ? '' : ','}${quoteKey(key)}:${item}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      return BAIL;
  }
}

function reject(what: string, path: string, hint: string): never {
  throw new TypeError(`stableKey: cannot serialise ${what} at \`${path}\`; ${hint}`);
}

/** Slow path: same output as `fast`, with ancestor tracking and precise errors. */
function careful(value: unknown, path: string, ancestors: object[]): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) {
        reject(
          describeValue(value),
          path,
          'only finite numbers are allowed (JSON would turn it into null)',
        );
      }
      return `${value}`;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return reject(
        '`undefined`',
        path,
        'only object properties may be undefined (they are omitted)',
      );
    case 'object': {
      if (value === null) return 'null';
      if (ancestors.includes(value)) {
        reject('a cyclic reference', path, 'the value refers back to one of its own ancestors');
      }
      if (!Array.isArray(value) && !isPlainObject(value)) {
        reject(
          describeValue(value),
          path,
          'only plain objects, arrays, strings, finite numbers, booleans and null are allowed; convert it first (e.g. a Date to its ISO string)',
        );
      }
      ancestors.push(value);
      let out: string;
      if (Array.isArray(value)) {
        out = `[${value.map((item, i) => careful(item, `${path}[${i}]`, ancestors)).join(',')}]`;
      } else {
        const record = value as Record<string, unknown>;
        const parts: string[] = [];
        for (const key of sortKeys(Object.keys(record))) {
          if (record[key] === undefined) continue;
          const child = /^[A-Za-z_$][\w$]*$/.test(key)
            ? `${path}.${key}`
            : `${path}[${JSON.stringify(key)}]`;
          parts.push(`${quoteKey(key)}:${careful(record[key], child, ancestors)}`);
        }
        out = `{${parts.join(',')}}`;
      }
      ancestors.pop();
      return out;
    }
    default:
      return reject(
        describeValue(value),
        path,
        'only plain objects, arrays, strings, finite numbers, booleans and null are allowed',
      );
  }
}
