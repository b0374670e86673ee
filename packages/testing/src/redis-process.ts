import { type ChildProcess, spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { trackProcess, untrackProcess } from './cleanup.js';

/** `$0` of the wrapper shell: shows in `ps` next to each watchdog. */
export const WATCHDOG_NAME = 'breakwater-redis-watchdog';

/**
 * Runs `"$@"` (redis-server and its arguments) under a watchdog, with no polling. `$1` is
 * the server's directory, removed by the watchdog along with the server.
 *
 * 1. fd 3 is a pipe from this Node process that nothing else holds (Node's own ends are
 *    close-on-exec). Not stdin: Node destroys a child's stdin as soon as it exits, and
 *    the watchdog must be told apart "redis exited" from "Node died".
 * 2. A background subshell blocks reading one line from fd 3. Node writes the line when
 *    redis has exited: the watchdog then just ends. If instead the read hits end of file,
 *    the Node process is gone, even if it was SIGKILLed: the watchdog kills redis (`$$`,
 *    the pid the shell is about to hand to redis) and removes its directory.
 * 3. The shell `exec`s redis-server (without fd 3), so the spawned child's pid is
 *    redis-server's own: signals and exit codes need no translation.
 */
const WATCHDOG_SCRIPT = [
  'dir=$1',
  'shift',
  '( read -r _ <&3 || { kill -9 $$; [ -n "$dir" ] && rm -rf "$dir"; } ) </dev/null >/dev/null 2>&1 &',
  'exec "$@" 3<&-',
].join('\n');

const STDERR_LIMIT = 8_192;

/** How a process ended. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One run of redis-server: spawned under the watchdog, registered for cleanup until exit. */
export class RedisProcess {
  /** The redis-server pid (the shell `exec`s it, so the pid is kept). */
  readonly pid: number;
  /** Settles when the process has exited; never rejects. */
  readonly exited: Promise<ProcessExit>;
  #exit: ProcessExit | undefined;
  #stderr = '';

  private constructor(child: ChildProcess, pid: number) {
    this.pid = pid;
    trackProcess(pid);
    const watchdog = child.stdio[3] as Writable;
    // The watchdog may already be gone when we release it: ignore EPIPE.
    watchdog.on('error', () => {});
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-STDERR_LIMIT);
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        const exit = { code, signal };
        this.#exit = exit;
        untrackProcess(pid);
        watchdog.end('exit\n');
        resolve(exit);
      });
    });
    // A forgotten server must not keep the test process alive; cleanup.ts kills it on exit.
    child.unref();
    unref(watchdog);
    unref(child.stderr);
  }

  /**
   * Spawns `binary args...` under the watchdog; resolves once the process exists.
   * `directory` is removed by the watchdog if this Node process dies first.
   */
  static spawn(binary: string, args: readonly string[], directory: string): Promise<RedisProcess> {
    return new Promise((resolve, reject) => {
      const script = ['-c', WATCHDOG_SCRIPT, WATCHDOG_NAME, directory, binary, ...args];
      const child = spawn('sh', script, {
        stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      });
      child.once('error', reject);
      child.once('spawn', () => {
        child.removeListener('error', reject);
        child.on('error', () => {});
        resolve(new RedisProcess(child, child.pid!));
      });
    });
  }

  /** Whether the process has not been seen to exit yet. */
  get running(): boolean {
    return this.#exit === undefined;
  }

  /** How the process ended, once it has. */
  get exit(): ProcessExit | undefined {
    return this.#exit;
  }

  /** What the process wrote to stderr (the tail), e.g. fatal configuration errors. */
  get stderr(): string {
    return this.#stderr;
  }

  /** Sends `signal` to redis-server itself, if it is still running. */
  signal(signal: NodeJS.Signals): void {
    if (!this.running) return;
    try {
      process.kill(this.pid, signal);
    } catch {
      // It exited in the meantime; the exit event follows.
    }
  }
}

function unref(stream: unknown): void {
  if (typeof (stream as { unref?: unknown } | null)?.unref === 'function') {
    (stream as { unref(): void }).unref();
  }
}
