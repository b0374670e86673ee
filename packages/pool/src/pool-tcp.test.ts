import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isCreateTimeoutError, isPoolTimeoutError } from './errors.js';
import { type DestroyReason, Pool } from './pool.js';

/**
 * The pool holding real TCP sockets to a tiny line-protocol server in this test: a
 * connection is usable once the server has sent "HELLO\n", and answers "PING\n" with
 * "PONG\n". On command the server stalls (accepts but never greets) or drops connections.
 * Real timers and sockets; waits poll for an outcome instead of sleeping.
 */

const POLL = { timeout: 10_000, interval: 10 };

/** Reads a socket line by line; `nextLine` gives `undefined` once the socket is closed. */
class Connection {
  readonly socket: Socket;
  #buffer = '';
  #lines: string[] = [];
  #readers: ((line: string | undefined) => void)[] = [];
  #closed = false;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('error', () => {}); // a reset shows up as 'close' right after
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      for (let end = this.#buffer.indexOf('\n'); end >= 0; end = this.#buffer.indexOf('\n')) {
        const line = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 1);
        const reader = this.#readers.shift();
        if (reader === undefined) this.#lines.push(line);
        else reader(line);
      }
    });
    socket.on('close', () => {
      this.#closed = true;
      for (const reader of this.#readers.splice(0)) reader(undefined);
    });
  }

  nextLine(): Promise<string | undefined> {
    const line = this.#lines.shift();
    if (line !== undefined || this.#closed) return Promise.resolve(line);
    return new Promise((resolve) => this.#readers.push(resolve));
  }
}

/** The test's server: greets, stalls or drops on command, and answers PING. */
class LineServer {
  mode: 'greet' | 'stall' | 'drop' = 'greet';
  /** Connections the server accepted and still has open. */
  readonly open = new Set<Socket>();
  accepted = 0;
  readonly #server: Server;

  constructor() {
    this.#server = createServer((socket) => {
      this.accepted++;
      this.open.add(socket);
      socket.on('close', () => this.open.delete(socket));
      socket.on('error', () => {});
      if (this.mode === 'drop') {
        socket.destroy();
        return;
      }
      if (this.mode === 'greet') socket.write('HELLO\n');
      const connection = new Connection(socket);
      void (async () => {
        for (let line = await connection.nextLine(); line !== undefined; ) {
          if (line === 'PING') socket.write('PONG\n');
          line = await connection.nextLine();
        }
      })();
    });
  }

  async listen(): Promise<number> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    return (this.#server.address() as AddressInfo).port;
  }

  /** Drops every open connection, as a restarting server or a NAT timeout would. */
  dropAll(): void {
    for (const socket of this.open) socket.destroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** Resolves with `signal.reason`'s rejection once `signal` aborts. */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** A pool of greeted connections to `port`, and every socket it ever opened. */
function tcpPool(port: number, options: { min?: number; max?: number; keepaliveMs?: number }) {
  const opened: Socket[] = [];
  const reasons = new Map<Connection, DestroyReason>();

  const create = async (signal: AbortSignal): Promise<Connection> => {
    const connection = new Connection(connect(port, '127.0.0.1'));
    opened.push(connection.socket);
    try {
      const greeting = await Promise.race([connection.nextLine(), aborted(signal)]);
      if (greeting !== 'HELLO') {
        throw new Error(`expected a HELLO line, got ${greeting ?? 'the connection closed'}`);
      }
      return connection;
    } catch (error) {
      connection.socket.destroy(); // a stalled or failed handshake must not leak the socket
      throw error;
    }
  };

  const validate = async (connection: Connection, signal: AbortSignal): Promise<boolean> => {
    if (connection.socket.destroyed) return false;
    connection.socket.write('PING\n');
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new Error('no PONG in time')), 500);
    try {
      const answer = await Promise.race([
        connection.nextLine(),
        aborted(signal),
        aborted(timeout.signal),
      ]);
      return answer === 'PONG';
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  };

  const pool = new Pool<Connection>({
    create,
    validate,
    destroy: (connection) => {
      connection.socket.destroy();
    },
    min: options.min ?? 0,
    max: options.max ?? 2,
    keepaliveMs: options.keepaliveMs ?? 0,
    createTimeoutMs: 200,
    createBackoff: { type: 'exponential', initialDelayMs: 20, maxDelayMs: 100, jitter: 0.5 },
    idleTimeoutMs: 0,
    housekeepingIntervalMs: 25,
  });
  pool.onDestroy(({ resource, reason }) => reasons.set(resource, reason));
  return { pool, opened, reasons };
}

/** Closes what a test started even when it fails half-way. */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(options: Parameters<typeof tcpPool>[1] = {}) {
  const server = new LineServer();
  cleanups.push(() => server.close());
  const port = await server.listen();
  const made = tcpPool(port, options);
  cleanups.push(() => made.pool.close({ timeoutMs: 1_000 }));
  /** Why the pool destroyed the connection of `socket`, if it did. */
  const reasonOf = (socket: Socket): DestroyReason | undefined => {
    for (const [connection, reason] of made.reasons) {
      if (connection.socket === socket) return reason;
    }
    return undefined;
  };
  return { server, reasonOf, ...made };
}

/** Closes the pool and checks that no socket is left open on either side. */
async function closeAndCheck(p: Pool<Connection>, s: LineServer, opened: Socket[]) {
  await p.close();
  expect(p.stats()).toMatchObject({ size: 0, creating: 0, waiting: 0 });
  await vi.waitFor(() => {
    expect(opened.filter((socket) => !socket.destroyed)).toEqual([]);
    expect(s.open.size).toBe(0);
  }, POLL);
}

async function ping(connection: Connection): Promise<string | undefined> {
  connection.socket.write('PING\n');
  return connection.nextLine();
}

describe('Pool of TCP sockets to a server that stalls and drops connections', () => {
  it('lends a socket once the server has greeted it, and closes every socket on close()', async () => {
    const { pool, server, opened } = await start({ max: 2 });
    const first = await pool.acquire({ timeoutMs: 2_000 });
    const second = await pool.acquire({ timeoutMs: 2_000 });
    expect(await ping(first)).toBe('PONG');
    expect(await ping(second)).toBe('PONG');
    await pool.release(first);
    await pool.release(second);
    expect(server.open.size).toBe(2);
    await closeAndCheck(pool, server, opened);
  });

  it('aborts a handshake the server never completes at createTimeoutMs, and closes that socket', async () => {
    const { pool, server, opened } = await start({ max: 1 });
    server.mode = 'stall';
    const failure = await pool.acquire({ timeoutMs: 1_000 }).then(
      () => expect.unreachable('the server never greets'),
      (error: unknown) => error,
    );
    expect(isPoolTimeoutError(failure)).toBe(true);
    expect(isCreateTimeoutError((failure as Error).cause)).toBe(true);
    expect(server.accepted).toBeGreaterThan(0);
    // Every stalled handshake's socket was closed: the server sees none left open.
    await vi.waitFor(() => {
      expect(server.open.size).toBe(0);
      expect(opened.filter((socket) => !socket.destroyed)).toEqual([]);
    }, POLL);
    expect(pool.stats()).toMatchObject({ size: 0, created: 0 });

    // The server greets again: the pool serves after its backoff.
    server.mode = 'greet';
    const connection = await pool.acquire({ timeoutMs: 2_000 });
    expect(await ping(connection)).toBe('PONG');
    await pool.release(connection);
    await closeAndCheck(pool, server, opened);
  });

  it('fails callers with the reason when the server drops every new connection', async () => {
    const { pool, server, opened } = await start({ max: 2 });
    server.mode = 'drop';
    const failure = await pool.acquire({ timeoutMs: 500 }).then(
      () => expect.unreachable('every connection is dropped'),
      (error: unknown) => error,
    );
    expect(isPoolTimeoutError(failure)).toBe(true);
    expect(String((failure as Error).cause)).toMatch(/expected a HELLO line/);
    expect(pool.stats().createErrors).toBeGreaterThan(0);
    await closeAndCheck(pool, server, opened);
  });

  it('discards idle sockets the server dropped when it validates them on borrow', async () => {
    const { pool, server, opened, reasonOf } = await start({ min: 2, max: 2 });
    await vi.waitFor(() => expect(pool.stats().idle).toBe(2), POLL);
    const before = [...opened];
    server.dropAll(); // the client side may or may not have noticed yet

    const connection = await pool.acquire({ timeoutMs: 2_000 });
    expect(before).not.toContain(connection.socket);
    expect(await ping(connection)).toBe('PONG');
    expect(before.map(reasonOf)).toEqual(['invalid', 'invalid']);
    await pool.release(connection);
    await closeAndCheck(pool, server, opened);
  });

  it('keepalive discards idle sockets the server dropped and refills to min', async () => {
    const { pool, server, opened, reasonOf } = await start({ min: 2, max: 3, keepaliveMs: 50 });
    await vi.waitFor(() => expect(pool.stats().idle).toBe(2), POLL);
    const before = [...opened];
    server.dropAll();

    // Without any borrowing, the background validation finds both dead and replaces them.
    await vi.waitFor(() => {
      expect(before.map(reasonOf)).toEqual(['invalid', 'invalid']);
      expect(pool.stats()).toMatchObject({ idle: 2, borrowed: 0 });
      expect(server.open.size).toBe(2);
    }, POLL);
    const connection = await pool.acquire({ timeoutMs: 2_000 });
    expect(before).not.toContain(connection.socket);
    expect(await ping(connection)).toBe('PONG');
    await pool.release(connection);
    await closeAndCheck(pool, server, opened);
  });
});
