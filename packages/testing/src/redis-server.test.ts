import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisServerStoppedError, RedisStartError } from './errors.js';
import { findRedisBinary } from './find-binary.js';
import { getFreePort } from './free-port.js';
import { launchRedisServer, type RedisServerHandle, startRedis } from './redis-server.js';
import { sendRedisCommands } from './send-redis-commands.js';

const handles: RedisServerHandle[] = [];
async function started(options?: Parameters<typeof startRedis>[0]): Promise<RedisServerHandle> {
  const handle = await startRedis(options);
  handles.push(handle);
  return handle;
}

afterEach(async () => {
  await Promise.all(handles.splice(0).map((handle) => handle.stop()));
});

describe('startRedis', () => {
  it('starts a redis-server on a free loopback port other than 6379 that answers PING', async () => {
    const redis = await started();

    expect(redis.host).toBe('127.0.0.1');
    expect(redis.port).not.toBe(6379);
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(redis.running).toBe(true);
    expect(redis.pid).toBeTypeOf('number');
    const client = redis.client();
    expect(await client.ping()).toBe('PONG');
  });

  it('runs without persistence in a directory of its own', async () => {
    const redis = await started();
    const client = redis.client();

    expect(await client.config('GET', 'save')).toEqual(['save', '']);
    expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
    const [, dir] = (await client.config('GET', 'dir')) as [string, string];
    expect(dir).toContain('breakwater-redis-');
    expect(existsSync(dir)).toBe(true);

    await redis.stop();
    expect(existsSync(dir)).toBe(false);
  });

  it('passes extra args to redis-server after its own', async () => {
    const redis = await started({ args: ['--maxmemory', '1mb'] });

    expect(await redis.client().config('GET', 'maxmemory')).toEqual(['maxmemory', '1048576']);
  });

  it('refuses connections after stop, and stop can be called again', async () => {
    const redis = await started();
    const pid = redis.pid;

    await redis.stop();

    expect(redis.running).toBe(false);
    expect(redis.pid).toBeUndefined();
    await expect(sendRedisCommands(redis.host, redis.port, [['PING']])).rejects.toThrow(
      /ECONNREFUSED/,
    );
    await expect(redis.stop()).resolves.toBeUndefined();
    await expect(redis[Symbol.asyncDispose]()).resolves.toBeUndefined();
    expect(pid).toBeTypeOf('number');
  });

  it('disconnects the clients it created when it stops', async () => {
    const redis = await started();
    const client = redis.client();
    await client.ping();

    await redis.stop();

    expect(client.status).toBe('end');
  });

  it('lets a client see kill() as a crash and use the server again after restart(), with the data gone', async () => {
    const redis = await started();
    const client = redis.client({ retryStrategy: () => 50 });
    client.on('error', () => {});
    await client.set('greeting', 'hello');
    const pidBefore = redis.pid;
    const reconnecting = once(client, 'reconnecting');

    await redis.kill();

    expect(redis.running).toBe(false);
    await reconnecting;
    const probe = redis.client({ lazyConnect: true, retryStrategy: () => null });
    probe.on('error', () => {});
    await expect(probe.connect()).rejects.toThrow(/ECONNREFUSED|Connection is closed/);

    await redis.restart();

    expect(redis.running).toBe(true);
    expect(redis.pid).not.toBe(pidBefore);
    expect(await client.get('greeting')).toBeNull();
    await client.set('greeting', 'again');
    expect(await client.get('greeting')).toBe('again');
  });

  it('treats kill() of a server that is already down as done', async () => {
    const redis = await started();
    await redis.kill();

    await expect(redis.kill()).resolves.toBeUndefined();
    expect(redis.running).toBe(false);
  });

  it('restarts a running server gracefully on the same port', async () => {
    const redis = await started();
    const pidBefore = redis.pid;

    await redis.restart();

    expect(redis.running).toBe(true);
    expect(redis.pid).not.toBe(pidBefore);
    expect(await sendRedisCommands(redis.host, redis.port, [['PING']])).toEqual(['PONG']);
  });

  it('supports await using for automatic stop', async () => {
    let port = 0;
    {
      await using redis = await startRedis();
      port = redis.port;
      expect(redis.running).toBe(true);
    }
    await expect(sendRedisCommands('127.0.0.1', port, [['PING']])).rejects.toThrow();
  });

  it('refuses restart() and client() once stopped', async () => {
    const redis = await started();
    await redis.stop();

    await expect(redis.restart()).rejects.toBeInstanceOf(RedisServerStoppedError);
    expect(() => redis.client()).toThrow(RedisServerStoppedError);
    expect(() => redis.client()).toThrow(/Cannot create a client: the redis-server on port/);
  });

  it('reports a redis-server that exits during startup, with its own explanation', async () => {
    const error = await startRedis({ args: ['--no-such-directive', 'x'] }).catch((e) => e);

    expect(error).toBeInstanceOf(RedisStartError);
    expect(error.code).toBe('ERR_REDIS_START');
    expect(error.message).toMatch(/exited during startup \(exit code 1\)/);
    expect(error.log).toMatch(/no-such-directive/);
  });
});

describe('launchRedisServer', () => {
  it('moves on to another port when the chosen one is taken', async () => {
    const blocker = await occupyPort();
    const taken = (blocker.address() as { port: number }).port;
    const offered: number[] = [];
    try {
      const redis = await launchRedisServer({
        binary: findRedisBinary('redis-server'),
        pickPort: async () => {
          const port = offered.length === 0 ? taken : await getFreePort();
          offered.push(port);
          return port;
        },
        args: () => [],
        startTimeoutMs: 10_000,
      });
      handles.push(redis);

      expect(offered[0]).toBe(taken);
      expect(redis.port).toBe(offered[1]);
      expect(await redis.client().ping()).toBe('PONG');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('fails with a timeout when the server never answers PING', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'breakwater-fake-redis-'));
    const fake = join(dir, 'silent-redis-server');
    await writeFile(fake, '#!/bin/sh\nexec sleep 30\n');
    await chmod(fake, 0o755);
    try {
      const error = await launchRedisServer({
        binary: fake,
        pickPort: getFreePort,
        args: () => [],
        startTimeoutMs: 300,
      }).catch((e) => e);

      expect(error).toBeInstanceOf(RedisStartError);
      expect(error.message).toMatch(/did not answer PING within 300ms/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** A listener on a free port that hangs up on every connection, like a busy neighbour. */
async function occupyPort(): Promise<Server> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}
