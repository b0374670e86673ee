import { afterEach, describe, expect, it, vi } from 'vitest';
import { childArgs } from './child-job.js';
import { fixtureSuiteUrl } from './in-process-runner.fixture.js';

const argv = process.argv;
const send = process.send;

afterEach(() => {
  process.argv = argv;
  Object.assign(process, { send });
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

describe('child entry', () => {
  it('runs its job from the arguments, reports over IPC and exits', async () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const sent: unknown[] = [];
    const fakeSend = (message: unknown, callback: (error: Error | null) => void) => {
      sent.push(message);
      callback(null);
      return true;
    };
    Object.assign(process, { send: fakeSend });
    process.argv = [
      process.execPath,
      'child.js',
      ...childArgs({
        module: fixtureSuiteUrl,
        suite: 'fixture',
        caseName: 'sum',
        implementation: 'for loop',
        settings: { warmupRounds: 0, rounds: 1, roundMs: 0.01 },
      }),
    ];
    await import('./child.js');
    expect(sent[0]).toMatchObject({ ok: true, result: { name: 'for loop', role: 'ours' } });
    expect(process.exitCode).toBe(0);
    expect(exit).toHaveBeenCalled();
  });
});
