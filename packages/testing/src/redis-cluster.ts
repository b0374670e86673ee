import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Cluster, type ClusterOptions } from 'ioredis';
import { disconnectAll } from './disconnect.js';
import { RedisServerStoppedError, RedisStartError } from './errors.js';
import { findRedisBinary } from './find-binary.js';
import { CLUSTER_BUS_OFFSET, getFreeClusterPort } from './free-port.js';
import {
  DEFAULT_CLUSTER_START_TIMEOUT_MS,
  resolveStartRedisClusterOptions,
  resolveTimeout,
} from './options.js';
import { launchRedisServer, type RedisServer, type RedisServerHandle } from './redis-server.js';
import { sendRedisCommands } from './send-redis-commands.js';

/** Options of {@link startRedisCluster}. */
export interface StartRedisClusterOptions {
  /**
   * Number of master nodes (no replicas); `redis-cli --cluster create` needs at least 3.
   * @default 3
   */
  masters?: number;
  /**
   * How long starting the nodes, creating the cluster and waiting for every node to
   * report `cluster_state:ok` may take, all together.
   * @default 30000
   */
  startTimeoutMs?: number;
}

/** Where an ioredis `Cluster` can start discovering the cluster. */
export interface ClusterStartupNode {
  readonly host: string;
  readonly port: number;
}

/** A Redis Cluster started by {@link startRedisCluster}. */
export interface RedisClusterHandle extends AsyncDisposable {
  /** One handle per master; `kill()`/`restart()` a node to simulate its crash. */
  readonly nodes: readonly RedisServerHandle[];
  /** `{ host, port }` of every node, for `new Cluster(startupNodes)`. */
  readonly startupNodes: readonly ClusterStartupNode[];
  /** Creates an ioredis `Cluster` client; the handle disconnects it on `stop()`. */
  cluster(options?: ClusterOptions): Cluster;
  /**
   * Resolves once every node reports `cluster_state:ok`, e.g. after `restart()` of a
   * node: a restarted master waits about 2 s before it serves its slots again.
   * @throws RedisStartError after `timeoutMs` (default 30000).
   */
  waitUntilOk(options?: { timeoutMs?: number }): Promise<void>;
  /** Disconnects the cluster clients and stops every node. Idempotent; final. */
  stop(): Promise<void>;
}

const CLUSTER_NODE_TIMEOUT_MS = 2_000;
const PROBE_INTERVAL_MS = 100;
const OUTPUT_TAIL_LINES = 30;
const execFileAsync = promisify(execFile);

/**
 * Starts `masters` cluster-enabled redis-server nodes on free ports of 127.0.0.1 (each
 * with its bus port free too), joins them with `redis-cli --cluster create` and resolves
 * once every node reports `cluster_state:ok`.
 *
 * @throws RedisNotInstalledError at once when `redis-server` or `redis-cli` is missing.
 * @throws RedisStartError when a node, `redis-cli` or the convergence fails or times out;
 *   the nodes started so far are stopped first.
 */
export async function startRedisCluster(
  options: StartRedisClusterOptions = {},
): Promise<RedisClusterHandle> {
  const { masters, startTimeoutMs } = resolveStartRedisClusterOptions(options);
  const serverBinary = findRedisBinary('redis-server');
  const cliBinary = findRedisBinary('redis-cli');
  const deadline = Date.now() + startTimeoutMs;
  const remainingMs = () => Math.max(1, deadline - Date.now());

  const reserved = new Set<number>();
  const pickPort = async () => {
    const port = await getFreeClusterPort(reserved);
    reserved.add(port).add(port + CLUSTER_BUS_OFFSET);
    return port;
  };
  const clusterArgs = (directory: string) => [
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    join(directory, 'nodes.conf'),
    '--cluster-node-timeout',
    String(CLUSTER_NODE_TIMEOUT_MS),
  ];

  const nodes: RedisServer[] = [];
  try {
    // One after the other: ports are picked with the ones already handed out in view.
    for (let index = 0; index < masters; index++) {
      nodes.push(
        await launchRedisServer({
          binary: serverBinary,
          pickPort,
          args: clusterArgs,
          startTimeoutMs: remainingMs(),
        }),
      );
    }
    await createCluster(cliBinary, nodes, remainingMs());
    await waitForClusterOk(nodes, deadline, startTimeoutMs);
  } catch (error) {
    await Promise.all(nodes.map((node) => node.stop()));
    throw error;
  }
  return new RedisCluster(nodes);
}

class RedisCluster implements RedisClusterHandle {
  readonly nodes: readonly RedisServerHandle[];
  readonly startupNodes: readonly ClusterStartupNode[];
  readonly #clusters = new Set<Cluster>();
  #stopped: Promise<void> | undefined;

  constructor(nodes: readonly RedisServerHandle[]) {
    this.nodes = Object.freeze([...nodes]);
    this.startupNodes = Object.freeze(nodes.map(({ host, port }) => Object.freeze({ host, port })));
  }

  cluster(options: ClusterOptions = {}): Cluster {
    if (this.#stopped !== undefined) {
      const ports = this.startupNodes.map(({ port }) => port).join(', ');
      throw new RedisServerStoppedError(
        'create a cluster client',
        `the Redis Cluster on ports ${ports}`,
      );
    }
    const cluster = new Cluster(
      this.startupNodes.map(({ host, port }) => ({ host, port })),
      options,
    );
    this.#clusters.add(cluster);
    cluster.once('end', () => this.#clusters.delete(cluster));
    return cluster;
  }

  waitUntilOk(options: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = resolveTimeout(
      options.timeoutMs,
      DEFAULT_CLUSTER_START_TIMEOUT_MS,
      'timeoutMs',
    );
    return waitForClusterOk(this.nodes, Date.now() + timeoutMs, timeoutMs);
  }

  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      await disconnectAll(this.#clusters);
      this.#clusters.clear();
      await Promise.all(this.nodes.map((node) => node.stop()));
    })();
    return this.#stopped;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

async function createCluster(
  cliBinary: string,
  nodes: readonly RedisServerHandle[],
  timeoutMs: number,
): Promise<void> {
  const addresses = nodes.map(({ host, port }) => `${host}:${port}`);
  const args = ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'];
  try {
    await execFileAsync(cliBinary, args, { timeout: timeoutMs, killSignal: 'SIGKILL' });
  } catch (error) {
    throw new RedisStartError(`\`redis-cli ${args.join(' ')}\` failed`, {
      log: outputTail(error),
      cause: error,
    });
  }
}

async function waitForClusterOk(
  nodes: readonly RedisServerHandle[],
  deadline: number,
  timeoutMs: number,
): Promise<void> {
  for (const node of nodes) {
    for (;;) {
      const info = await clusterInfo(node);
      if (info.includes('cluster_state:ok')) break;
      if (Date.now() >= deadline) {
        throw new RedisStartError(
          `Redis Cluster node ${node.host}:${node.port} did not report cluster_state:ok within ${timeoutMs}ms`,
          { port: node.port, log: info },
        );
      }
      await delay(PROBE_INTERVAL_MS);
    }
  }
}

async function clusterInfo(node: RedisServerHandle): Promise<string> {
  try {
    const [info] = await sendRedisCommands(node.host, node.port, [['CLUSTER', 'INFO']]);
    return String(info);
  } catch (error) {
    return String(error);
  }
}

function outputTail(error: unknown): string {
  const { stdout = '', stderr = '' } = error as { stdout?: unknown; stderr?: unknown };
  return `${String(stdout)}\n${String(stderr)}`
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-OUTPUT_TAIL_LINES)
    .join('\n');
}
