import { WriteBehindBatcher } from '@breakwater/batcher';
import { type BenchCase, implementation } from '../../runner/suite-definition.js';

/** What one measured call wrote: the items and their sum, compared across implementations. */
export interface Written {
  readonly items: number;
  readonly batches: number;
  readonly sum: number;
}

/** The sink every implementation writes to: it counts batches and items and sums them. */
export class CountingSink {
  items = 0;
  batches = 0;
  sum = 0;

  write(items: readonly number[]): void {
    this.batches++;
    this.items += items.length;
    for (let i = 0; i < items.length; i++) this.sum += items[i]!;
  }

  /** What was written since `before`. */
  since(before: Written): Written {
    return {
      items: this.items - before.items,
      batches: this.batches - before.batches,
      sum: this.sum - before.sum,
    };
  }

  snapshot(): Written {
    return { items: this.items, batches: this.batches, sum: this.sum };
  }
}

/**
 * The write-behind queue most code starts with: an array, a `setInterval` that writes what
 * it holds, and a write as soon as it reaches the batch size. No backpressure, no retry, no
 * dead letter: a failed write loses its items.
 */
export class IntervalFlusher {
  #buffer: number[] = [];
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #sink: CountingSink;
  readonly #size: number;

  constructor(sink: CountingSink, size: number, intervalMs: number) {
    this.#sink = sink;
    this.#size = size;
    this.#timer = setInterval(() => this.flush(), intervalMs);
    this.#timer.unref();
  }

  add(item: number): void {
    this.#buffer.push(item);
    if (this.#buffer.length >= this.#size) this.flush();
  }

  flush(): void {
    if (this.#buffer.length === 0) return;
    const batch = this.#buffer;
    this.#buffer = [];
    this.#sink.write(batch);
  }

  close(): void {
    clearInterval(this.#timer);
    this.flush();
  }
}

interface State<Q> {
  readonly sink: CountingSink;
  readonly queue: Q;
}

export interface WriteBehindCaseOptions {
  readonly name: string;
  /** Items added per measured call. */
  readonly items: number;
  /** Items per written batch. */
  readonly batchSize: number;
  /** The flush interval / `maxDelayMs`. */
  readonly delayMs: number;
}

/**
 * `items` adds, then a flush, into a sink that counts and sums: ours awaits each `add` (as a
 * caller that honours backpressure does) and awaits `flush()`; the interval flusher's `add`
 * and `flush` are synchronous. Each call returns what it wrote, compared across them.
 */
export function writeBehindCase(options: WriteBehindCaseOptions): BenchCase {
  const { name, items, batchSize, delayMs } = options;
  return {
    name,
    description:
      `${items} items added one by one, then a flush, written in batches of ${batchSize} to a ` +
      'sink that counts and sums them (items, batches and sum are compared)',
    opsPerCall: items,
    check: true,
    ours: implementation<State<WriteBehindBatcher<number>>>({
      name: 'WriteBehindBatcher',
      note:
        `\`@breakwater/batcher\` \`new WriteBehindBatcher({ write, deadLetter, maxBatchSize: ${batchSize}, ` +
        `maxDelayMs: ${delayMs} })\`: default retry policy (3 attempts) and concurrency 1; ` +
        '`await sink.add(item)` for each item, then `await sink.flush()`.',
      setup: () => {
        const sink = new CountingSink();
        const queue = new WriteBehindBatcher<number>({
          write: (batch) => sink.write(batch),
          deadLetter: () => {},
          maxBatchSize: batchSize,
          maxDelayMs: delayMs,
        });
        return { sink, queue };
      },
      fn: async ({ sink, queue }) => {
        const before = sink.snapshot();
        for (let i = 0; i < items; i++) await queue.add(i);
        await queue.flush();
        return sink.since(before);
      },
      teardown: ({ queue }) => queue.close(),
    }),
    peers: [
      implementation<State<IntervalFlusher>>({
        name: 'setInterval flusher',
        note:
          `An array, a \`setInterval\` of ${delayMs} ms that writes it, and a write when it reaches ` +
          `${batchSize} items; \`add\` and \`flush\` are synchronous. No backpressure, retry or ` +
          'dead letter.',
        setup: () => {
          const sink = new CountingSink();
          return { sink, queue: new IntervalFlusher(sink, batchSize, delayMs) };
        },
        fn: ({ sink, queue }) => {
          const before = sink.snapshot();
          for (let i = 0; i < items; i++) queue.add(i);
          queue.flush();
          return sink.since(before);
        },
        teardown: ({ queue }) => queue.close(),
      }),
    ],
    floor: implementation<CountingSink>({
      name: 'array + write per batch (floor)',
      note:
        'Not a queue: the items pushed into an array, written every ' +
        `${batchSize} items, in one synchronous loop. The least a batched write costs.`,
      setup: () => new CountingSink(),
      fn: (sink) => {
        const before = sink.snapshot();
        let batch: number[] = [];
        for (let i = 0; i < items; i++) {
          batch.push(i);
          if (batch.length === batchSize) {
            sink.write(batch);
            batch = [];
          }
        }
        if (batch.length > 0) sink.write(batch);
        return sink.since(before);
      },
    }),
  };
}
