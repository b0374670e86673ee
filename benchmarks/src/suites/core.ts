import { createRequire } from 'node:module';
import { stableKey } from '@breakwater/core';
import type { BenchCase, SuiteDefinition } from '../runner/suite-definition.js';
import { implementation } from '../runner/suite-definition.js';
import { floorTable } from './speed-targets.js';

/** The peer is CommonJS whose typings declare an ambient `export =`; load it as Node would. */
const stringify = createRequire(import.meta.url)('fast-json-stable-stringify') as (
  value: unknown,
) => string;

/**
 * A copy of `value` whose objects list their keys in `Array.prototype.sort` order, so that
 * `JSON.stringify` of it is the stable key. Only valid for keys that are not integer-like
 * (JS enumerates those numerically, whatever the insertion order); the inputs below have none.
 */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(sortKeysDeep);
  }
  if (typeof value === 'object' && value !== null) {
    const source = value as Record<string, unknown>;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(source).sort()) {
      sorted[key] = sortKeysDeep(source[key]);
    }
    return sorted;
  }
  return value;
}

/** Query arguments of a list call, keys in the order a caller happens to write them. */
const smallFlat = {
  userId: 'u_18342',
  region: 'eu-west-1',
  limit: 50,
  includeArchived: false,
  page: 3,
};

/** A request descriptor three levels deep, with arrays of strings and of objects. */
const nestedRequest = {
  method: 'GET',
  path: '/v1/tenants/acme/orders',
  query: {
    status: ['open', 'pending'],
    sort: '-createdAt',
    page: { size: 25, cursor: 'c_9f2a71' },
    filters: [
      { field: 'total', op: 'gte', value: 100 },
      { field: 'currency', op: 'eq', value: 'EUR' },
    ],
  },
  headers: { accept: 'application/json', 'x-tenant-id': 'acme', 'accept-language': 'en-GB' },
  user: { id: 'user-42', roles: ['admin', 'billing'], mfa: true },
  retry: 0,
};

/** 50 attributes (a feature-flag or targeting context), shuffled by a fixed seed. */
function largeFlat(): Record<string, string | number | boolean> {
  const subjects = ['user', 'order', 'tenant', 'region', 'feature'];
  const subjectsMore = ['plan', 'locale', 'session', 'device', 'campaign'];
  const entries: [string, string | number | boolean][] = [];
  [...subjects, ...subjectsMore].forEach((subject, i) => {
    entries.push(
      [`${subject}Id`, `${subject}-${(i * 7919) % 10007}`],
      [`${subject}Count`, (i * 37) % 1000],
      [`${subject}Enabled`, i % 3 !== 0],
      [`${subject}Name`, `${subject} ${String.fromCharCode(65 + i)}`],
      [`${subject}Version`, 1 + i / 4],
    );
  });
  let seed = 0x2f6b_1d3a;
  for (let i = entries.length - 1; i > 0; i--) {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    const j = seed % (i + 1);
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  return Object.fromEntries(entries);
}

function keyCase(name: string, description: string, input: object): BenchCase {
  return {
    name,
    description,
    check: true,
    ours: implementation({
      name: 'stableKey',
      note: '`@breakwater/core` `stableKey(value)`: sorts keys on every call.',
      setup: () => input,
      fn: (value) => stableKey(value),
    }),
    peers: [
      implementation({
        name: 'fast-json-stable-stringify',
        note:
          'v2.1.0 with default options (no `cmp`, `cycles: false`), its documented fast path; ' +
          'it has no option that makes it faster.',
        setup: () => input,
        fn: (value) => stringify(value),
      }),
    ],
    floor: implementation({
      name: 'JSON.stringify (pre-sorted)',
      note:
        'A lower bound, not a competitor: the key-sorted copy is built once in setup, ' +
        'so each call only serialises and never sorts.',
      setup: () => sortKeysDeep(input),
      fn: (sorted) => JSON.stringify(sorted),
    }),
  };
}

/** `stableKey` against the ways a user would otherwise build a deterministic cache key. */
export const suite: SuiteDefinition = {
  name: 'core',
  description:
    '`stableKey` (deterministic cache/coalescing keys) against `JSON.stringify` of a ' +
    'pre-sorted copy (the floor: it skips sorting) and `fast-json-stable-stringify`.',
  cases: [
    keyCase(
      'small flat object (5 keys)',
      'list-call arguments: strings, numbers and a boolean',
      smallFlat,
    ),
    keyCase(
      'nested request (3 levels, arrays)',
      'method, path, query with arrays of strings and objects, headers, user',
      nestedRequest,
    ),
    keyCase(
      'large flat object (50 keys)',
      'a targeting context of 50 mixed attributes in shuffled order',
      largeFlat(),
    ),
  ],
  tables: ({ cases }) => [floorTable(cases, { unit: 'key' })],
};
