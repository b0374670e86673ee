import { analyzeConsensus, ConsensusBackendError } from '@breakwater/consensus';
import { describe, expect, it } from 'vitest';
import { type Analyze, analyzeJs, probeWasm, withoutBackend } from './backends.js';
import { checkSameConsensus, checkSameResult } from './checks.js';

const responses = [
  { id: 'a', text: 'the queue is stuck in the ingest workers', confidence: 0.8 },
  { id: 'b', text: 'the queue is stuck in the ingest workers', confidence: 0.6 },
  { id: 'c', text: 'the database ran out of connections', confidence: 0.9 },
];

describe('consensus backends', () => {
  it('reports the WebAssembly kernel as unavailable when the package says so', () => {
    const missing: Analyze = () => {
      throw new ConsensusBackendError('wasm', 'WebAssembly kernel unavailable');
    };
    expect(probeWasm(missing)).toEqual({
      available: false,
      reason: 'WebAssembly kernel unavailable (backend: "wasm")',
    });
    const broken: Analyze = () => {
      throw new TypeError('boom');
    };
    expect(() => probeWasm(broken)).toThrow('boom');
    expect(probeWasm(analyzeJs)).toEqual({ available: true, analyze: analyzeJs });
  });

  it('probes the package itself by default, consistently with `backend: "wasm"`', () => {
    const status = probeWasm();
    let loads = true;
    try {
      analyzeConsensus([], { backend: 'wasm' });
    } catch {
      loads = false;
    }
    expect(status.available).toBe(loads);
  });

  it('compares results without their backend field, and consensus clusters with the baseline', () => {
    const js = analyzeJs(responses, {});
    const relabelled = { ...js, backend: 'wasm' as const };
    expect(withoutBackend(relabelled)).toEqual(withoutBackend(js));
    expect(() => checkSameResult(relabelled, js)).not.toThrow();
    expect(() => checkSameResult({ ...js, share: 0.1 }, js)).toThrow(/different results/);
    expect(() =>
      checkSameConsensus(js, { ids: ['a', 'b'], share: 1.4 / 2.3, reached: true }),
    ).not.toThrow();
    expect(() => checkSameConsensus(js, { ids: ['a'], share: 0.8, reached: true })).toThrow(
      /differ/,
    );
    expect(() => checkSameConsensus(js, { ids: ['a', 'b'], share: 0.1, reached: false })).toThrow(
      /differ/,
    );
  });
});
