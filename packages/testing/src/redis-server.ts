import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis, type RedisOptions } from 'ioredis';
import { trackDirectory, untrackDirectory } from './cleanup.js';
import { disconnectAll } from './disconnect.js';
import { RedisServerStoppedError, RedisStartError } from './errors.js';
import { findRedisBinary } from './find-binary.js';
import { getFreePort, LOOPBACK } from './free-port.js';
import { resolveStartRedisOptions } from './options.js';
import { type ProcessExit, RedisProcess } from './redis-process.js';
import { sendRedisCommands } from './send-redis-commands.js';

/** Options of {@link startRedis}. */
export interface StartRedisOptions {
  /**
   * Extra `redis-server` arguments, appended after the defaults so they can override them
   * (e.g. `['--maxmemory', '1mb']`). `--port`, `--bind`, `--dir`, `--logfile` and
   * `--daemonize` are managed by the handle and rejected here.
   * @default []
   */
  args?: readonly string[];
  /**
   * How long a start (and each `restart()`) may take until the server answers PING.
   * @default 10000
   */
  startTimeoutMs?: number;
}

/** A redis-server started by {@link startRedis} (or a node of a cluster). */
export interface RedisServerHandle extends AsyncDisposable {
  /** Always `127.0.0.1`. */
  readonly host: string;
  /** The port the server listens on; the same after `restart()`. */
  readonly port: number;
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  /** Whether the server process is up (false after `kill()`, `stop()` or a crash). */
  readonly running: boolean;
  /** The redis-server pid while it runs. */
  readonly pid: number | undefined;
  /**
   * Creates an ioredis client for this server (host and port are forced). The handle
   * disconnects it on `stop()`; `kill()` leaves it alone so it can observe the crash.
   */
  client(options?: RedisOptions): Redis;
  /**
   * Shuts the server down gracefully (SIGTERM, SIGKILL after 5 s), disconnects the
   * clients made by `client()` and removes the server's directory. Idempotent; final.
   */
  stop(): Promise<void>;
  /** SIGKILLs the server to simulate a crash and waits until it is gone. No-op if down. */
  kill(): Promise<void>;
  /**
   * Starts the server again on the same port (shutting it down first if it runs) and
   * waits until it answers PING. Data is gone: nothing is persisted. Cluster nodes keep
   * their `nodes.conf`, so they rejoin their cluster.
   */
  restart(): Promise<void>;
}

/** Where a server runs and how it is (re)started; built by {@link launchRedisServer}. */
export interface LaunchConfig {
  readonly binary: string;
  /** Gives a port to try; called again when the previous one turned out to be taken. */
  readonly pickPort: () => Promise<number>;
  /** Arguments appended after the defaults, given the server's directory. */
  readonly args: (directory: string) => readonly string[];
  readonly startTimeoutMs: number;
}

const LOG_FILE = 'redis.log';
const LOG_TAIL_LINES = 20;
const PORT_ATTEMPTS = 5;
const PROBE_INTERVAL_MS = 50;
const PROBE_TIMEOUT_MS = 1_000;
const STOP_TIMEOUT_MS = 5_000;

/**
 * Starts a throwaway redis-server on a free port of 127.0.0.1 (never 6379), with no
 * persistence and its own temporary directory, and resolves once it answers PING.
 *
 * @throws RedisNotInstalledError at once when `redis-server` is not installed.
 * @throws RedisStartError when it exits during startup or does not answer in time.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServerHandle> {
  const { args, startTimeoutMs } = resolveStartRedisOptions(options);
  const binary = findRedisBinary('redis-server');
  return launchRedisServer({ binary, pickPort: getFreePort, args: () => args, startTimeoutMs });
}

/** Creates the directory, picks a port (retrying if taken) and starts the server. */
export async function launchRedisServer(config: LaunchConfig): Promise<RedisServer> {
  const directory = await mkdtemp(join(tmpdir(), 'breakwater-redis-'));
  trackDirectory(directory);
  try {
    for (let attempt = 1; ; attempt++) {
      const port = await config.pickPort();
      const args = [...defaultArgs(port, directory), ...config.args(directory)];
      try {
        const child = await startRedisProcess(
          config.binary,
          args,
          port,
          directory,
          config.startTimeoutMs,
        );
        return new RedisServer({ ...config, args, port, directory, process: child });
      } catch (error) {
        if (error instanceof PortInUseError && attempt < PORT_ATTEMPTS) continue;
        throw error;
      }
    }
  } catch (error) {
    untrackDirectory(directory);
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}

/** The implementation behind {@link RedisServerHandle}. */
export class RedisServer implements RedisServerHandle {
  readonly host = LOOPBACK;
  readonly port: number;
  readonly url: string;
  readonly #binary: string;
  readonly #args: readonly string[];
  readonly #directory: string;
  readonly #startTimeoutMs: number;
  readonly #clients = new Set<Redis>();
  #process: RedisProcess;
  #queue: Promise<unknown> = Promise.resolve();
  #stopped: Promise<void> | undefined;

  constructor(init: {
    binary: string;
    args: readonly string[];
    port: number;
    directory: string;
    startTimeoutMs: number;
    process: RedisProcess;
  }) {
    this.port = init.port;
    this.url = `redis://${LOOPBACK}:${init.port}`;
    this.#binary = init.binary;
    this.#args = init.args;
    this.#directory = init.directory;
    this.#startTimeoutMs = init.startTimeoutMs;
    this.#process = init.process;
  }

  get running(): boolean {
    return this.#process.running;
  }

  get pid(): number | undefined {
    return this.#process.running ? this.#process.pid : undefined;
  }

  client(options: RedisOptions = {}): Redis {
    if (this.#stopped !== undefined) throw this.#stoppedError('create a client');
    const client = new Redis(this.port, this.host, options);
    this.#clients.add(client);
    client.once('end', () => this.#clients.delete(client));
    return client;
  }

  kill(): Promise<void> {
    return this.#enqueue(async () => {
      this.#process.signal('SIGKILL');
      await this.#process.exited;
    });
  }

  restart(): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#stopped !== undefined) throw this.#stoppedError('restart');
      await shutDown(this.#process);
      this.#process = await startRedisProcess(
        this.#binary,
        this.#args,
        this.port,
        this.#directory,
        this.#startTimeoutMs,
      );
    });
  }

  stop(): Promise<void> {
    this.#stopped ??= this.#enqueue(async () => {
      await disconnectAll(this.#clients);
      this.#clients.clear();
      await shutDown(this.#process);
      untrackDirectory(this.#directory);
      await rm(this.#directory, { recursive: true, force: true });
    });
    return this.#stopped;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** Runs lifecycle operations one at a time, in call order. */
  #enqueue(operation: () => Promise<void>): Promise<void> {
    const result = this.#queue.then(operation);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  #stoppedError(action: string): RedisServerStoppedError {
    return new RedisServerStoppedError(action, `the redis-server on port ${this.port}`);
  }
}

/** Raised when the port was taken by someone else; {@link launchRedisServer} retries. */
class PortInUseError extends RedisStartError {}

function defaultArgs(port: number, directory: string): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    LOOPBACK,
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    directory,
    '--logfile',
    join(directory, LOG_FILE),
    '--daemonize',
    'no',
  ];
}

/** Spawns redis-server and waits until this very process answers PING. */
async function startRedisProcess(
  binary: string,
  args: readonly string[],
  port: number,
  directory: string,
  timeoutMs: number,
): Promise<RedisProcess> {
  const logFile = join(directory, LOG_FILE);
  const logStart = (await readLog(logFile)).length;
  const child = await RedisProcess.spawn(binary, args, directory);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await answersAs(port, child.pid)) return child;
    const exit = child.exit;
    if (exit !== undefined) {
      const log = await logTail(logFile, logStart, child.stderr);
      const message = `redis-server on port ${port} exited during startup (${describeExit(exit)})`;
      if (/address already in use/i.test(log)) throw new PortInUseError(message, { port, log });
      throw new RedisStartError(message, { port, log });
    }
    if (Date.now() >= deadline) {
      child.signal('SIGKILL');
      await child.exited;
      throw new RedisStartError(
        `redis-server on port ${port} did not answer PING within ${timeoutMs}ms`,
        { port, log: await logTail(logFile, logStart, child.stderr) },
      );
    }
    await Promise.race([delay(PROBE_INTERVAL_MS), child.exited]);
  }
}

/**
 * Whether the server on `port` answers PING and is the process `pid`: a server that
 * failed to bind must not be mistaken for whatever else listens there.
 */
async function answersAs(port: number, pid: number): Promise<boolean> {
  try {
    const [pong, info] = await sendRedisCommands(
      LOOPBACK,
      port,
      [['PING'], ['INFO', 'server']],
      PROBE_TIMEOUT_MS,
    );
    return pong === 'PONG' && typeof info === 'string' && info.includes(`process_id:${pid}\r\n`);
  } catch {
    return false;
  }
}

/** SIGTERM (Redis then shuts down without saving: no save points), SIGKILL if it hangs. */
async function shutDown(child: RedisProcess): Promise<void> {
  if (!child.running) return;
  child.signal('SIGTERM');
  const escalate = setTimeout(() => child.signal('SIGKILL'), STOP_TIMEOUT_MS);
  await child.exited;
  clearTimeout(escalate);
}

async function readLog(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch {
    return Buffer.alloc(0);
  }
}

async function logTail(file: string, from: number, stderr: string): Promise<string> {
  const log = (await readLog(file)).subarray(from).toString('utf8');
  return `${log}\n${stderr}`
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-LOG_TAIL_LINES)
    .join('\n');
}

function describeExit(exit: ProcessExit): string {
  return exit.signal === null ? `exit code ${exit.code}` : `signal ${exit.signal}`;
}
