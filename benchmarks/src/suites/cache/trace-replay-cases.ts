import type { BenchCase } from '../../runner/suite-definition.js';
import { implementation } from '../../runner/suite-definition.js';
import { replayHits } from '../../workloads/replay-hits.js';
import { compileLoop, type LoopState } from './batch-loops.js';
import type { CacheContender } from './cache-contenders.js';

export interface TraceReplayOptions {
  /** e.g. `multi2`. */
  readonly name: string;
  /** Loads the trace's keys; called once, on the first setup. */
  readonly load: () => readonly number[];
  /** `max` of every cache. */
  readonly size: number;
  /** Accesses per measured call (`opsPerCall`). */
  readonly batch: number;
  readonly lru: CacheContender;
  readonly tinyLfu: CacheContender;
  /** The LRU peers; the first is also the peer of the W-TinyLFU case. */
  readonly peers: readonly [CacheContender, ...CacheContender[]];
}

/** The first `batch` accesses of the replay loop, which wraps around at the trace's end. */
function firstBatch(trace: readonly number[], batch: number): number[] {
  return Array.from({ length: batch }, (_, i) => trace[i % trace.length]!);
}

/**
 * Two cases timing the replay loop of a trace (`get`, and `set(key, key)` on a miss) from
 * an empty cache that then stays warm across calls: ours as LRU against the LRU peers, whose
 * hits must be equal, and ours as W-TinyLFU against the main peer. Policies hit differently,
 * so that case checks each side's hits against a plain replay of the same accesses with the
 * same policy.
 */
export function traceReplayCases(options: TraceReplayOptions): BenchCase[] {
  const { name, size, batch } = options;
  let trace: readonly number[] | undefined;
  const keys = () => {
    trace ??= options.load();
    return trace;
  };
  const replay = (contender: CacheContender) =>
    implementation<LoopState>({
      name: contender.name,
      note: contender.note,
      setup: () => ({
        cache: contender.create(size),
        keys: keys(),
        writes: new Uint8Array(0),
        batch,
        cursor: 0,
      }),
      fn: compileLoop('replay'),
    });
  const mainPeer = options.peers[0];
  const description = (policy: string) =>
    `replays the ${name} trace through a ${policy} cache of ${size}: \`get\`, then ` +
    `\`set(key, key)\` on a miss, ${batch} accesses per call, cache warm after the first calls`;
  return [
    {
      name: `replay ${name}@${size} · lru`,
      description: `${description('LRU')} (hits compared)`,
      opsPerCall: batch,
      check: true,
      ours: replay(options.lru),
      peers: options.peers.map(replay),
    },
    {
      name: `replay ${name}@${size} · tinylfu`,
      description:
        `${description('W-TinyLFU')}; policies differ, so each side's hits are checked ` +
        'against a plain replay of the same accesses with its own policy',
      opsPerCall: batch,
      check: (ours, peer) => {
        const accesses = firstBatch(keys(), batch);
        const expected = [
          replayHits(options.tinyLfu.create(size), accesses),
          replayHits(mainPeer.create(size), accesses),
        ];
        if (ours !== expected[0] || peer !== expected[1]) {
          throw new Error(
            `expected ${expected[0]} and ${expected[1]} hits over the first ${batch} accesses, ` +
              `got ${String(ours)} and ${String(peer)}`,
          );
        }
      },
      ours: replay(options.tinyLfu),
      peers: [replay(mainPeer)],
    },
  ];
}
