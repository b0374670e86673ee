import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { bulkhead } from './bulkhead.js';
import {
  BulkheadClosedError,
  BulkheadRejectedError,
  isBulkheadClosedError,
  isBulkheadRejectedError,
} from './errors.js';
import {
  caught,
  type Deferred,
  deferred,
  flush,
  type Outcome,
  track,
} from './policies-test-support.fixture.js';

/** An operation that logs its start, keeps its signal and settles when the test says so. */
function controlled(log: string[], name: string) {
  const work = deferred<string>();
  const state: { signal: AbortSignal | undefined; calls: number } = { signal: undefined, calls: 0 };
  const fn = ({ signal }: { signal: AbortSignal }): Promise<string> => {
    log.push(`start ${name}`);
    state.signal = signal;
    state.calls++;
    return work.promise;
  };
  return { fn, work, state };
}

describe('bulkhead', () => {
  it('runs at most maxConcurrent calls and starts queued ones first in, first out', async () => {
    const policy = bulkhead({ maxConcurrent: 2, maxQueue: 3 });
    const log: string[] = [];
    const calls = ['a', 'b', 'c', 'd', 'e'].map((name) => {
      const { fn, work } = controlled(log, name);
      return { work, outcome: track(policy.execute(fn)) };
    });
    await flush();
    expect(log).toEqual(['start a', 'start b']);
    expect(policy.stats()).toEqual({ running: 2, queued: 3, rejected: 0 });

    calls[1]?.work.resolve('b');
    await flush();
    expect(log).toEqual(['start a', 'start b', 'start c']);
    expect(calls[1]?.outcome).toMatchObject({ status: 'fulfilled', value: 'b' });

    calls[0]?.work.reject(new Error('a failed'));
    await flush();
    expect(log).toEqual(['start a', 'start b', 'start c', 'start d']);
    expect(calls[0]?.outcome).toMatchObject({ status: 'rejected', error: new Error('a failed') });
    expect(policy.stats()).toEqual({ running: 2, queued: 1, rejected: 0 });

    for (const call of calls) call.work.resolve('done');
    await flush();
    expect(log).toHaveLength(5);
    expect(policy.stats()).toEqual({ running: 0, queued: 0, rejected: 0 });
  });

  it('rejects at once with BulkheadRejectedError when every slot and queue place is taken', async () => {
    const policy = bulkhead({ maxConcurrent: 2, maxQueue: 1 });
    const onReject = vi.fn();
    policy.onReject(onReject);
    const log: string[] = [];
    const held = ['a', 'b', 'c'].map((name) => controlled(log, name));
    for (const { fn } of held) void policy.execute(fn);
    const refused = vi.fn(async () => 'never');

    const error = await caught(policy.execute(refused));
    expect(error).toBeInstanceOf(BulkheadRejectedError);
    expect(isBulkheadRejectedError(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'BREAKWATER_BULKHEAD_FULL',
      message: 'Bulkhead full: 2/2 running, 1/1 queued',
      running: 2,
      queued: 1,
      maxConcurrent: 2,
      maxQueue: 1,
    });
    expect(refused).not.toHaveBeenCalled();
    expect(onReject).toHaveBeenCalledWith({ running: 2, queued: 1, maxConcurrent: 2, maxQueue: 1 });
    expect(policy.stats()).toEqual({ running: 2, queued: 1, rejected: 1 });
    for (const { work } of held) work.resolve('ok');
  });

  it('queues nothing by default', async () => {
    const policy = bulkhead({ maxConcurrent: 1 });
    const work = deferred<string>();
    const first = policy.execute(() => work.promise);
    expect(await caught(policy.execute(async () => 'second'))).toMatchObject({
      message: 'Bulkhead full: 1/1 running, 0/0 queued',
    });
    work.resolve('first');
    expect(await first).toBe('first');
    expect(await policy.execute(async () => 'third')).toBe('third');
  });

  it('removes a queued call whose signal aborts, rejecting it with the reason and leaking no slot', async () => {
    const policy = bulkhead({ maxConcurrent: 1, maxQueue: 2 });
    const log: string[] = [];
    const a = controlled(log, 'a');
    const b = controlled(log, 'b');
    const c = controlled(log, 'c');
    const controller = new AbortController();
    const first = track(policy.execute(a.fn));
    const aborted = track(policy.execute(b.fn, { signal: controller.signal }));
    const last = track(policy.execute(c.fn));
    expect(policy.stats().queued).toBe(2);

    const reason = new Error('not needed any more');
    controller.abort(reason);
    await flush();
    expect(aborted).toMatchObject({ status: 'rejected', error: reason });
    expect(policy.stats()).toEqual({ running: 1, queued: 1, rejected: 0 });

    a.work.resolve('a');
    await flush();
    expect(log).toEqual(['start a', 'start c']);
    c.work.resolve('c');
    await flush();
    expect(first.value).toBe('a');
    expect(last.value).toBe('c');
    expect(b.state.calls).toBe(0);
    expect(policy.stats()).toEqual({ running: 0, queued: 0, rejected: 0 });
  });

  it('rejects a running call at once when its signal aborts but holds its slot until the operation settles', async () => {
    const policy = bulkhead({ maxConcurrent: 1, maxQueue: 1 });
    const log: string[] = [];
    const a = controlled(log, 'a');
    const b = controlled(log, 'b');
    const controller = new AbortController();
    const running = track(policy.execute(a.fn, { signal: controller.signal }));
    const waiting = track(policy.execute(b.fn));
    const reason = new Error('stop');
    controller.abort(reason);
    await flush();
    expect(running).toMatchObject({ status: 'rejected', error: reason });
    expect(a.state.signal?.reason).toBe(reason);
    expect(policy.stats()).toEqual({ running: 1, queued: 1, rejected: 0 });
    expect(log).toEqual(['start a']);

    a.work.reject(reason);
    await flush();
    expect(log).toEqual(['start a', 'start b']);
    b.work.resolve('b');
    await flush();
    expect(waiting.value).toBe('b');
  });

  it('does not queue a call whose signal is already aborted', async () => {
    const policy = bulkhead({ maxConcurrent: 1, maxQueue: 1 });
    const reason = new Error('gone');
    const fn = vi.fn(async () => 'x');
    expect(await caught(policy.execute(fn, { signal: AbortSignal.abort(reason) }))).toBe(reason);
    expect(fn).not.toHaveBeenCalled();
    expect(policy.stats()).toEqual({ running: 0, queued: 0, rejected: 0 });
  });

  it('frees the slot of an operation that throws synchronously', async () => {
    const policy = bulkhead({ maxConcurrent: 1 });
    const failure = new Error('sync');
    expect(
      await caught(
        policy.execute(() => {
          throw failure;
        }),
      ),
    ).toBe(failure);
    expect(policy.stats().running).toBe(0);
    expect(await policy.execute(() => 'next')).toBe('next');
  });

  it('on close rejects queued calls, waits for running ones and refuses new ones', async () => {
    const policy = bulkhead({ maxConcurrent: 1, maxQueue: 2 });
    const log: string[] = [];
    const a = controlled(log, 'a');
    const b = controlled(log, 'b');
    const controller = new AbortController();
    const running = track(policy.execute(a.fn));
    const queued = track(policy.execute(b.fn, { signal: controller.signal }));
    const queued2 = track(policy.execute(async () => 'c'));

    expect(policy.closed).toBe(false);
    const closed = track(policy.close());
    expect(policy.closed).toBe(true);
    await flush();
    expect(queued.error).toBeInstanceOf(BulkheadClosedError);
    expect(queued2.error).toBeInstanceOf(BulkheadClosedError);
    expect(isBulkheadClosedError(queued.error)).toBe(true);
    expect(queued.error).toMatchObject({
      code: 'BREAKWATER_BULKHEAD_CLOSED',
      message: 'The bulkhead is closed',
    });
    expect(running.status).toBe('pending');
    expect(closed.status).toBe('pending');
    expect(policy.stats()).toEqual({ running: 1, queued: 0, rejected: 0 });
    expect(await caught(policy.execute(async () => 'late'))).toBeInstanceOf(BulkheadClosedError);

    controller.abort(new Error('after close'));
    a.work.resolve('a');
    await flush();
    expect(running).toMatchObject({ status: 'fulfilled', value: 'a' });
    expect(closed.status).toBe('fulfilled');
    expect(queued.settlements).toBe(1);
    expect(b.state.calls).toBe(0);
  });

  it('resolves every pending close once the running calls are done', async () => {
    const policy = bulkhead({ maxConcurrent: 2 });
    const work = deferred<string>();
    void policy.execute(() => work.promise);
    const first = track(policy.close());
    const second = track(policy[Symbol.asyncDispose]());
    await flush();
    expect([first.status, second.status]).toEqual(['pending', 'pending']);
    work.resolve('done');
    await flush();
    expect([first.status, second.status]).toEqual(['fulfilled', 'fulfilled']);
    await policy.close();
  });

  it('closes at once when nothing runs', async () => {
    await using policy = bulkhead({ maxConcurrent: 1 });
    await expect(policy.close()).resolves.toBeUndefined();
  });

  it('rejects a call whose arguments are invalid', async () => {
    const policy = bulkhead({ maxConcurrent: 1 });
    await expect(policy.execute(undefined as never)).rejects.toThrow(
      'Expected `fn` to be a function, got `undefined`',
    );
    await expect(policy.execute(async () => 1, 5 as never)).rejects.toThrow(TypeError);
    expect(policy.stats()).toEqual({ running: 0, queued: 0, rejected: 0 });
  });

  it('accepts an unbounded queue', async () => {
    const policy = bulkhead({ maxConcurrent: 1, maxQueue: Number.POSITIVE_INFINITY });
    const work = deferred<number>();
    const results = [policy.execute(() => work.promise)];
    for (let i = 1; i < 100; i++) results.push(policy.execute(() => i));
    expect(policy.stats().queued).toBe(99);
    work.resolve(0);
    expect((await Promise.all(results)).length).toBe(100);
  });
});

type Command =
  | { op: 'call'; abortable: boolean }
  | { op: 'finish'; index: number; fail: boolean }
  | { op: 'abort'; index: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ op: fc.constant('call' as const), abortable: fc.boolean() }),
  fc.record({ op: fc.constant('finish' as const), index: fc.nat(), fail: fc.boolean() }),
  fc.record({ op: fc.constant('abort' as const), index: fc.nat() }),
);

/** One `execute` call of the model: what the test did and what the bulkhead did with it. */
interface Call {
  readonly id: number;
  readonly controller: AbortController | undefined;
  readonly work: Deferred<number>;
  outcome: Outcome<number>;
  /** Times the bulkhead called the operation (must stay <= 1). */
  starts: number;
  /** The test settled the operation. */
  finished: boolean;
  /** The call had settled when the operation started (must never happen). */
  startedAfterSettling: boolean;
}

describe('bulkhead accounting', () => {
  it('never exceeds its bounds, serves the queue in order and settles every call exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 4 }),
        fc.array(command, { minLength: 1, maxLength: 80, size: 'large' }),
        async (maxConcurrent, maxQueue, commands) => {
          const policy = bulkhead({ maxConcurrent, maxQueue });
          const calls: Call[] = [];
          const startOrder: number[] = [];

          // Plain comparisons, one `expect` per kind of fact: this runs after every step of
          // every run, and an `expect` per call per step made the test take seconds.
          const check = (): void => {
            let running = 0;
            let waiting = 0;
            let rejected = 0;
            const broken: object[] = [];
            for (const call of calls) {
              if (call.starts > 0 && !call.finished) running++;
              if (call.starts === 0 && call.outcome.status === 'pending') waiting++;
              if (isBulkheadRejectedError(call.outcome.error)) rejected++;
              if (call.starts > 1 || call.startedAfterSettling || call.outcome.settlements > 1) {
                const { id, starts, startedAfterSettling } = call;
                broken.push({
                  id,
                  starts,
                  startedAfterSettling,
                  settlements: call.outcome.settlements,
                });
              }
            }
            expect(policy.stats()).toEqual({ running, queued: waiting, rejected });
            expect(running).toBeLessThanOrEqual(maxConcurrent);
            expect(waiting).toBeLessThanOrEqual(maxQueue);
            expect(broken).toEqual([]);
          };

          for (const step of commands) {
            if (step.op === 'call') {
              const controller = step.abortable ? new AbortController() : undefined;
              const call = {
                id: calls.length,
                controller,
                work: deferred<number>(),
                starts: 0,
                finished: false,
                startedAfterSettling: false,
              } as Call;
              calls.push(call);
              call.outcome = track(
                policy.execute(
                  () => {
                    call.starts++;
                    if (call.outcome !== undefined && call.outcome.status !== 'pending') {
                      call.startedAfterSettling = true;
                    }
                    startOrder.push(call.id);
                    return call.work.promise;
                  },
                  controller === undefined ? undefined : { signal: controller.signal },
                ),
              );
            } else if (step.op === 'finish') {
              const active = calls.filter((call) => call.starts > 0 && !call.finished);
              const call = active[step.index % Math.max(active.length, 1)];
              if (call !== undefined) {
                call.finished = true;
                if (step.fail) call.work.reject(new Error(`fail ${call.id}`));
                else call.work.resolve(call.id);
              }
            } else {
              const abortable = calls.filter((call) => call.controller !== undefined);
              const call = abortable[step.index % Math.max(abortable.length, 1)];
              call?.controller?.abort(new Error(`abort ${call.id}`));
            }
            await flush();
            check();
          }

          // Calls start in arrival order: directly, or from the FIFO queue.
          expect(startOrder).toEqual([...startOrder].sort((x, y) => x - y));

          const closed = track(policy.close());
          await flush();
          check();
          for (const call of calls) {
            if (call.starts > 0 && !call.finished) {
              expect(closed.status).toBe('pending');
              call.finished = true;
              call.work.resolve(call.id);
            }
          }
          await flush();
          check();
          expect(closed.status).toBe('fulfilled');
          expect(policy.stats()).toMatchObject({ running: 0, queued: 0 });
          for (const call of calls) {
            expect(call.outcome.settlements).toBe(1);
            if (call.starts === 0) expect(call.outcome.status).toBe('rejected');
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
