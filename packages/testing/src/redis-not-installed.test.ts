import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { trackedProcessCount } from './cleanup.js';
import { RedisNotInstalledError } from './errors.js';
import { findRedisBinary } from './find-binary.js';
import { startRedisCluster } from './redis-cluster.js';
import { startRedis } from './redis-server.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('a missing Redis installation', () => {
  it('makes startRedis fail at once, saying how to install redis-server', async () => {
    vi.stubEnv('BREAKWATER_REDIS_SERVER', '/nonexistent/redis-server');

    const error = await startRedis().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RedisNotInstalledError);
    expect(error).toMatchObject({
      name: 'RedisNotInstalledError',
      code: 'ERR_REDIS_NOT_INSTALLED',
      binary: 'redis-server',
      envVar: 'BREAKWATER_REDIS_SERVER',
      override: '/nonexistent/redis-server',
    });
    expect((error as Error).message).toContain(
      "Breakwater's integration tests start their own Redis. Install it: " +
        '`sudo apt-get install redis-server` (Debian/Ubuntu) or `brew install redis` (macOS).',
    );
    expect(trackedProcessCount()).toBe(0);
  });

  it('makes startRedisCluster fail at once, before starting any node, when redis-cli is missing', async () => {
    vi.stubEnv('BREAKWATER_REDIS_CLI', '/nonexistent/redis-cli');

    const error = await startRedisCluster().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RedisNotInstalledError);
    expect((error as Error).message).toMatch(
      /^BREAKWATER_REDIS_CLI is set to `\/nonexistent\/redis-cli`/,
    );
    expect((error as Error).message).toContain('sudo apt-get install redis-tools');
    expect(trackedProcessCount()).toBe(0);
  });
});

describe('findRedisBinary', () => {
  let root: string;
  let notExecutable: string;
  let executable: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'breakwater-find-binary-'));
    notExecutable = join(root, 'plain');
    executable = join(root, 'bin');
    await mkdir(notExecutable);
    await mkdir(executable);
    await writeFile(join(notExecutable, 'redis-server'), '');
    await writeFile(join(executable, 'redis-server'), '#!/bin/sh\n');
    await chmod(join(executable, 'redis-server'), 0o755);
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('says the binary is not on PATH and how to install it', () => {
    expect(() => findRedisBinary('redis-server', { PATH: '/nonexistent' })).toThrow(
      "redis-server was not found on PATH. Breakwater's integration tests start their own Redis. " +
        'Install it: `sudo apt-get install redis-server` (Debian/Ubuntu) or `brew install redis` (macOS).',
    );
    expect(() => findRedisBinary('redis-cli', {})).toThrow(RedisNotInstalledError);
  });

  it('takes the first executable file on PATH, skipping empty entries and plain files', () => {
    const PATH = ['', notExecutable, executable].join(delimiter);

    expect(findRedisBinary('redis-server', { PATH })).toBe(join(executable, 'redis-server'));
  });

  it('prefers the environment override, and ignores it when empty', () => {
    const override = join(executable, 'redis-server');

    expect(findRedisBinary('redis-server', { BREAKWATER_REDIS_SERVER: override })).toBe(override);
    expect(findRedisBinary('redis-server', { BREAKWATER_REDIS_SERVER: '', PATH: executable })).toBe(
      override,
    );
  });

  it('rejects an override that names a directory', () => {
    expect(() => findRedisBinary('redis-server', { BREAKWATER_REDIS_SERVER: executable })).toThrow(
      /BREAKWATER_REDIS_SERVER is set to `.*`, which is not an executable file/,
    );
  });
});
