import { once } from 'node:events';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { trackedProcessCount } from './cleanup.js';
import { RedisServerStoppedError, RedisStartError } from './errors.js';
import { type RedisClusterHandle, startRedisCluster } from './redis-cluster.js';
import { sendRedisCommands } from './send-redis-commands.js';

describe('startRedisCluster', () => {
  let redis: RedisClusterHandle;
  let cluster: Cluster;

  beforeAll(async () => {
    redis = await startRedisCluster();
    cluster = redis.cluster();
  });

  afterAll(async () => {
    await redis?.stop();
  });

  /** The port of the master serving `slot`, read from CLUSTER SLOTS. */
  async function masterPortOf(slot: number): Promise<number> {
    const ranges = await cluster.cluster('SLOTS');
    const master = ranges.find(([from, to]) => slot >= from && slot <= to)?.[2];
    if (master === undefined) throw new Error(`No master serves slot ${slot}`);
    return master[1];
  }

  it('starts three masters on distinct free ports, each with a free bus port', () => {
    const ports = redis.startupNodes.map(({ port }) => port);

    expect(redis.nodes).toHaveLength(3);
    expect(new Set(ports).size).toBe(3);
    for (const port of ports) {
      expect(port).not.toBe(6379);
      expect(port).toBeLessThan(55_535);
    }
    expect(redis.nodes.map(({ port }) => port)).toEqual(ports);
    expect(redis.startupNodes.every(({ host }) => host === '127.0.0.1')).toBe(true);
  });

  it('has every node report cluster_state:ok', async () => {
    for (const node of redis.nodes) {
      const [info] = await sendRedisCommands(node.host, node.port, [['CLUSTER', 'INFO']]);
      expect(info).toContain('cluster_state:ok');
      expect(info).toContain('cluster_known_nodes:3');
    }
  });

  it('writes and reads keys whose slots are served by different masters', async () => {
    const keys = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];
    const placed = new Map<number, { key: string; slot: number }>();
    for (const key of keys) {
      const slot = Number(await cluster.cluster('KEYSLOT', key));
      const port = await masterPortOf(slot);
      if (!placed.has(port)) placed.set(port, { key, slot });
    }
    expect(placed.size).toBeGreaterThanOrEqual(2);

    for (const [port, { key }] of placed) {
      await cluster.set(key, `value of ${key}`);
      expect(await cluster.get(key)).toBe(`value of ${key}`);
      const owner = redis.nodes.find((node) => node.port === port);
      expect(await owner?.client().get(key)).toBe(`value of ${key}`);
    }
    const slots = [...placed.values()].map(({ slot }) => slot);
    expect(new Set(slots).size).toBe(slots.length);
  });

  it('brings a killed master back with restart(), serving its slots again with its data gone', async () => {
    const node = redis.nodes[0]!;
    const client = node.client();
    client.on('error', () => {});
    const key = await keyServedBy(node.port);
    await cluster.set(key, 'before the crash');

    await node.kill();
    expect(node.running).toBe(false);
    await node.restart();

    expect(node.running).toBe(true);
    await redis.waitUntilOk();
    expect(await client.get(key)).toBeNull();
    await cluster.set(key, 'after the crash');
    expect(await cluster.get(key)).toBe('after the crash');
  });

  it('stops every node and refuses new cluster clients afterwards', async () => {
    const ended = once(cluster, 'end');

    await redis.stop();

    expect(redis.nodes.every((node) => !node.running)).toBe(true);
    await ended;
    expect(() => redis.cluster()).toThrow(RedisServerStoppedError);
    await expect(redis[Symbol.asyncDispose]()).resolves.toBeUndefined();
  });

  /** A key whose slot the master on `port` serves. */
  async function keyServedBy(port: number): Promise<string> {
    for (let index = 0; index < 1_000; index++) {
      const key = `key-${index}`;
      if ((await masterPortOf(Number(await cluster.cluster('KEYSLOT', key)))) === port) return key;
    }
    throw new Error(`No key found for the master on port ${port}`);
  }
});

describe('startRedisCluster when redis-cli fails', () => {
  it('stops the nodes it started and reports what redis-cli said', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'breakwater-fake-redis-cli-'));
    const fakeCli = join(dir, 'redis-cli');
    await writeFile(
      fakeCli,
      '#!/bin/sh\necho ">>> Creating cluster"\necho "[ERR] Node is not empty" >&2\nexit 1\n',
    );
    await chmod(fakeCli, 0o755);
    vi.stubEnv('BREAKWATER_REDIS_CLI', fakeCli);
    const runningBefore = trackedProcessCount();
    try {
      const error = await startRedisCluster().catch((e: unknown) => e);

      expect(error).toBeInstanceOf(RedisStartError);
      expect((error as RedisStartError).message).toMatch(
        /^`redis-cli --cluster create 127\.0\.0\.1:\d+ /,
      );
      expect((error as RedisStartError).log).toBe('>>> Creating cluster\n[ERR] Node is not empty');
      expect(trackedProcessCount()).toBe(runningBefore);
    } finally {
      vi.unstubAllEnvs();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
