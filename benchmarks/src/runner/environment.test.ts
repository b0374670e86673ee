import { describe, expect, it } from 'vitest';
import { describeEnvironment } from './environment.js';

describe('describeEnvironment', () => {
  it('names the Node version, CPU model, core count and the date in ISO form', () => {
    const env = describeEnvironment(new Date('2026-01-02T03:04:05Z'));
    expect(env.node).toBe(process.version);
    expect(env.cpuModel.length).toBeGreaterThan(0);
    expect(env.cores).toBeGreaterThan(0);
    expect(env.date).toBe('2026-01-02T03:04:05.000Z');
  });
});
