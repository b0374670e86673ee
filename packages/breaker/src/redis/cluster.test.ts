import { type RedisClusterHandle, startRedisCluster } from '@breakwater/testing';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BreakerOpenError } from '../errors.js';
import {
  boom,
  caught,
  eventually,
  fleetFactory,
  fleetRules,
  gated,
  ok,
  settling,
  testClock,
  uniqueName,
} from './fleet-test-support.fixture.js';

let handle: RedisClusterHandle;
/** A standalone client per master, to see where keys live. */
let nodes: Redis[];
let clusterA: Cluster;
let clusterB: Cluster;
const fleet = fleetFactory();

beforeAll(async () => {
  handle = await startRedisCluster();
  nodes = handle.nodes.map((node) => node.client());
  clusterA = handle.cluster();
  clusterB = handle.cluster();
  await Promise.all([clusterA.ping(), clusterB.ping()]);
});

afterEach(() => fleet.closeAll());

afterAll(() => handle?.stop());

/** The index in `nodes` of the master serving `slot`. */
async function ownerOf(slot: number): Promise<number> {
  const ranges = (await nodes[0]!.call('CLUSTER', 'SLOTS')) as Array<
    [number, number, [string, number]]
  >;
  const range = ranges.find(([start, end]) => start <= slot && slot <= end)!;
  return handle.nodes.findIndex((node) => node.port === range[2][1]);
}

/** One breaker name per master, so that every master serves one. */
async function namePerMaster(): Promise<string[]> {
  const names = new Map<number, string>();
  while (names.size < nodes.length) {
    const name = uniqueName('cl');
    const owner = await ownerOf((await nodes[0]!.call('CLUSTER', 'KEYSLOT', name)) as number);
    if (!names.has(owner)) names.set(owner, name);
  }
  return nodes.map((_, index) => names.get(index)!);
}

/** The keys matching `pattern` on each master. */
async function keysPerNode(pattern: string): Promise<string[][]> {
  return Promise.all(nodes.map((node) => node.keys(pattern)));
}

describe('FleetCircuitBreaker on a Redis Cluster', () => {
  it('keeps each breaker in one slot and trips instances together, whatever node owns it', async () => {
    const names = await namePerMaster();
    for (const [index, name] of names.entries()) {
      const clock = testClock();
      const a = fleet.create(clusterA, fleetRules(name, clock, 200));
      const b = fleet.create(clusterB, fleetRules(name, clock, 200));
      for (let i = 0; i < 5; i++) await caught(a.execute(boom));
      for (let i = 0; i < 5; i++) await caught(b.execute(boom));
      await a.sync();
      expect(a.state).toBe('closed');
      await b.sync();
      expect(b.state).toBe('open');
      await a.sync();
      expect(a.state).toBe('open');
      expect(await caught(a.execute(ok))).toBeInstanceOf(BreakerOpenError);
      expect(a.stats().redis.errors).toBe(0);

      const perNode = await keysPerNode(`bw:breaker:{${name}}:*`);
      expect(perNode.map((keys) => keys.length > 0)).toEqual(nodes.map((_, i) => i === index));
      const keys = perNode[index]!;
      expect(keys.length).toBeGreaterThanOrEqual(3);
      const slots = await Promise.all(keys.map((key) => nodes[0]!.call('CLUSTER', 'KEYSLOT', key)));
      expect(new Set(slots).size).toBe(1);
    }
  });

  it('lets exactly one probe through across instances on different connections', async () => {
    const name = uniqueName('cl');
    const clock = testClock();
    const a = fleet.create(clusterA, fleetRules(name, clock, 200));
    const b = fleet.create(clusterB, fleetRules(name, clock, 200));
    for (let i = 0; i < 10; i++) await caught(a.execute(boom));
    await a.sync();
    await b.sync();
    expect([a.state, b.state]).toEqual(['open', 'open']);
    await eventually('the open key expires', async () => {
      return (await clusterA.pttl(`bw:breaker:{${name}}:open`)) === -2;
    });
    clock.advance(1_000);

    const probe = gated();
    const calls = [
      ...Array.from({ length: 15 }, () => a.execute(probe.fn)),
      ...Array.from({ length: 15 }, () => b.execute(probe.fn)),
    ];
    const settled = settling(calls);
    await eventually('all but one call are refused', () => settled.length === 29);
    expect(probe.calls).toBe(1);
    expect(settled.every((result) => result.value instanceof BreakerOpenError)).toBe(true);

    probe.waiting[0]!.resolve('probed');
    await eventually('the probe settles', () => settled.length === 30);
    await eventually('both instances see the fleet closed', async () => {
      await Promise.all([a.sync(), b.sync()]);
      return a.state === 'closed' && b.state === 'closed';
    });
    expect(await b.execute(ok)).toBe('ok');
  });
});
