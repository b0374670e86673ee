import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Builds `dist`, which the child processes load as a user would. */
export function buildPackage(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root });
}

/** What a child is told to do. */
export interface ChildTask {
  url?: string | undefined;
  startupNodes?: ReadonlyArray<{ host: string; port: number }> | undefined;
  keyPrefix: string;
  key: string;
  counter: string;
  release: string;
  lockTtlMs: number;
  calls: number;
}

/** What a child reports when its runs settled. */
export interface ChildDone {
  type: 'done';
  results: Array<{ pid: number }>;
  stats: { executions: number; remote: number; joined: number };
}

/** A child process running `child.fixture.mjs`, with its messages as promises. */
export interface Child {
  readonly process: ChildProcess;
  readonly called: Promise<void>;
  readonly running: Promise<void>;
  readonly done: Promise<ChildDone>;
}

export function startChild(task: ChildTask): Child {
  const fixture = fileURLToPath(new URL('./child.fixture.mjs', import.meta.url));
  const child = fork(fixture, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waitFor = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      child.on('message', (m: { type: string }) => {
        if (m.type === type) resolve(m as T);
      });
      child.once('error', reject);
      child.once('exit', (code, signal) =>
        reject(new Error(`child exited (${code ?? signal}) before "${type}"`)),
      );
    });
  const done = waitFor<ChildDone>('done');
  const running = waitFor<void>('running');
  running.catch(() => {});
  done.catch(() => {});
  child.send(task);
  return { process: child, called: waitFor<void>('called'), running, done };
}
