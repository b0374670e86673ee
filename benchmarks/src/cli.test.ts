import { afterEach, describe, expect, it, vi } from 'vitest';

const argv = process.argv;

afterEach(() => {
  process.argv = argv;
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

describe('cli entry', () => {
  it('runs main on the process arguments and sets the exit code', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    process.argv = [process.execPath, 'cli.js', '--help'];
    await import('./cli.js');
    expect(log).toHaveBeenCalledWith(expect.stringContaining('Usage: pnpm bench'));
    expect(process.exitCode).toBe(0);
  });
});
