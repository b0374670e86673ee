import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listTraces, parseTrace, readTrace } from './trace-file.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bw-traces-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('parseTrace', () => {
  it('reads one integer key per line, skipping blank lines, `*` lines and carriage returns', () => {
    expect(parseTrace('3\r\n1\r\n*\r\n\r\n 4 \n1\n5\n*\n')).toEqual([3, 1, 4, 1, 5]);
  });

  it('reads an empty trace as no accesses', () => {
    expect(parseTrace('')).toEqual([]);
  });

  it('names the source and line of anything that is not a non-negative integer', () => {
    expect(() => parseTrace('1\n2\nx7\n', 'loop.trace.gz')).toThrow(
      'loop.trace.gz, line 3: expected a non-negative integer key, got `x7`',
    );
    expect(() => parseTrace('-1')).toThrow('trace, line 1');
    expect(() => parseTrace('99999999999999999999')).toThrow('trace, line 1');
  });
});

describe('readTrace', () => {
  it("reads a gzip'd trace file", async () => {
    const file = join(dir, 'tiny.trace.gz');
    await writeFile(file, gzipSync('1\r\n2\r\n*\r\n1\r\n'));
    expect(readTrace(file)).toEqual([1, 2, 1]);
  });
});

describe('listTraces', () => {
  it('lists the *.trace.gz files by name, ignoring other files', async () => {
    await writeFile(join(dir, 'ps.trace.gz'), '');
    await writeFile(join(dir, '2_pools.trace.gz'), '');
    await writeFile(join(dir, 'README.md'), '');
    expect(listTraces(dir)).toEqual([
      { name: '2_pools', file: join(dir, '2_pools.trace.gz') },
      { name: 'ps', file: join(dir, 'ps.trace.gz') },
    ]);
  });

  it('lists nothing when the folder does not exist', () => {
    expect(listTraces(join(dir, 'missing'))).toEqual([]);
  });

  it('passes on errors other than a missing folder', async () => {
    await writeFile(join(dir, 'a-file'), '');
    expect(() => listTraces(join(dir, 'a-file'))).toThrow(
      expect.objectContaining({ code: 'ENOTDIR' }),
    );
  });
});
