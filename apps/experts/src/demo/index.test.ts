import { describe, expect, it } from 'vitest';
import { RedisMissingError, runScenario } from './index.js';

describe('@breakwater/experts/demo', () => {
  it('exports the scenario and the error it throws without redis-server', () => {
    expect(typeof runScenario).toBe('function');
    expect(new RedisMissingError('no redis-server').name).toBe('RedisMissingError');
  });

  it('refuses an instance count below 1 before starting anything', async () => {
    await expect(
      runScenario(
        {
          instances: 0,
          redis: false,
          rate: 10,
          connections: 2,
          seconds: 1,
          warmSeconds: 1,
          timePlan: false,
          title: 'never printed',
        },
        { out: () => expect.unreachable(), signal: new AbortController().signal },
      ),
    ).rejects.toThrow(RangeError);
  });
});
