import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

/** A child process the demo started, with the tail of its output kept for error reports. */
export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  /** The last lines it wrote (stdout and stderr), for a failure report. */
  tail(): string;
}

const TAIL_LINES = 20;

/**
 * The demo's child processes: every one is stopped by {@link ChildSet.stopAll}, and killed
 * with SIGKILL when the demo's own process exits while one is still alive.
 */
export class ChildSet {
  readonly #children: Child[] = [];
  readonly #onExit = (): void => {
    for (const child of this.#children) {
      if (child.process.exitCode === null && child.process.signalCode === null) {
        child.process.kill('SIGKILL');
      }
    }
  };

  constructor() {
    process.on('exit', this.#onExit);
  }

  /** Process ids of every child started so far. */
  pids(): number[] {
    return this.#children.flatMap((c) => (c.process.pid === undefined ? [] : [c.process.pid]));
  }

  /** Starts `node <script> ...args`; its output is read (never left to fill a pipe). */
  start(name: string, script: string, args: readonly string[], env: NodeJS.ProcessEnv): Child {
    const child = spawn(process.execPath, [script, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    const keep = (chunk: Buffer): void => {
      for (const line of String(chunk).split('\n')) {
        if (line.trim() === '') continue;
        lines.push(line);
        if (lines.length > TAIL_LINES) lines.shift();
      }
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    // A spawn error (e.g. ENOENT) shows up as an exit; do not let it throw unhandled.
    child.on('error', (error) => lines.push(`spawn failed: ${error.message}`));
    const entry: Child = { name, process: child, tail: () => lines.join('\n') };
    this.#children.push(entry);
    return entry;
  }

  /**
   * Stops every child: SIGTERM, then SIGKILL for those still alive after `graceMs`.
   * Resolves once all have exited.
   */
  async stopAll(graceMs = 3000): Promise<void> {
    const alive = this.#children.filter(
      (c) => c.process.exitCode === null && c.process.signalCode === null,
    );
    await Promise.all(
      alive.map(async (c) => {
        const exited = once(c.process, 'exit');
        c.process.kill('SIGTERM');
        const timer = setTimeout(() => c.process.kill('SIGKILL'), graceMs);
        try {
          await exited;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    process.off('exit', this.#onExit);
  }
}

/** Resolves with the first line the child writes on stdout; rejects if it exits first or after `timeoutMs`. */
export function firstLine(child: Child, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const cleanup = (): void => {
      clearTimeout(timer);
      child.process.stdout?.off('data', onData);
      child.process.off('exit', onExit);
    };
    const onData = (chunk: Buffer): void => {
      text += String(chunk);
      const end = text.indexOf('\n');
      if (end >= 0) {
        cleanup();
        resolve(text.slice(0, end));
      }
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(
        new Error(`${child.name} exited (code ${code}) before it was ready:\n${child.tail()}`),
      );
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${child.name} wrote nothing within ${timeoutMs} ms:\n${child.tail()}`));
    }, timeoutMs);
    child.process.stdout?.on('data', onData);
    child.process.once('exit', onExit);
  });
}
