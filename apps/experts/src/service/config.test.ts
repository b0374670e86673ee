import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

const EXPERTS = 'a=http://127.0.0.1:4001,b=http://localhost:4002/';

describe('loadConfig', () => {
  it('takes the documented defaults', () => {
    expect(loadConfig({ EXPERTS })).toEqual({
      port: 3000,
      host: '127.0.0.1',
      experts: [
        { name: 'a', url: 'http://127.0.0.1:4001' },
        { name: 'b', url: 'http://localhost:4002' },
      ],
      defaultDeadlineMs: 5000,
      bodyLimitBytes: 65_536,
      readyTimeoutMs: 1000,
      shutdownTimeoutMs: 10_000,
      logLevel: 'info',
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      EXPERTS: ' x = https://e.example/base ',
      PORT: '0',
      HOST: '0.0.0.0',
      DEFAULT_DEADLINE_MS: '100',
      BODY_LIMIT_BYTES: '2048',
      READY_TIMEOUT_MS: '50',
      SHUTDOWN_TIMEOUT_MS: '500',
      LOG_LEVEL: 'silent',
    });
    expect(config).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      experts: [{ name: 'x', url: 'https://e.example/base' }],
      defaultDeadlineMs: 100,
      bodyLimitBytes: 2048,
      readyTimeoutMs: 50,
      shutdownTimeoutMs: 500,
      logLevel: 'silent',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it.each([
    [{ PORT: 'abc' }, TypeError, /`PORT`.*abc/],
    [{ PORT: '70000' }, RangeError, /`PORT`.*<= 65535/],
    [{ PORT: '1.5' }, TypeError, /`PORT`/],
    [{ DEFAULT_DEADLINE_MS: '99' }, RangeError, /`DEFAULT_DEADLINE_MS`.*>= 100 and <= 60000/],
    [{ DEFAULT_DEADLINE_MS: '60001' }, RangeError, /`DEFAULT_DEADLINE_MS`/],
    [{ BODY_LIMIT_BYTES: '-1' }, RangeError, /`BODY_LIMIT_BYTES`/],
    [{ READY_TIMEOUT_MS: '0' }, RangeError, /`READY_TIMEOUT_MS`/],
    [{ SHUTDOWN_TIMEOUT_MS: 'soon' }, TypeError, /`SHUTDOWN_TIMEOUT_MS`/],
    [{ LOG_LEVEL: 'loud' }, RangeError, /`LOG_LEVEL`.*loud/],
  ])('refuses %o naming the variable', (env, type, message) => {
    expect(() => loadConfig({ EXPERTS, ...env })).toThrow(type);
    expect(() => loadConfig({ EXPERTS, ...env })).toThrow(message);
  });

  it.each([
    [undefined, /`EXPERTS`/],
    ['', /`EXPERTS`/],
    ['a', /`EXPERTS`.*name/],
    ['=http://x', /`EXPERTS`/],
    ['a=http://x,a=http://y', /`EXPERTS`.*`a` twice/],
    ['a=not a url', /`EXPERTS`.*`a`/],
    ['a=ftp://x', /`EXPERTS`.*`a`/],
  ])('refuses EXPERTS=%s', (experts, message) => {
    expect(() => loadConfig(experts === undefined ? {} : { EXPERTS: experts })).toThrow(message);
  });
});
