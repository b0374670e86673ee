import { Worker } from 'node:worker_threads';
import { MAX_TIMER_MS } from '@breakwater/core';
import { Pool, PoolClosedError } from '@breakwater/pool';
import { ConsensusWorkerError } from './errors.js';
import {
  backendErrorFrom,
  type ConsensusTask,
  type SerializedError,
  type TaskResult,
} from './parallel-tasks.js';

/**
 * The worker threads of parallel analyses: one pool per `workers` size, created on first
 * use and shared by every call of the process with that size. Workers are `unref()`'d
 * while idle, so they never keep the process alive, and referenced while a task runs, so
 * that a pending analysis does.
 */

type Reply =
  | {
      readonly ok: true;
      readonly kernel: TaskResult['kernel'];
      readonly labels: TaskResult['labels'];
    }
  | { readonly ok: false; readonly error: SerializedError };

/** The built worker entry; from the sources (tests), the one in `dist`. */
function defaultWorkerUrl(): URL {
  return import.meta.url.endsWith('.ts')
    ? new URL('../dist/worker.js', import.meta.url)
    : new URL('./worker.js', import.meta.url);
}

/**
 * The process's Node.js options for a worker thread, without those that only apply to the
 * main script (`--input-type`, `--eval`, `--print`), which a worker refuses.
 */
export function workerExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (['-e', '--eval', '-p', '--print', '--input-type'].includes(arg)) i++;
    else if (!/^--(input-type|eval|print)=/.test(arg)) kept.push(arg);
  }
  return kept;
}

/** One worker thread, running one task at a time. */
export class ConsensusWorker {
  readonly #worker: Worker | undefined;
  #pending: { resolve(result: TaskResult): void; reject(error: unknown): void } | undefined;
  #failure: ConsensusWorkerError | undefined;

  constructor(url: URL) {
    let worker: Worker;
    try {
      worker = new Worker(url, { execArgv: workerExecArgv() });
    } catch (error) {
      // Lent as a broken worker: its first task rejects and the pool destroys it, so that
      // a thread that cannot start fails the call instead of leaving it waiting.
      this.#failure = new ConsensusWorkerError('Worker thread could not start', { cause: error });
      this.#worker = undefined;
      return;
    }
    worker.unref();
    worker.on('message', (reply: Reply) => this.#settle(reply));
    worker.on('error', (error) =>
      this.#fail(new ConsensusWorkerError('Worker thread crashed', { cause: error })),
    );
    worker.on('messageerror', (error) =>
      this.#fail(
        new ConsensusWorkerError('Worker thread sent an unreadable message', { cause: error }),
      ),
    );
    worker.on('exit', (code) =>
      this.#fail(new ConsensusWorkerError(`Worker thread exited with code ${code}`)),
    );
    this.#worker = worker;
  }

  /** True once the thread crashed or exited: the pool destroys it rather than lend it. */
  get broken(): boolean {
    return this.#failure !== undefined;
  }

  /** Runs a task; rejects with `ConsensusWorkerError` if the thread dies meanwhile. */
  run(task: ConsensusTask): Promise<TaskResult> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise<TaskResult>((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#worker?.ref();
      this.#worker?.postMessage(task);
    });
  }

  async terminate(): Promise<void> {
    await this.#worker?.terminate();
  }

  #settle(reply: Reply): void {
    const pending = this.#take();
    if (pending === undefined) return;
    if (reply.ok) {
      pending.resolve({ kernel: reply.kernel, labels: reply.labels });
      return;
    }
    pending.reject(
      backendErrorFrom(reply.error) ??
        new ConsensusWorkerError(`Worker task failed: ${reply.error.message}`, {
          cause: reply.error,
        }),
    );
  }

  #fail(error: ConsensusWorkerError): void {
    this.#failure ??= error;
    this.#take()?.reject(error);
  }

  #take() {
    const pending = this.#pending;
    this.#pending = undefined;
    this.#worker?.unref();
    return pending;
  }
}

/** A pool of worker threads of at most `size`. */
export function createWorkerPool(
  size: number,
  url: URL = defaultWorkerUrl(),
): Pool<ConsensusWorker> {
  return new Pool<ConsensusWorker>({
    create: () => new ConsensusWorker(url),
    destroy: (worker) => worker.terminate(),
    validate: (worker) => !worker.broken,
    max: size,
    acquireTimeoutMs: MAX_TIMER_MS,
    idleTimeoutMs: 30_000,
    maxLifetimeMs: 0,
  });
}

const pools = new Map<number, Pool<ConsensusWorker>>();
let exitHookInstalled = false;

/** The shared pool of `size` workers, created on first use. */
export function sharedWorkerPool(size: number): Pool<ConsensusWorker> {
  let pool = pools.get(size);
  if (pool === undefined) {
    pool = createWorkerPool(size);
    pools.set(size, pool);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.once('exit', () => {
        for (const open of pools.values()) void open.close({ timeoutMs: 0 }).catch(() => {});
        pools.clear();
      });
    }
  }
  return pool;
}

/**
 * Closes the worker threads of `analyzeConsensusParallel` and waits until they have
 * ended. Analyses running meanwhile finish the tasks their workers hold and reject with
 * `PoolClosedError` instead of starting more. The next parallel analysis starts new workers.
 */
export async function closeConsensusWorkers(): Promise<void> {
  const open = Array.from(pools.values());
  pools.clear();
  await Promise.all(open.map((pool) => pool.close()));
}

/**
 * Runs `tasks` on at most `concurrency` workers of `pool`, each worker taking the next
 * task when it finishes one. Results come back in the order of `tasks`. Rejects with
 * `PoolClosedError` when the pool closes before every task started. On abort it
 * rejects with `signal.reason` at once; tasks already running finish in their worker and
 * their results are dropped. A worker that crashes is destroyed (the pool replaces it)
 * and the call rejects with its error.
 */
export function runTasks(
  pool: Pool<ConsensusWorker>,
  concurrency: number,
  tasks: readonly ConsensusTask[],
  signal: AbortSignal | undefined,
): Promise<TaskResult[]> {
  const results: TaskResult[] = new Array(tasks.length);
  let next = 0;
  let stopped = false;
  const loop = () =>
    pool.use(
      async (worker, { markBroken }) => {
        while (!stopped && next < tasks.length) {
          // Closed meanwhile: the lent workers go back at once rather than run the rest.
          if (pool.closed) throw new PoolClosedError();
          const index = next++;
          try {
            results[index] = await worker.run(tasks[index]!);
          } catch (error) {
            stopped = true;
            if (worker.broken) markBroken();
            throw error;
          }
        }
      },
      signal === undefined ? {} : { signal },
    );
  const lanes = Math.max(1, Math.min(concurrency, tasks.length));
  const all = Promise.all(Array.from({ length: lanes }, loop)).then(() => results);
  if (signal === undefined) return all;
  return new Promise<TaskResult[]>((resolve, reject) => {
    const onAbort = () => {
      stopped = true;
      reject(signal.reason);
    };
    if (signal.aborted) {
      onAbort();
      all.catch(() => {});
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    all.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
