// Ad-hoc measurement of the WebAssembly kernel against a plain-JavaScript version of the
// same algorithm (typed arrays, Math.imul, the same early exit on hopeless pairs).
//
//   pnpm build && node scripts/bench-kernel.mjs [rounds]
//
// Prints the median and spread of interleaved rounds; run it on a quiet machine.
import { loadWasmKernel } from '../dist/wasm/kernel-wasm.js';

const rounds = Number(process.argv[2] ?? 15);
const wasm = loadWasmKernel();
if (wasm === undefined) throw new Error('no WebAssembly kernel');

function fmix32(h) {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const js = {
  signatures(hashes, offsets, k) {
    const n = offsets.length - 1;
    const seeds = new Uint32Array(k);
    for (let j = 0; j < k; j++) seeds[j] = fmix32(Math.imul(j + 1, 0x9e3779b9) >>> 0);
    const out = new Uint32Array(n * k).fill(0xffffffff);
    for (let i = 0; i < n; i++) {
      const row = i * k;
      for (let p = offsets[i]; p < offsets[i + 1]; p++) {
        const h = hashes[p];
        for (let j = 0; j < k; j++) {
          const v = fmix32((h ^ seeds[j]) >>> 0);
          if (v < out[row + j]) out[row + j] = v;
        }
      }
    }
    return out;
  },
  exactPairs(sigs, n, k, empty, minEqual) {
    const out = [];
    const slack = k - minEqual;
    for (let i = 0; i < n; i++) {
      if (empty[i]) continue;
      const a = i * k;
      for (let j = i + 1; j < n; j++) {
        if (empty[j]) continue;
        const b = j * k;
        let equal = 0;
        let miss = 0;
        for (let s = 0; s < k && miss <= slack; s++) {
          if (sigs[a + s] === sigs[b + s]) equal++;
          else miss++;
        }
        if (equal >= minEqual) out.push(i, j, equal);
      }
    }
    return Uint32Array.from(out);
  },
};

function makeInput(n, words, clusterEvery) {
  let state = 42;
  const random = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state;
  };
  const lists = [];
  for (let i = 0; i < n; i++) {
    const previous = lists[i - 1];
    if (i % clusterEvery !== 0 && previous !== undefined) {
      lists.push([...previous.slice(2), random(), random()]);
    } else {
      lists.push(Array.from({ length: words }, random));
    }
  }
  const offsets = new Uint32Array(n + 1);
  lists.forEach((list, i) => {
    offsets[i + 1] = offsets[i] + list.length;
  });
  const hashes = Uint32Array.from(
    lists.flatMap((list) => [...new Set(list)].sort((a, b) => a - b)),
  );
  return { hashes, offsets, n, empty: new Uint8Array(n) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs) => `${Math.min(...xs).toFixed(1)}..${Math.max(...xs).toFixed(1)}`;
function time(fn) {
  const start = performance.now();
  const result = fn();
  return [performance.now() - start, result];
}

// --- n = 1000, k = 128: signatures and exact pairs ----------------------------------------
{
  const k = 128;
  const minEqual = Math.ceil(0.7 * k);
  const input = makeInput(1000, 30, 10);
  const t = { wasmSig: [], jsSig: [], wasmExact: [], jsExact: [] };
  for (let r = 0; r < rounds + 2; r++) {
    const order = r % 2 === 0 ? ['wasm', 'js'] : ['js', 'wasm'];
    for (const name of order) {
      const kernel = name === 'wasm' ? wasm : js;
      const [ts, sigs] = time(() => kernel.signatures(input.hashes, input.offsets, k));
      const [te, pairs] = time(() => kernel.exactPairs(sigs, input.n, k, input.empty, minEqual));
      if (r >= 2) {
        t[`${name}Sig`].push(ts);
        t[`${name}Exact`].push(te);
      }
      if (r === 0) t[`${name}Pairs`] = pairs;
    }
  }
  const same =
    t.wasmPairs.length === t.jsPairs.length && t.wasmPairs.every((v, i) => v === t.jsPairs[i]);
  console.log(
    `n=1000 k=128 (30 hashes per response, ${t.wasmPairs.length / 3} pairs, equal: ${same})`,
  );
  for (const op of ['Sig', 'Exact']) {
    const w = median(t[`wasm${op}`]);
    const j = median(t[`js${op}`]);
    console.log(
      `  ${op === 'Sig' ? 'signatures' : 'exactPairs'}: wasm ${w.toFixed(2)} ms (${spread(t[`wasm${op}`])}), js ${j.toFixed(2)} ms (${spread(t[`js${op}`])}), js/wasm ${(j / w).toFixed(1)}x`,
    );
  }
}

// --- n = 100,000, k = 128: signatures and LSH pairs (b = 32, r = 4) ------------------------
{
  const k = 128;
  const minEqual = Math.ceil(0.7 * k);
  const input = makeInput(100_000, 30, 10);
  const sigTimes = [];
  const lshTimes = [];
  let pairs = 0;
  for (let r = 0; r < Math.max(3, Math.floor(rounds / 3)); r++) {
    const [ts, sigs] = time(() => wasm.signatures(input.hashes, input.offsets, k));
    const [tl, out] = time(() => wasm.lshPairs(sigs, input.n, k, input.empty, minEqual, 32, 4));
    sigTimes.push(ts);
    lshTimes.push(tl);
    pairs = out.length / 3;
  }
  console.log(`n=100000 k=128 b=32 r=4 (${pairs} pairs), wasm only`);
  console.log(`  signatures: ${median(sigTimes).toFixed(1)} ms (${spread(sigTimes)})`);
  console.log(`  lshPairs:   ${median(lshTimes).toFixed(1)} ms (${spread(lshTimes)})`);
  console.log(`  memory:     ${(wasm.stats().memoryBytes / 2 ** 20).toFixed(1)} MiB`);
}
