import { describe, expect, it } from 'vitest';
import { type ChildJob, childArgs, parseChildArgs } from './child-job.js';

const job: ChildJob = {
  module: 'file:///suite.js',
  suite: 'fixture',
  caseName: 'sum',
  implementation: 'reduce',
  settings: { warmupRounds: 1, rounds: 3, roundMs: 20 },
};

describe('child job arguments', () => {
  it('carry the whole job as JSON after --job, read back unchanged', () => {
    expect(childArgs(job)[0]).toBe('--job');
    expect(parseChildArgs(['--other', ...childArgs(job)])).toEqual(job);
  });

  it('refuse a missing, malformed or incomplete job, naming what is wrong', () => {
    expect(() => parseChildArgs([])).toThrow(
      "Expected `--job <json>` in the child's arguments, got []",
    );
    expect(() => parseChildArgs(['--job'])).toThrow(TypeError);
    expect(() => parseChildArgs(['--job', '{'])).toThrow('Expected `--job` to be JSON, got "{"');
    expect(() => parseChildArgs(['--job', '{"module":"m"}'])).toThrow(
      'Expected `--job` to hold `module`, `suite`, `caseName`, `implementation` and `settings`, got {"module":"m"}',
    );
    expect(() => parseChildArgs(['--job', 'null'])).toThrow(/to hold `module`/);
  });
});
