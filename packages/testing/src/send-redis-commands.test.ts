import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServerHandle, startRedis } from './redis-server.js';
import { sendRedisCommands } from './send-redis-commands.js';

describe('sendRedisCommands', () => {
  let redis: RedisServerHandle;

  beforeAll(async () => {
    redis = await startRedis();
  });

  afterAll(async () => {
    await redis?.stop();
  });

  it('resolves simple, integer, bulk and null replies in command order', async () => {
    const replies = await sendRedisCommands(redis.host, redis.port, [
      ['SET', 'name', 'breakwater'],
      ['INCR', 'counter'],
      ['GET', 'name'],
      ['GET', 'missing'],
    ]);

    expect(replies).toEqual(['OK', 1, 'breakwater', null]);
  });

  it('reassembles a bulk reply that arrives in many chunks', async () => {
    const value = 'x'.repeat(1_000_000);
    await sendRedisCommands(redis.host, redis.port, [['SET', 'big', value]]);

    const [reply] = await sendRedisCommands(redis.host, redis.port, [['GET', 'big']]);

    expect(reply).toBe(value);
  });

  it('rejects with the error the server replied', async () => {
    await expect(sendRedisCommands(redis.host, redis.port, [['NO-SUCH-COMMAND']])).rejects.toThrow(
      /Redis replied with an error: ERR unknown command/,
    );
  });

  it('rejects reply types it does not parse, such as arrays', async () => {
    await expect(sendRedisCommands(redis.host, redis.port, [['KEYS', '*']])).rejects.toThrow(
      /Unsupported reply type in `\*\d+`/,
    );
  });

  it('rejects when the server hangs up before replying', async () => {
    await withServer(
      (socket) => socket.destroy(),
      async (port) => {
        await expect(sendRedisCommands('127.0.0.1', port, [['PING']])).rejects.toThrow(
          /closed the connection/,
        );
      },
    );
  });

  it('rejects when the server stays silent past the timeout', async () => {
    await withServer(
      () => {},
      async (port) => {
        await expect(sendRedisCommands('127.0.0.1', port, [['PING']], 100)).rejects.toThrow(
          /No reply from 127\.0\.0\.1:\d+ within 100ms/,
        );
      },
    );
  });
});

async function withServer(
  onConnection: (socket: Socket) => void,
  body: (port: number) => Promise<void>,
): Promise<void> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await body((server.address() as { port: number }).port);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}
