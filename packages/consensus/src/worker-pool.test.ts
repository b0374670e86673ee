import { isPoolClosedError } from '@breakwater/pool';
import { describe, expect, it } from 'vitest';
import { ConsensusBackendError, isConsensusWorkerError } from './errors.js';
import type { ConsensusTask } from './parallel-tasks.js';
import { createWorkerPool, runTasks, workerExecArgv } from './worker-pool.js';

const fixture = new URL('./worker.fixture.mjs', import.meta.url);
const task = (type: string, value = 0) => ({ type, value }) as unknown as ConsensusTask;

describe('worker pool', () => {
  it('runs tasks in order on several workers', async () => {
    const pool = createWorkerPool(2, fixture);
    const results = await runTasks(
      pool,
      2,
      [1, 2, 3, 4, 5].map((v) => task('ok', v)),
      undefined,
    );
    expect(results.map((r) => r.labels?.[0])).toEqual([1, 2, 3, 4, 5]);
    await pool.close();
  });

  it('rejects with a worker error when a worker crashes, and replaces it', async () => {
    const pool = createWorkerPool(1, fixture);
    for (const type of ['crash', 'exit']) {
      const failed = runTasks(pool, 1, [task(type), task('ok')], undefined);
      await expect(failed).rejects.toSatisfy(isConsensusWorkerError);
    }
    const results = await runTasks(pool, 1, [task('ok', 7)], undefined);
    expect(results[0]?.labels?.[0]).toBe(7);
    expect(pool.stats().destroyed).toBe(2);
    await pool.close();
  });

  it('rejects with the error a task reported, typed, and keeps the worker', async () => {
    const pool = createWorkerPool(1, fixture);
    await expect(runTasks(pool, 1, [task('fail')], undefined)).rejects.toThrow(
      /Worker task failed: task failed on purpose/,
    );
    await expect(runTasks(pool, 1, [task('fail-backend')], undefined)).rejects.toBeInstanceOf(
      ConsensusBackendError,
    );
    await expect(runTasks(pool, 1, [task('ok', 1)], undefined)).resolves.toHaveLength(1);
    expect(pool.stats().destroyed).toBe(0);
    await pool.close();
  });

  it('rejects with the reason of an aborted signal, and the pool stays usable', async () => {
    const pool = createWorkerPool(1, fixture);
    const reason = new Error('stop');
    await expect(runTasks(pool, 1, [task('ok')], AbortSignal.abort(reason))).rejects.toBe(reason);
    const controller = new AbortController();
    const running = runTasks(pool, 1, [task('ok'), task('ok')], controller.signal);
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    await expect(runTasks(pool, 1, [task('ok', 2)], new AbortController().signal)).resolves.toEqual(
      [{ kernel: 'js', labels: Uint32Array.of(2) }],
    );
    await pool.close();
  });
});

describe('workerExecArgv', () => {
  it('drops the options that only apply to the main script', () => {
    expect(
      workerExecArgv([
        '--input-type=module',
        '-e',
        'code',
        '--conditions=dev',
        '--input-type',
        'module',
        '--print',
        'x',
        '--eval=y',
        '--max-old-space-size=100',
      ]),
    ).toEqual(['--conditions=dev', '--max-old-space-size=100']);
    expect(workerExecArgv()).toEqual(expect.any(Array));
  });
});

describe('closing', () => {
  it('rejects the calls of a pool closed meanwhile with PoolClosedError, after their running tasks', async () => {
    const pool = createWorkerPool(1, fixture);
    const running = runTasks(pool, 1, [task('ok'), task('ok'), task('ok')], undefined);
    await new Promise((resolve) => setImmediate(resolve));
    const closing = pool.close();
    await expect(running).rejects.toSatisfy(isPoolClosedError);
    await closing;
    expect(pool.stats().size).toBe(0);
  });
});

describe('a worker that cannot start', () => {
  it('fails the call with a worker error instead of leaving it waiting', async () => {
    const pool = createWorkerPool(1, new URL('https://example.invalid/worker.js'));
    for (let attempt = 0; attempt < 2; attempt++) {
      await expect(runTasks(pool, 1, [task('ok')], undefined)).rejects.toThrow(
        /Worker thread could not start/,
      );
    }
    await pool.close();
  });
});
