// How much does sharing a process cost each cache library? Measures get hit (10k string
// keys, 1000 gets per call, 10 rounds of 200 ms after 2 warm-up rounds, median) of:
//   alone <lib>        the library alone in this process
//   built <lib>        the library measured, the three others built and filled but idle
//   pair <lib> <other> the library and one other, measured in alternating turns
//   all                all four, measured in rotating turns (as `pnpm bench cache` does)
// Run from the benchmarks folder, after `pnpm build`:
//   node --expose-gc scripts/co-resident-caches.mjs all
// Each library gets its own compiled copy of the access loop, and a full GC before each turn.

import { createRequire } from 'node:module';
import { Cache } from '@breakwater/cache';
import { createLRU } from 'lru.min';
import { LRUCache } from 'lru-cache';

// mnemonist's subpath exports only have a `require` condition.
const LRUMapWithDelete = createRequire(import.meta.url)('mnemonist/lru-map-with-delete.js');

const [mode = 'all', target = 'ours', other] = process.argv.slice(2);
const size = 10_000;
const keys = Array.from({ length: 2 * size }, (_, i) => `user:${i}`);
const makers = {
  ours: () => new Cache({ max: size }),
  'lru-cache': () => new LRUCache({ max: size }),
  mnemonist: () => new LRUMapWithDelete(size),
  'lru.min': () => createLRU({ max: size }),
};
if (!(target in makers) || (other !== undefined && !(other in makers))) {
  throw new Error(`Expected libraries among ${Object.keys(makers).join(', ')}`);
}
const names = {
  alone: [target],
  built: Object.keys(makers),
  pair: [target, other],
  all: Object.keys(makers),
}[mode];
if (names === undefined || names.includes(undefined)) {
  throw new Error('Usage: co-resident-caches.mjs alone|built <lib> | pair <lib> <other> | all');
}

function accessLoop() {
  // A new function object per library: no call site is shared between libraries.
  return new Function(
    'cache',
    'keys',
    'size',
    'let sum = 0; for (let i = 0; i < 1000; i++) { const v = cache.get(keys[(i * 7919) % size]); if (v !== undefined) sum += v; } return sum;',
  );
}

const contenders = names.map((name) => {
  const cache = makers[name]();
  for (let i = 0; i < size; i++) cache.set(keys[i], i);
  return { name, cache, loop: accessLoop(), rounds: [] };
});
const measured = mode === 'built' ? contenders.filter((c) => c.name === target) : contenders;

function turn({ cache, loop }) {
  const start = process.hrtime.bigint();
  let calls = 0;
  while (process.hrtime.bigint() - start < 200_000_000n) {
    loop(cache, keys, size);
    calls++;
  }
  return (calls * 1000 * 1e9) / Number(process.hrtime.bigint() - start);
}

for (let round = 0; round < 12; round++) {
  for (let k = 0; k < measured.length; k++) {
    const contender = measured[(k + round) % measured.length];
    globalThis.gc?.();
    const opsPerSec = turn(contender);
    if (round >= 2) contender.rounds.push(opsPerSec);
  }
}
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2;
};
console.log(
  `${mode}: ${measured.map((c) => `${c.name} ${(median(c.rounds) / 1e6).toFixed(1)}M/s`).join(', ')}`,
);
