import { describe, expect, it } from 'vitest';
import { analyzeConsensus, analyzeWith } from './analyze.js';
import { loadWasmKernel, selectKernel } from './backend.js';
import { isConsensusBackendError } from './errors.js';
import type { ConsensusKernel } from './kernel.js';
import { jsKernel } from './kernel-js.js';
import { resolveConsensusOptions } from './options.js';

const responses = [
  { id: 'a', text: 'the answer is forty two', confidence: 0.9 },
  { id: 'b', text: 'The answer is forty-two.', confidence: 0.8 },
  { id: 'c', text: 'nobody knows the answer', confidence: 0.2 },
];

describe('backend selection', () => {
  it('uses the WebAssembly kernel for auto and wasm where it loads, the TypeScript one for js', () => {
    const wasm = loadWasmKernel();
    expect(wasm?.name).toBe('wasm');
    expect(loadWasmKernel()).toBe(wasm);
    expect(selectKernel('js')).toBe(jsKernel);
    expect(selectKernel('auto')).toBe(wasm);
    expect(selectKernel('wasm')).toBe(wasm);
    expect(analyzeConsensus(responses).backend).toBe('wasm');
    expect(analyzeConsensus(responses, { backend: 'js' }).backend).toBe('js');
    expect(isConsensusBackendError(new Error('WebAssembly kernel unavailable'))).toBe(false);
  });

  it('runs an analysis on any kernel given, so that another backend plugs in', () => {
    const calls: string[] = [];
    const trace =
      <A extends unknown[]>(name: string, run: (...args: A) => Uint32Array) =>
      (...args: A) => {
        calls.push(name);
        return run(...args);
      };
    const traced: ConsensusKernel = {
      name: 'wasm',
      signatures: trace('signatures', jsKernel.signatures),
      exactPairs: trace('exactPairs', jsKernel.exactPairs),
      lshPairs: trace('lshPairs', jsKernel.lshPairs),
      equalTo: trace('equalTo', jsKernel.equalTo),
    };
    const options = resolveConsensusOptions({ backend: 'js' });
    const viaTraced = analyzeWith(traced, responses, options);
    expect(calls).toEqual(['signatures', 'exactPairs', 'equalTo']);
    expect(viaTraced.backend).toBe('wasm');
    expect({ ...viaTraced, backend: 'js' }).toEqual(analyzeConsensus(responses, { backend: 'js' }));
    analyzeWith(traced, responses, resolveConsensusOptions({ method: 'lsh' }));
    expect(calls).toContain('lshPairs');
  });

  it('validates the responses given to analyzeWith', () => {
    const options = resolveConsensusOptions(undefined);
    expect(() => analyzeWith(jsKernel, [{ id: '', text: '', confidence: 0 }], options)).toThrow(
      '`responses[0].id`',
    );
  });
});
