import { Coalescer } from '@breakwater/coalescer';
import { LRUCache } from 'lru-cache';
import {
  type BenchCase,
  implementation,
  type SuiteDefinition,
} from '../runner/suite-definition.js';
import { floorTable } from './speed-targets.js';

export interface CoalescerSuiteConfig {
  /** Calls made at once per measured call, before any of them settles. */
  readonly calls: number;
}

export const defaultCoalescerSuiteConfig: CoalescerSuiteConfig = { calls: 100 };

/** What every implementation's measured call returns: checked for equality. */
export interface BatchOutcome {
  /** Sum of the values the calls got. */
  readonly sum: number;
  /** Executions of the loader during the batch. */
  readonly executions: number;
}

/** Counts the loader's executions; each resolves with 7. */
interface Counter {
  executions: number;
}

const VALUE = 7;

function loader(counter: Counter): () => Promise<number> {
  return () => {
    counter.executions++;
    return Promise.resolve(VALUE);
  };
}

/** The keys of a batch: one hot key, or one key per call. */
function batchKeys(calls: number, distinct: boolean): readonly string[] {
  return Array.from({ length: calls }, (_, i) => (distinct ? `key:${i}` : 'key:hot'));
}

async function measure(
  counter: Counter,
  keys: readonly string[],
  call: (key: string) => Promise<number>,
): Promise<BatchOutcome> {
  const before = counter.executions;
  const pending: Promise<number>[] = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) pending[i] = call(keys[i]!);
  const values = await Promise.all(pending);
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return { sum, executions: counter.executions - before };
}

/**
 * The least a coalescer can be: a `Map` of promises in flight, each removed when it settles.
 * No abort, no per-caller signal, no stats.
 */
export class PromiseMap {
  readonly #map = new Map<string, Promise<number>>();

  run(key: string, load: () => Promise<number>): Promise<number> {
    let promise = this.#map.get(key);
    if (promise === undefined) {
      promise = load();
      this.#map.set(key, promise);
      const remove = (): void => {
        this.#map.delete(key);
      };
      promise.then(remove, remove);
    }
    return promise;
  }

  get size(): number {
    return this.#map.size;
  }
}

function coalescerCase(name: string, description: string, keys: readonly string[]): BenchCase {
  return {
    name,
    description,
    opsPerCall: keys.length,
    check: true,
    ours: implementation({
      name: 'Coalescer',
      note: '`@breakwater/coalescer` `new Coalescer()` (defaults: shared only while in flight).',
      setup: () => {
        const counter: Counter = { executions: 0 };
        return { counter, coalescer: new Coalescer<string, number>(), load: loader(counter) };
      },
      fn: ({ counter, coalescer, load }) =>
        measure(counter, keys, (key) => coalescer.run(key, load)),
    }),
    peers: [
      implementation({
        name: 'lru-cache fetch',
        note:
          'v11 `new LRUCache({ max: 1000, fetchMethod })`; `fetch(key)` shares a fetch in ' +
          'flight. It keeps the value afterwards, so each batch ends with `clear()` to run ' +
          'fresh the next time, as the others do.',
        setup: () => {
          const counter: Counter = { executions: 0 };
          const load = loader(counter);
          const cache = new LRUCache<string, number>({ max: 1000, fetchMethod: () => load() });
          return { counter, cache };
        },
        fn: async ({ counter, cache }) => {
          const outcome = await measure(
            counter,
            keys,
            (key) => cache.fetch(key) as Promise<number>,
          );
          cache.clear();
          return outcome;
        },
      }),
    ],
    floor: implementation({
      name: 'Map of promises',
      note:
        'A `Map` from key to the promise in flight, deleted when it settles: no abort, no ' +
        'signals, no stats.',
      setup: () => {
        const counter: Counter = { executions: 0 };
        return { counter, map: new PromiseMap(), load: loader(counter) };
      },
      fn: ({ counter, map, load }) => measure(counter, keys, (key) => map.run(key, load)),
    }),
  };
}

/** Case names, shared by the cases and the tests. */
export const caseNames = {
  joined: (calls: number) => `${calls} concurrent calls · one key`,
  distinct: (calls: number) => `${calls} concurrent calls · ${calls} keys`,
} as const;

/** The coalescer suite for `config`; tests build it small. */
export function createCoalescerSuite(config: CoalescerSuiteConfig): SuiteDefinition {
  const { calls } = config;
  return {
    name: 'coalescer',
    description:
      '`Coalescer` (`@breakwater/coalescer`) against `lru-cache`’s `fetch` and a plain `Map` ' +
      'of promises (the floor): calls of one key joining one execution, and calls of ' +
      'distinct keys each running their own.',
    cases: [
      coalescerCase(
        caseNames.joined(calls),
        `${calls} calls of one key made at once: one execution, ${calls - 1} calls join it ` +
          '(the sum of the values and the executions are compared)',
        batchKeys(calls, false),
      ),
      coalescerCase(
        caseNames.distinct(calls),
        `${calls} calls of ${calls} distinct keys made at once: ${calls} executions, no joins ` +
          '(the sum of the values and the executions are compared)',
        batchKeys(calls, true),
      ),
    ],
    tables: ({ cases }) => [
      floorTable(cases, {
        unit: 'call',
        notes: ['Target: a joined call within 1.2× of the `Map` of promises.'],
      }),
    ],
  };
}

export const suite = createCoalescerSuite(defaultCoalescerSuiteConfig);
