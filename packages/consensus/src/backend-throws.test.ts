import { expect, it, vi } from 'vitest';
import { analyzeConsensus } from './analyze.js';
import type { ConsensusBackendError } from './errors.js';

// A loader that fails outright: 'auto' still answers, 'wasm' reports the failure as its cause.
const failure = new Error('kernel file unreadable');
vi.mock('./wasm/kernel-wasm.js', () => ({
  loadWasmKernel: () => {
    throw failure;
  },
}));

it('keeps the loader failure as the cause of the backend error', () => {
  const responses = [{ id: 'a', text: 'one answer', confidence: 1 }];
  expect(analyzeConsensus(responses).backend).toBe('js');
  let caught: unknown;
  try {
    analyzeConsensus(responses, { backend: 'wasm' });
  } catch (error) {
    caught = error;
  }
  expect((caught as ConsensusBackendError).cause).toBe(failure);
});
