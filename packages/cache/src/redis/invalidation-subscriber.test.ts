import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RedisErrorEvent } from './errors.js';
import { InvalidationSubscriber, type SubscriberHandlers } from './invalidation-subscriber.js';
import type { RedisClient } from './options.js';

/** A stand-in for the duplicated ioredis connection; the test drives its events. */
class FakeConnection extends EventEmitter {
  status = 'ready';
  readonly subscribe = vi.fn(async (_channel: string): Promise<unknown> => 1);
  readonly unsubscribe = vi.fn(async (_channel: string): Promise<unknown> => 0);
  readonly disconnect = vi.fn((_reconnect?: boolean) => {});
}

function recorder() {
  const messages: string[] = [];
  const subscribed: boolean[] = [];
  const failures: RedisErrorEvent[] = [];
  const handlers: SubscriberHandlers = {
    message: (text) => messages.push(text),
    subscribed: (resumed) => subscribed.push(resumed),
    failure: (event) => failures.push(event),
  };
  return { messages, subscribed, failures, handlers };
}

function standalone(connections: FakeConnection[]) {
  const duplicate = vi.fn((_options: Record<string, unknown>) => {
    const connection = new FakeConnection();
    connections.push(connection);
    return connection;
  });
  return { client: { isCluster: false, duplicate } as unknown as RedisClient, duplicate };
}

let subscribers: InvalidationSubscriber[] = [];
afterEach(async () => {
  await Promise.all(subscribers.map((subscriber) => subscriber.close()));
  subscribers = [];
});

function start(client: RedisClient, handlers: SubscriberHandlers, timeout = 1000) {
  const subscriber = new InvalidationSubscriber(client, 'chan', timeout, handlers);
  subscribers.push(subscriber);
  return subscriber;
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('InvalidationSubscriber', () => {
  it('duplicates a standalone client with its own reconnection and no automatic resubscription', async () => {
    const connections: FakeConnection[] = [];
    const { client, duplicate } = standalone(connections);
    const { handlers, subscribed, messages } = recorder();
    const subscriber = start(client, handlers);
    const overrides = duplicate.mock.calls[0]![0] as Record<string, unknown> & {
      retryStrategy(times: number): number;
    };
    expect(overrides).toMatchObject({
      lazyConnect: false,
      autoResubscribe: false,
      autoResendUnfulfilledCommands: false,
      enableOfflineQueue: false,
    });
    expect(overrides.retryStrategy(3)).toBe(300);
    expect(overrides.retryStrategy(50)).toBe(1000);

    const [connection] = connections;
    connection!.emit('ready');
    await tick();
    expect(connection!.subscribe).toHaveBeenCalledWith('chan');
    expect(subscribed).toEqual([false]);
    expect(subscriber.subscribed).toBe(true);

    connection!.emit('message', 'chan', 'one');
    connection!.emit('message', 'other', 'two');
    expect(messages).toEqual(['one']);
  });

  it('reports a lost subscription once and says so when it is back', async () => {
    const connections: FakeConnection[] = [];
    const { handlers, subscribed, failures } = recorder();
    const subscriber = start(standalone(connections).client, handlers);
    const [connection] = connections;
    connection!.emit('ready');
    await tick();
    connection!.emit('close');
    connection!.emit('close');
    expect(subscriber.subscribed).toBe(false);
    expect(failures.map(({ operation, kind }) => `${operation}:${kind}`)).toEqual([
      'subscribe:unavailable',
    ]);
    connection!.emit('ready');
    await tick();
    expect(subscribed).toEqual([false, true]);
  });

  it('starts over on a fresh connection when SUBSCRIBE fails or times out', async () => {
    const connections: FakeConnection[] = [];
    const { handlers, subscribed, failures } = recorder();
    start(standalone(connections).client, handlers, 20);
    const [connection] = connections;
    connection!.subscribe
      .mockRejectedValueOnce(new Error('NOPERM'))
      .mockReturnValueOnce(new Promise(() => {}));
    connection!.emit('ready');
    await tick();
    expect(failures).toMatchObject([{ operation: 'subscribe', kind: 'error' }]);
    expect(connection!.disconnect).toHaveBeenLastCalledWith(true);
    connection!.emit('ready');
    await vi.waitFor(() => expect(failures).toHaveLength(2));
    expect(failures[1]).toMatchObject({ operation: 'subscribe', kind: 'timeout' });
    connection!.emit('ready');
    await tick();
    expect(subscribed).toEqual([false]);
  });

  it('reports connection errors once per outage', async () => {
    const connections: FakeConnection[] = [];
    const { handlers, failures } = recorder();
    start(standalone(connections).client, handlers);
    const [connection] = connections;
    connection!.emit('error', new Error('ECONNREFUSED'));
    connection!.emit('error', new Error('ECONNREFUSED'));
    expect(failures).toMatchObject([{ operation: 'subscribe', kind: 'error' }]);
    connection!.emit('ready');
    await tick();
    connection!.emit('error', new Error('ECONNRESET'));
    expect(failures).toHaveLength(2);
  });

  it('opens a new connection when the current one ends', async () => {
    const connections: FakeConnection[] = [];
    const { handlers, subscribed } = recorder();
    start(standalone(connections).client, handlers);
    connections[0]!.emit('ready');
    await tick();
    connections[0]!.emit('end');
    await vi.waitFor(() => expect(connections).toHaveLength(2));
    connections[0]!.emit('message', 'chan', 'stale connection');
    connections[1]!.emit('ready');
    await tick();
    expect(subscribed).toEqual([false, true]);
  });

  it('subscribes through a node of a cluster, once the cluster knows one', async () => {
    const connections: FakeConnection[] = [];
    const node = standalone(connections).client;
    const known: RedisClient[] = [];
    const cluster = { isCluster: true, nodes: vi.fn(() => known) } as unknown as RedisClient;
    const { handlers, subscribed } = recorder();
    start(cluster, handlers);
    expect(connections).toHaveLength(0);
    known.push(node);
    await vi.waitFor(() => expect(connections).toHaveLength(1));
    const overrides = (node.duplicate as unknown as ReturnType<typeof vi.fn>).mock.calls[0]![0] as {
      retryStrategy(): unknown;
    };
    expect(overrides.retryStrategy()).toBeNull();
    connections[0]!.emit('ready');
    await tick();
    expect(subscribed).toEqual([false]);
  });

  it('unsubscribes and disconnects on close, then ignores its connection', async () => {
    const connections: FakeConnection[] = [];
    const { handlers, messages, failures } = recorder();
    const subscriber = start(standalone(connections).client, handlers);
    const [connection] = connections;
    connection!.emit('ready');
    await tick();
    await subscriber.close();
    expect(connection!.unsubscribe).toHaveBeenCalledWith('chan');
    expect(connection!.disconnect).toHaveBeenCalledWith();
    connection!.emit('message', 'chan', 'late');
    connection!.emit('close');
    connection!.emit('end');
    expect(messages).toEqual([]);
    expect(failures).toEqual([]);
    expect(subscriber.subscribed).toBe(false);
  });

  it('closes a connection that is not ready without unsubscribing', async () => {
    const connections: FakeConnection[] = [];
    const subscriber = start(standalone(connections).client, recorder().handlers);
    connections[0]!.status = 'connecting';
    await subscriber.close();
    expect(connections[0]!.unsubscribe).not.toHaveBeenCalled();
    expect(connections[0]!.disconnect).toHaveBeenCalled();
  });
});
