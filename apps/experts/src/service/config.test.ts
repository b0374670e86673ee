import { describe, expect, it } from 'vitest';
import { hashKey, loadConfig } from './config.js';

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
      requestTimeoutMs: 30_000,
      mode: 'resilient',
      logLevel: 'info',
      logQuestions: false,
      apiKeyHashes: [],
      adminKeyHash: undefined,
      clientLimitPerMinute: 600,
      clientLimitPerDay: 100_000,
      expertLimitPerSecond: 500,
      expertTimeoutMs: 2000,
      expertRetries: 2,
      expertConcurrency: 64,
      expertConnections: 32,
      breakerOpenMs: 30_000,
      cacheMaxEntries: 10_000,
      cacheTtlMs: 60_000,
      maxParallel: 8,
      recordsDb: 'experts-records.duckdb',
      recordsBatchSize: 500,
      recordsFlushMs: 1000,
      dbConnections: 4,
      consensusWorkerChars: 200_000,
      consensusWorkers: 2,
      redisUrl: undefined,
      redisClusterNodes: [],
      redisPrefix: 'experts:',
      instanceId: expect.stringMatching(/^[A-Za-z0-9._-]+-\d+$/),
    });
  });

  it('reads the Redis settings and never echoes a Redis URL', () => {
    const config = loadConfig({
      EXPERTS,
      REDIS_CLUSTER_NODES: '127.0.0.1:7000, [::1]:7001',
      REDIS_PREFIX: 'bw:',
      INSTANCE_ID: 'api-1',
    });
    expect(config.redisClusterNodes).toEqual([
      { host: '127.0.0.1', port: 7000 },
      { host: '::1', port: 7001 },
    ]);
    expect(config).toMatchObject({ redisPrefix: 'bw:', instanceId: 'api-1' });
    expect(loadConfig({ EXPERTS, REDIS_URL: 'redis://127.0.0.1:6380' }).redisUrl).toBe(
      'redis://127.0.0.1:6380',
    );
    expect(() => loadConfig({ EXPERTS, REDIS_URL: 'http://x' })).toThrow(/`REDIS_URL`/);
    try {
      loadConfig({ EXPERTS, REDIS_URL: 'redis://:s3cret@' + '[bad' });
    } catch (error) {
      expect(String(error)).not.toContain('s3cret');
    }
    expect(() =>
      loadConfig({ EXPERTS, REDIS_URL: 'redis://x:1', REDIS_CLUSTER_NODES: 'x:1' }),
    ).toThrow(/not both/);
    expect(() => loadConfig({ EXPERTS, REDIS_CLUSTER_NODES: 'x' })).toThrow(
      /`REDIS_CLUSTER_NODES`/,
    );
    expect(() => loadConfig({ EXPERTS, REDIS_PREFIX: 'a b' })).toThrow(/`REDIS_PREFIX`/);
    expect(() => loadConfig({ EXPERTS, INSTANCE_ID: '-x' })).toThrow(/`INSTANCE_ID`/);
  });

  it('reads flags over variables, in both spellings', () => {
    const config = loadConfig({ EXPERTS, PORT: '1' }, ['--port', '0', '--mode=naive']);
    expect(config.port).toBe(0);
    expect(config.mode).toBe('naive');
    expect(() => loadConfig({ EXPERTS }, ['--prot', '1'])).toThrow(/Unknown flag `--prot`/);
    expect(() => loadConfig({ EXPERTS }, ['--port'])).toThrow(/value after `--port`/);
    expect(() => loadConfig({ EXPERTS }, ['port'])).toThrow(/Unexpected argument/);
  });

  it('keeps API keys only hashed and never echoes a bad one', () => {
    const key = 'k'.repeat(20);
    const config = loadConfig({ EXPERTS, API_KEYS: `${key}, ${hashKey('x'.repeat(16))}` });
    expect(config.apiKeyHashes).toEqual([hashKey(key), hashKey('x'.repeat(16))]);
    expect(JSON.stringify(config)).not.toContain(key);
    const secret = 'short-secret';
    expect(() => loadConfig({ EXPERTS, API_KEYS: secret })).toThrow(/`API_KEYS` entry 1/);
    try {
      loadConfig({ EXPERTS, API_KEYS: secret });
    } catch (error) {
      expect(String(error)).not.toContain(secret);
    }
    expect(() => loadConfig({ EXPERTS, ADMIN_KEY: `${key},${key}x` })).toThrow(/one key/);
    expect(loadConfig({ EXPERTS, ADMIN_KEY: key }).adminKeyHash).toBe(hashKey(key));
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
    [{ MODE: 'fast' }, RangeError, /`MODE`.*fast/],
    [{ LOG_QUESTIONS: 'yes' }, RangeError, /`LOG_QUESTIONS`/],
    [{ EXPERT_RETRIES: '6' }, RangeError, /`EXPERT_RETRIES`/],
    [{ MAX_PARALLEL: '0' }, RangeError, /`MAX_PARALLEL`/],
    [{ REQUEST_TIMEOUT_MS: '999' }, RangeError, /`REQUEST_TIMEOUT_MS`/],
    [{ BREAKER_OPEN_MS: '99' }, RangeError, /`BREAKER_OPEN_MS`/],
    [{ CACHE_TTL_MS: '10' }, RangeError, /`CACHE_TTL_MS`/],
  ])('refuses %o naming the variable', (env, type, message) => {
    expect(() => loadConfig({ EXPERTS, ...env })).toThrow(type);
    expect(() => loadConfig({ EXPERTS, ...env })).toThrow(message);
  });

  it.each([
    ['a', /`EXPERTS`.*name/],
    ['=http://x', /`EXPERTS`/],
    ['a=http://x,a=http://y', /`EXPERTS`.*`a` twice/],
    ['a=not a url', /`EXPERTS`.*`a`/],
    ['a=ftp://x', /`EXPERTS`.*`a`/],
  ])('refuses EXPERTS=%s', (experts, message) => {
    expect(() => loadConfig({ EXPERTS: experts })).toThrow(message);
  });

  it('leaves the experts empty when EXPERTS is unset (the entry point starts simulated ones)', () => {
    expect(loadConfig({}).experts).toEqual([]);
    expect(loadConfig({ EXPERTS: ' ' }).experts).toEqual([]);
  });
});
