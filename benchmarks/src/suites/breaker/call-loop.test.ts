import { describe, expect, it } from 'vitest';
import {
  allFail,
  allSucceed,
  type CallLoopState,
  compileCallLoop,
  everyNthFails,
  fail,
  operationFailure,
  succeed,
} from './call-loop.js';

/** A stand-in breaker that records which host ran which kind of call. */
class RecordingTarget {
  readonly calls: string[] = [];
  constructor(
    readonly host: string,
    readonly answer?: () => Promise<number>,
  ) {}

  run(op: () => Promise<number>): Promise<number> {
    this.calls.push(`${this.host}:${op === fail ? 'fail' : 'succeed'}`);
    return this.answer?.() ?? op();
  }
}

function stateFor(targets: readonly unknown[], pattern: Uint8Array, batch: number): CallLoopState {
  return {
    targets,
    pattern,
    batch,
    succeed,
    fail,
    failure: operationFailure,
    unexpected: (outcome) =>
      new Error('resolved' in outcome ? 'resolved' : `rejected: ${String(outcome.rejected)}`),
    host: 0,
    cursor: 0,
  };
}

const viaRun = compileCallLoop((op) => `target.run(${op})`);

describe('compileCallLoop', () => {
  it('walks the pattern and the hosts in rings, counting successes and failures', async () => {
    const a = new RecordingTarget('a');
    const b = new RecordingTarget('b');
    const state = stateFor([a, b], Uint8Array.of(0, 0, 1), 5);
    expect(await viaRun(state)).toEqual({ succeeded: 4, failed: 1 });
    expect([...a.calls, ...b.calls]).toEqual([
      'a:succeed',
      'a:fail',
      'a:succeed',
      'b:succeed',
      'b:succeed',
    ]);
    expect(state).toMatchObject({ host: 1, cursor: 2 });
    expect(await viaRun(state)).toEqual({ succeeded: 3, failed: 2 });
    expect(b.calls[2]).toBe('b:fail');
  });

  it('sums what successful calls resolve to', async () => {
    const target = new RecordingTarget('x', async () => 2);
    expect(await viaRun(stateFor([target], allSucceed, 4))).toEqual({ succeeded: 8, failed: 0 });
  });

  it('fails the call when the breaker rejects with anything but the operation failure', async () => {
    const refusal = new Error('breaker is open');
    const target = new RecordingTarget('x', () => Promise.reject(refusal));
    await expect(viaRun(stateFor([target], allFail, 3))).rejects.toThrow(
      'rejected: Error: breaker is open',
    );
    await expect(viaRun(stateFor([target], allSucceed, 3))).rejects.toBe(refusal);
  });

  it('fails the call when a failing operation comes back resolved', async () => {
    const target = new RecordingTarget('x', async () => 1);
    await expect(viaRun(stateFor([target], allFail, 1))).rejects.toThrow('resolved');
  });

  it('compiles each call expression into a separate function', async () => {
    const bare = compileCallLoop((op) => `${op}()`);
    expect(bare).not.toBe(compileCallLoop((op) => `${op}()`));
    expect(await bare(stateFor([undefined], everyNthFails(4), 8))).toEqual({
      succeeded: 6,
      failed: 2,
    });
  });
});

describe('operations and patterns', () => {
  it('succeed resolves to 1 and fail rejects with the shared failure', async () => {
    expect(await succeed()).toBe(1);
    await expect(fail()).rejects.toBe(operationFailure);
  });

  it('everyNthFails marks the last call of each period', () => {
    expect([...everyNthFails(10)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect([...everyNthFails(1)]).toEqual([1]);
    expect(() => everyNthFails(0)).toThrow('Expected `period` to be an integer >= 1, got `0`');
  });
});
