import type { Implementation } from './suite-definition.js';

/** Calls `impl.fn(state)` `times` times, storing each result in `sink.value`. */
export type BatchLoop = (
  impl: Implementation,
  state: unknown,
  times: number,
  sink: { value: unknown },
) => void;

/**
 * A fresh copy of the inner measuring loop, compiled on its own. Each implementation gets
 * one, so the call `impl.fn(state)` inside it only ever sees that implementation: V8 can
 * inline it as it would in a user's hot loop, and no figure depends on which other
 * implementations or cases went through a shared (and soon megamorphic) call site before.
 */
export function createBatchLoop(): BatchLoop {
  return new Function(
    'impl',
    'state',
    'times',
    'sink',
    "'use strict'; for (let i = 0; i < times; i++) { sink.value = impl.fn(state); }",
  ) as BatchLoop;
}
