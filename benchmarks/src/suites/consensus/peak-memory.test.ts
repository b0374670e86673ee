import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { peakDuring, peakMemoryFigure, settle } from './peak-memory.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('peak memory during a call', () => {
  it('counts what the call still holds at its end, ArrayBuffers included', async () => {
    settle(gc);
    const { value, peakBytes } = await peakDuring(() => new Uint8Array(32e6).fill(1));
    expect(value.length).toBe(32e6);
    // Within what the test process itself frees meanwhile.
    expect(peakBytes).toBeGreaterThan(30e6);
  });

  it('counts memory freed before the end, from the readings before each collection', async () => {
    settle(gc);
    const { peakBytes } = await peakDuring(() => {
      const held: { rows: number[][] } = {
        rows: Array.from({ length: 200 }, () => Array.from({ length: 10_000 }, (_, i) => i + 0.5)),
      };
      const length = held.rows.length;
      held.rows = [];
      gc();
      return length + held.rows.length;
    });
    // 2M doubles held at once, then released and collected before the call returns.
    expect(peakBytes).toBeGreaterThan(12e6);
  });

  it('is a figure in MB around the call it is given', async () => {
    settle(gc);
    const mb = await peakMemoryFigure.measure(async () => new Float64Array(4e6));
    expect(peakMemoryFigure).toMatchObject({ name: 'peak memory', unit: 'MB' });
    expect(mb).toBeGreaterThan(30);
  });
});
