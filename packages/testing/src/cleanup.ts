import { rmSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

/**
 * The last line of defence against leaked servers: every redis-server this package
 * spawns is registered here until it exits, with the temporary directory it works in.
 *
 * - On process `exit` (normal end, `process.exit()`, uncaught error) every registered
 *   server is sent SIGKILL synchronously and its directory removed.
 * - On SIGINT/SIGTERM the same happens, then the signal's default behaviour is restored:
 *   if no other listener remains, the signal is raised again so the process still dies of
 *   it. Signal listeners are only installed on the main thread, where signals arrive.
 * - A SIGKILL of this process cannot be caught: the watchdog of each server (see
 *   `redis-process.ts`) covers that case.
 */

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

const pids = new Set<number>();
const directories = new Set<string>();
let exitHookInstalled = false;
let signalHooksInstalled = false;

/** Registers the pid of a running redis-server. */
export function trackProcess(pid: number): void {
  installHooks();
  pids.add(pid);
}

/** Forgets a pid once its process has exited. */
export function untrackProcess(pid: number): void {
  pids.delete(pid);
}

/** Registers a temporary directory to remove if the process ends before `stop()`. */
export function trackDirectory(directory: string): void {
  installHooks();
  directories.add(directory);
}

/** Forgets a directory that `stop()` removes itself. */
export function untrackDirectory(directory: string): void {
  directories.delete(directory);
}

/** How many spawned processes are registered and not yet seen to exit. */
export function trackedProcessCount(): number {
  return pids.size;
}

/**
 * Sends SIGKILL to every registered process and removes every registered directory,
 * synchronously (it runs inside the `exit` event, where nothing asynchronous happens).
 */
export function killTrackedSync(): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  pids.clear();
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  directories.clear();
}

function installHooks(): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', killTrackedSync);
  }
  if (!signalHooksInstalled && isMainThread) {
    signalHooksInstalled = true;
    for (const signal of SIGNALS) process.on(signal, onSignal);
  }
}

function onSignal(signal: NodeJS.Signals): void {
  killTrackedSync();
  for (const each of SIGNALS) process.removeListener(each, onSignal);
  signalHooksInstalled = false;
  // Our listener replaced the default "terminate"; if nobody else listens, die as the
  // signal intended. With other listeners, they decide, as they would without us.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}
