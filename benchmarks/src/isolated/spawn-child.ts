import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type ChildJob, type ChildReport, type ChildRunner, childArgs } from './child-job.js';

export interface SpawnChildOptions {
  /** The child's entry script. @default child.js beside this module */
  readonly entry?: string;
  /** Node options before the entry (e.g. a loader in tests); `--expose-gc` is always given. */
  readonly execArgv?: readonly string[];
  /** How much of the child's output a failure report keeps, from the end. @default 4000 */
  readonly keepOutput?: number;
}

/** The compiled child entry: `dist/isolated/child.js`. */
export const defaultChildEntry = fileURLToPath(new URL('./child.js', import.meta.url));

/**
 * Runs each job in a fresh `node --expose-gc <entry> --job <json>` with an IPC channel using
 * structured-clone serialisation, one at a time (the caller awaits each), and resolves to the
 * report the child sent. A child that exits without reporting resolves to a failure naming
 * its exit code or signal and the end of its output.
 */
export function spawnChildRunner(options: SpawnChildOptions = {}): ChildRunner {
  const entry = options.entry ?? defaultChildEntry;
  const keep = options.keepOutput ?? 4000;
  return (job: ChildJob) =>
    new Promise<ChildReport>((resolve) => {
      const child = spawn(
        process.execPath,
        ['--expose-gc', ...(options.execArgv ?? []), entry, ...childArgs(job)],
        { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced' },
      );
      let output = '';
      const collect = (chunk: Buffer) => {
        output = (output + chunk.toString('utf8')).slice(-keep);
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      let report: ChildReport | undefined;
      child.on('message', (message) => {
        report ??= message as ChildReport;
      });
      child.on('error', (error) => {
        report ??= { ok: false, message: `could not start ${entry}: ${error.message}` };
      });
      child.on('close', (code, signal) => {
        const tail = output.trim();
        resolve(
          report ?? {
            ok: false,
            message:
              `the child process exited with ${signal === null ? `code ${code}` : `signal ${signal}`} ` +
              `without reporting${tail === '' ? '' : `; its output ended with:\n${tail}`}`,
          },
        );
      });
    });
}
