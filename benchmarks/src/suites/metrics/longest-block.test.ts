import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { longestBlock } from './longest-block.js';

/** Holds the thread for `ms` by the clock, as a synchronous exposition would. */
function hold(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy
  }
}

describe('longestBlock', () => {
  it('sees a call that holds the event loop for its whole length, in ms', async () => {
    const held = await longestBlock.measure(async () => hold(120));
    // The loop was held at least 120 ms, so the monitor cannot have seen less.
    expect(held).toBeGreaterThanOrEqual(115);
    expect(longestBlock).toMatchObject({ name: 'longest block', unit: 'ms' });
  });

  it('awaits the call, and reads a yielding call as several shorter blocks', async () => {
    let done = false;
    const chunked = await longestBlock.measure(async () => {
      for (let i = 0; i < 4; i++) {
        hold(40);
        await sleep(2);
      }
      done = true;
    });
    expect(done).toBe(true);
    // Four blocks of 40 ms with breaks between them: the longest is one block, not all four.
    expect(chunked).toBeGreaterThanOrEqual(35);
    expect(chunked).toBeLessThan(160);
  });
});
