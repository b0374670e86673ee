import { createLoader, type Loader } from '@breakwater/batcher';
import DataLoader from 'dataloader';
import { type BenchCase, implementation } from '../../runner/suite-definition.js';

/** The batch function every loader calls: one value per key, after an `await`. */
export const batchValues = async (keys: readonly number[]): Promise<number[]> =>
  keys.map((key) => key * 2 + 1);

/**
 * `loads` keys over `distinct` values, in a fixed order with repeats (the same for every
 * implementation): the keys a request's resolvers ask for in one tick.
 */
export function loadKeys(loads: number, distinct: number): number[] {
  return Array.from({ length: loads }, (_, i) => (i * 7) % distinct);
}

/**
 * The least a per-tick loader can do: the tick's keys in a `Map` to their promise, one
 * `batch` call at the end of the tick, each promise resolved from the results. No
 * validation, no abort, no bound: not a loader anyone should use, and not a competitor.
 */
export class FloorLoader {
  #pending = new Map<
    number,
    { resolve: (value: number) => void; reject: (e: unknown) => void; promise: Promise<number> }
  >();
  #armed = false;

  load(key: number): Promise<number> {
    const known = this.#pending.get(key);
    if (known !== undefined) return known.promise;
    let resolve!: (value: number) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<number>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.#pending.set(key, { resolve, reject, promise });
    if (!this.#armed) {
      this.#armed = true;
      Promise.resolve().then(() => process.nextTick(() => this.#dispatch()));
    }
    return promise;
  }

  #dispatch(): void {
    this.#armed = false;
    const batch = this.#pending;
    this.#pending = new Map();
    const keys = [...batch.keys()];
    batchValues(keys).then(
      (values) => {
        let i = 0;
        for (const entry of batch.values()) entry.resolve(values[i++]!);
      },
      (error: unknown) => {
        for (const entry of batch.values()) entry.reject(error);
      },
    );
  }
}

export interface LoaderCaseOptions {
  readonly name: string;
  readonly loads: number;
  readonly distinct: number;
}

/**
 * A long-lived loader answering `loads` loads made in one tick (`Promise.all`), with
 * repeats, through the same batch function; each call returns the values, compared across
 * implementations. No value outlives its tick: ours has no `cache`, DataLoader runs with
 * `cache: false`, as a long-lived loader must (its cache would keep every value forever).
 */
export function loaderCase(options: LoaderCaseOptions): BenchCase {
  const { name, loads, distinct } = options;
  const keys = loadKeys(loads, distinct);
  return {
    name,
    description:
      `${loads} \`load(key)\` calls in one tick over ${distinct} distinct keys, awaited with ` +
      '`Promise.all`; the batch function maps each key to a value after an `await` (the ' +
      'values are compared)',
    opsPerCall: loads,
    check: true,
    ours: implementation<Loader<number, number>>({
      name: 'createLoader',
      note:
        '`@breakwater/batcher` `createLoader({ batch, maxBatchSize: Infinity })`: per-tick ' +
        'batching (`maxDelayMs: 0`), no cache; loads of one key in flight share one ' +
        'load, so each batch holds distinct keys (no signal is passed, so no load goes ' +
        'through `@breakwater/coalescer`).',
      setup: () =>
        createLoader<number, number>({
          batch: batchValues,
          maxBatchSize: Number.POSITIVE_INFINITY,
        }),
      fn: (loader) => Promise.all(keys.map((key) => loader.load(key))),
      teardown: (loader) => loader.close(),
    }),
    peers: [
      implementation<DataLoader<number, number>>({
        name: 'DataLoader',
        note:
          'dataloader 2.2.3, `new DataLoader(batch, { cache: false })`: its default per-tick ' +
          'batching and no `maxBatchSize`; without its cache, repeated keys of a tick go to ' +
          'the batch function as many times as they are loaded.',
        setup: () => new DataLoader<number, number>(batchValues, { cache: false }),
        fn: (loader) => Promise.all(keys.map((key) => loader.load(key))),
      }),
      implementation<DataLoader<number, number>>({
        name: 'DataLoader (new per call, cached)',
        note:
          'dataloader 2.2.3, a `new DataLoader(batch)` per measured call, as its README ' +
          'recommends per request: its cache (a `Map` of promises) on, so repeated keys ' +
          'are loaded once; the construction is measured too.',
        fn: () => {
          const loader = new DataLoader<number, number>(batchValues);
          return Promise.all(keys.map((key) => loader.load(key)));
        },
      }),
    ],
    floor: implementation<FloorLoader>({
      name: 'Map + nextTick (floor)',
      note:
        'Not a loader: the tick’s keys in a `Map` to their promise and one batch call at the ' +
        'end of the tick, as DataLoader schedules it. No validation, abort or bound: the ' +
        'least a per-tick batched load costs.',
      setup: () => new FloorLoader(),
      fn: (loader) => Promise.all(keys.map((key) => loader.load(key))),
    }),
  };
}
