import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Batcher } from './batcher.js';
import { isBatcherFullError, isBatchResultError } from './errors.js';
import type { BatchContext } from './options.js';
import { WriteBehindBatcher } from './write-behind.js';

const endOfTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

type Mode = 'ok' | 'throw' | 'slot' | 'count';
type Action =
  | { kind: 'add'; abortable: boolean }
  | { kind: 'abort'; pick: number }
  | { kind: 'flush' }
  | { kind: 'settle'; pick: number; mode: Mode }
  | { kind: 'tick' };

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('add' as const), abortable: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('abort' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('flush' as const) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('settle' as const),
      pick: fc.nat(),
      mode: fc.constantFrom<Mode>('ok', 'ok', 'throw', 'slot', 'count'),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const) }) },
);

interface Call {
  items: number[];
  ctx: BatchContext;
  resolve: (results: ReadonlyArray<number | Error>) => void;
  reject: (error: unknown) => void;
  settled: boolean;
}

interface Add {
  id: number;
  controller: AbortController | undefined;
  outcome: { ok: true; value: number } | { ok: false; error: unknown } | undefined;
  settles: number;
}

describe('Batcher model', () => {
  it('settles every add once, with its own result, never over maxPending, nothing processed twice', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          maxBatchSize: fc.integer({ min: 1, max: 5 }),
          maxPending: fc.oneof(
            fc.integer({ min: 1, max: 8 }),
            fc.constant(Number.POSITIVE_INFINITY),
          ),
          onFull: fc.constantFrom('wait' as const, 'reject' as const),
          concurrency: fc.integer({ min: 1, max: 3 }),
        }),
        fc.array(action, { maxLength: 60 }),
        async (options, actions) => {
          const calls: Call[] = [];
          const batcher = new Batcher<number, number>({
            ...options,
            process: (items, ctx) =>
              new Promise((resolve, reject) => {
                calls.push({ items: [...items], ctx, resolve, reject, settled: false });
              }),
          });
          const adds: Add[] = [];
          const settle = (call: Call, mode: Mode) => {
            call.settled = true;
            if (mode === 'throw') call.reject(new Error('batch failed'));
            else if (mode === 'count') call.resolve(call.items.slice(1));
            else
              call.resolve(
                call.items.map((id) =>
                  mode === 'slot' && id % 2 === 1 ? new Error(`slot ${id}`) : id * 2,
                ),
              );
          };
          const check = () => {
            const stats = batcher.stats();
            expect(stats.pending).toBeLessThanOrEqual(options.maxPending);
            expect(stats.inFlight).toBeLessThanOrEqual(options.concurrency);
          };
          for (const step of actions) {
            switch (step.kind) {
              case 'add': {
                const add: Add = {
                  id: adds.length,
                  controller: step.abortable ? new AbortController() : undefined,
                  outcome: undefined,
                  settles: 0,
                };
                adds.push(add);
                const signal = add.controller?.signal;
                batcher.add(add.id, signal === undefined ? undefined : { signal }).then(
                  (value) => {
                    add.settles++;
                    add.outcome = { ok: true, value };
                  },
                  (error: unknown) => {
                    add.settles++;
                    add.outcome = { ok: false, error };
                  },
                );
                break;
              }
              case 'abort': {
                const abortable = adds.filter((a) => a.controller !== undefined);
                if (abortable.length > 0) {
                  const add = abortable[step.pick % abortable.length]!;
                  add.controller!.abort(`abort ${add.id}`);
                }
                break;
              }
              case 'flush':
                void batcher.flush();
                break;
              case 'settle': {
                const open = calls.filter((c) => !c.settled);
                if (open.length > 0) settle(open[step.pick % open.length]!, step.mode);
                break;
              }
              case 'tick':
                await endOfTick();
                break;
            }
            check();
          }
          let closed = false;
          void batcher.close().then(() => {
            closed = true;
          });
          for (let round = 0; round < 200 && !closed; round++) {
            for (const call of calls) if (!call.settled) settle(call, 'ok');
            await endOfTick();
            check();
          }
          expect(closed).toBe(true);
          await endOfTick();

          const seen = new Map<number, number>();
          for (const call of calls) {
            expect(call.items.length).toBeGreaterThan(0);
            expect(call.items.length).toBeLessThanOrEqual(options.maxBatchSize);
            for (const id of call.items) seen.set(id, (seen.get(id) ?? 0) + 1);
          }
          for (const add of adds) {
            expect(add.settles).toBe(1);
            expect(seen.get(add.id) ?? 0).toBeLessThanOrEqual(1);
            const outcome = add.outcome!;
            if (outcome.ok) {
              expect(outcome.value).toBe(add.id * 2);
              expect(seen.get(add.id)).toBe(1);
            } else {
              const error = outcome.error;
              const known =
                error === `abort ${add.id}` ||
                isBatcherFullError(error) ||
                isBatchResultError(error) ||
                (error instanceof Error &&
                  (error.message === 'batch failed' || error.message === `slot ${add.id}`));
              expect(known).toBe(true);
              if (isBatcherFullError(error)) {
                expect(options.onFull).toBe('reject');
                expect(seen.has(add.id)).toBe(false);
              }
            }
          }
          const stats = batcher.stats();
          expect(stats).toMatchObject({ pending: 0, waiting: 0, inFlight: 0, processing: 0 });
          expect(stats.fulfilled + stats.failed + stats.aborted + stats.rejected).toBe(adds.length);
          const batches = Object.values(stats.batches).reduce((a, b) => a + b, 0);
          expect(batches).toBe(calls.length);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('WriteBehindBatcher model', () => {
  it('writes or dead-letters every accepted item exactly once, and no refused one', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          maxBatchSize: fc.integer({ min: 1, max: 4 }),
          maxPending: fc.oneof(
            fc.integer({ min: 1, max: 6 }),
            fc.constant(Number.POSITIVE_INFINITY),
          ),
          onFull: fc.constantFrom('wait' as const, 'reject' as const),
          concurrency: fc.integer({ min: 1, max: 2 }),
          maxAttempts: fc.integer({ min: 1, max: 3 }),
        }),
        fc.array(
          fc.oneof(
            fc.record({
              kind: fc.constant('add' as const),
              abortable: fc.boolean(),
              abortNow: fc.boolean(),
            }),
            fc.record({ kind: fc.constant('tick' as const) }),
            fc.record({ kind: fc.constant('flush' as const) }),
          ),
          { maxLength: 40 },
        ),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }),
        async (options, actions, failures) => {
          const { maxAttempts, ...batching } = options;
          let writeCount = 0;
          const written: number[] = [];
          const dead: number[] = [];
          const sink = new WriteBehindBatcher<number>({
            ...batching,
            retry: { maxAttempts, backoff: { type: 'constant', delayMs: 0 } },
            write: async (items) => {
              await Promise.resolve();
              const fail = failures[writeCount++ % failures.length]!;
              if (fail) throw new Error('write failed');
              written.push(...items);
            },
            deadLetter: (items) => {
              dead.push(...items);
            },
          });
          const accepted = new Set<number>();
          const refused = new Set<number>();
          const adds: Promise<void>[] = [];
          let next = 0;
          for (const step of actions) {
            if (step.kind === 'add') {
              const id = next++;
              const controller = step.abortable ? new AbortController() : undefined;
              const signal = controller?.signal;
              adds.push(
                sink.add(id, signal === undefined ? undefined : { signal }).then(
                  () => {
                    accepted.add(id);
                  },
                  () => {
                    refused.add(id);
                  },
                ),
              );
              if (step.abortNow) controller?.abort();
            } else if (step.kind === 'tick') {
              await endOfTick();
            } else {
              void sink.flush();
            }
            expect(sink.stats().pending).toBeLessThanOrEqual(batching.maxPending);
          }
          await sink.close();
          await Promise.all(adds);
          expect(accepted.size + refused.size).toBe(next);
          const all = [...written, ...dead].sort((a, b) => a - b);
          expect(all).toEqual([...accepted].sort((a, b) => a - b));
          const stats = sink.stats();
          expect(stats.written).toBe(written.length);
          expect(stats.deadLettered).toBe(dead.length);
          expect(stats.items).toBe(accepted.size);
          expect(stats).toMatchObject({ pending: 0, waiting: 0, inFlight: 0 });
        },
      ),
      { numRuns: 150 },
    );
  });
});
