import { isBreakwaterError } from '@breakwater/core';
import { expect, it, vi } from 'vitest';
import { analyzeConsensus } from './analyze.js';
import { selectKernel } from './backend.js';
import { ConsensusBackendError, isConsensusBackendError } from './errors.js';
import { jsKernel } from './kernel-js.js';
import { analyzeConsensusParallel } from './parallel.js';
import { runConsensusTask } from './parallel-tasks.js';

// A platform where the WebAssembly kernel does not load: the loader finds no WebAssembly,
// no SIMD, or no valid kernel file, and says so with `undefined`.
vi.mock('./wasm/kernel-wasm.js', () => ({ loadWasmKernel: () => undefined }));

const responses = [
  { id: 'a', text: 'the answer is forty two', confidence: 0.9 },
  { id: 'b', text: 'The answer is forty-two.', confidence: 0.8 },
];

it('falls back to the TypeScript kernel for auto when the WebAssembly kernel is unavailable', () => {
  expect(selectKernel('auto')).toBe(jsKernel);
  expect(analyzeConsensus(responses).backend).toBe('js');
});

it('throws ConsensusBackendError for wasm when the WebAssembly kernel is unavailable', () => {
  let caught: unknown;
  try {
    analyzeConsensus(responses, { backend: 'wasm' });
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConsensusBackendError);
  expect(isConsensusBackendError(caught)).toBe(true);
  expect(isBreakwaterError(caught, 'BREAKWATER_CONSENSUS_BACKEND')).toBe(true);
  const error = caught as ConsensusBackendError;
  expect(error.name).toBe('ConsensusBackendError');
  expect(error.code).toBe('BREAKWATER_CONSENSUS_BACKEND');
  expect(error.backend).toBe('wasm');
  expect(error.message).toContain('WebAssembly kernel unavailable');
  expect(error.cause).toBeUndefined();
});

it('refuses the WebAssembly backend in a parallel analysis before any work, and in a task', async () => {
  const many = Array.from({ length: 10 }, (_, i) => ({
    id: `r${i}`,
    text: `t ${i}`,
    confidence: 1,
  }));
  await expect(
    analyzeConsensusParallel(many, { backend: 'wasm', parallelThreshold: 0 }),
  ).rejects.toSatisfy(isConsensusBackendError);
  expect(() =>
    runConsensusTask({
      type: 'signatures',
      backend: 'wasm',
      texts: ['a'],
      row: 0,
      shingleSize: 1,
      k: 16,
      sigs: new SharedArrayBuffer(64),
      empty: new SharedArrayBuffer(1),
    }),
  ).toThrow(ConsensusBackendError);
});
