/**
 * Type tests, compiled by `typecheck` and never run: the result type of `add` follows
 * `process`, an `Error` may stand in any slot, and the optional options take `undefined`.
 */
import { Batcher } from './batcher.js';
import type { BatchContext } from './options.js';
import { WriteBehindBatcher } from './write-behind.js';

declare const usersByIds: (ids: readonly string[]) => Promise<Array<{ id: string } | Error>>;

const users = new Batcher({ process: (ids: string[]) => usersByIds(ids) });
const user: Promise<{ id: string }> = users.add('42');
void user;

// @ts-expect-error: the item type is string
void users.add(42);

// A synchronous process and explicit `undefined` options compile under exactOptionalPropertyTypes.
const config: { maxDelayMs?: number | undefined } = {};
const numbers = new Batcher<number, string>({
  process: (items, ctx: BatchContext) => items.map((n) => (ctx.reason === 'size' ? `${n}` : '')),
  maxDelayMs: config.maxDelayMs,
  onFull: undefined,
});
const text: Promise<string> = numbers.add(1, { signal: undefined });
void text;

const sink = new WriteBehindBatcher<{ line: string }>({
  write: async (rows, { attempt, signal }) => {
    void rows[0]?.line;
    void attempt.toFixed();
    void signal.aborted;
  },
  deadLetter: (rows, error) => [rows, error],
  retry: { maxAttempts: 2, backoff: { type: 'constant', delayMs: 10 } },
});
const accepted: Promise<void> = sink.add({ line: 'x' });
void accepted;
