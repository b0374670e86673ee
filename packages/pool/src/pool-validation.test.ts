import { describe, expect, it } from 'vitest';
import { OPTION_KEYS } from './options.js';
import { Pool } from './pool.js';

const create = () => ({});

describe('Pool option validation', () => {
  it.each([
    [{}, TypeError, 'Expected `create` to be a function, got `undefined`'],
    [{ create, max: 0 }, RangeError, 'Expected `max` to be an integer >= 1, got `0` (number)'],
    [{ create, min: -1 }, RangeError, '`min`'],
    [
      { create, min: 5, max: 2 },
      RangeError,
      'Expected `min` to be an integer <= max (2), got `5` (number)',
    ],
    [{ create, maxWaiting: -1 }, RangeError, '`maxWaiting`'],
    [
      { create, acquireTimeoutMs: 0 },
      RangeError,
      'Expected `acquireTimeoutMs` to be a finite number > 0 and <= 2147483647, got `0` (number)',
    ],
    [{ create, createTimeoutMs: -1 }, RangeError, '`createTimeoutMs`'],
    [{ create, destroyTimeoutMs: 'soon' }, TypeError, '`destroyTimeoutMs`'],
    [
      { create, createBackoff: { type: 'exponential', initialDelayMs: 0, maxDelayMs: 10 } },
      RangeError,
      '`createBackoff.initialDelayMs`',
    ],
    [
      { create, createBackoff: { type: 'exponential', initialDelayMs: 500, maxDelayMs: 100 } },
      RangeError,
      '`createBackoff.maxDelayMs`',
    ],
    [
      { create, createBackoff: { type: 'exponential', initialDelayMs: 100, maxDelayMs: 2 ** 31 } },
      RangeError,
      'Expected `createBackoff.maxDelayMs` to be a finite number >= 100 and <= 2147483647, got `2147483648` (number)',
    ],
    [
      { create, createBackoff: { type: 'constant', delayMs: 0 } },
      RangeError,
      '`createBackoff.delayMs` to be a finite number > 0',
    ],
    [{ create, createBackoff: { initialMs: 5 } }, TypeError, '`createBackoff.type`'],
    [
      { create, keepaliveMs: 5_000 },
      RangeError,
      'Expected `keepaliveMs` to be 0 without a `validate` function (keepalive validates idle resources with it), got `5000` (number)',
    ],
    [
      { create, validateOnReturn: true },
      RangeError,
      'Expected `validateOnReturn` to be false without a `validate` function (it validates returned resources with it), got `true` (boolean)',
    ],
    [{ create, idleTimeoutMs: -1 }, RangeError, '`idleTimeoutMs`'],
    [{ create, maxLifetimeMs: Number.NaN }, TypeError, '`maxLifetimeMs`'],
    [{ create, lifetimeJitter: 1 }, RangeError, '`lifetimeJitter`'],
    [{ create, keepaliveMs: -1 }, RangeError, '`keepaliveMs`'],
    [{ create, leakDetectionMs: -1 }, RangeError, '`leakDetectionMs`'],
    [{ create, reuse: 'random' }, RangeError, 'Expected `reuse` to be one of "lifo", "fifo"'],
    [{ create, destroy: 1 }, TypeError, '`destroy`'],
    [{ create, validate: 'ping' }, TypeError, '`validate`'],
    [{ create, validateOnReturn: 'yes' }, TypeError, '`validateOnReturn`'],
    [{ create, housekeepingIntervalMs: 0 }, RangeError, '`housekeepingIntervalMs`'],
    [{ create, clock: {} }, TypeError, '`clock`'],
    [{ create, maxWaitng: 5 }, TypeError, 'Unknown option `maxWaitng` in `options`'],
    [
      { create, createBackoff: { type: 'constant', delayMs: 5, initial: 5 } },
      TypeError,
      'Unknown option `initial` in `createBackoff`',
    ],
  ])('rejects %o', (options, type, message) => {
    expect(() => new Pool(options as never)).toThrow(type);
    expect(() => new Pool(options as never)).toThrow(message);
  });

  it('rejects bad acquire options with a named error', async () => {
    const pool = new Pool({ create, idleTimeoutMs: 0, maxLifetimeMs: 0 });
    await expect(pool.acquire({ timeoutMs: 0 })).rejects.toThrow(
      new RangeError(
        'Expected `timeoutMs` to be a finite number > 0 and <= 2147483647, got `0` (number)',
      ),
    );
    await expect(pool.acquire({ signal: 'x' as never })).rejects.toThrow(TypeError);
    await expect(pool.acquire({ priority: Number.NaN })).rejects.toThrow(TypeError);
    await expect(pool.acquire(5 as never)).rejects.toThrow(TypeError);
    await expect(pool.use('fn' as never)).rejects.toThrow(
      new TypeError('Expected `fn` to be a function, got `"fn"` (string)'),
    );
    await expect(pool.acquire({ timeout: 5 } as never)).rejects.toThrow(
      /Unknown option `timeout` in `options`; the options are `signal`, `timeoutMs`, `priority`/,
    );
    await expect(pool.close({ timeoutMs: -1 })).rejects.toThrow(RangeError);
    await expect(pool.close({ timeout: 1 } as never)).rejects.toThrow(/Unknown option `timeout`/);
    await pool.close();
  });

  it('accepts keepaliveMs and validateOnReturn together with validate', async () => {
    const pool = new Pool({
      create,
      validate: () => true,
      keepaliveMs: 5_000,
      validateOnReturn: true,
    });
    await pool.close();
  });

  it('never writes into the caller options', () => {
    const options = { create, max: 3 };
    void new Pool(options).close();
    expect(options).toEqual({ create, max: 3 });
  });
  it('takes an option given as undefined as absent', async () => {
    const pool = new Pool({
      ...Object.fromEntries(OPTION_KEYS.map((key) => [key, undefined])),
      create,
    });
    const resource = await pool.acquire({
      signal: undefined,
      timeoutMs: undefined,
      priority: undefined,
    });
    pool.release(resource);
    expect(pool.stats()).toMatchObject({ size: 1, idle: 1, created: 1 });
    await pool.close();
  });
});
