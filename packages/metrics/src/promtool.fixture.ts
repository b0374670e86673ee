import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CACHE = fileURLToPath(new URL('../node_modules/.cache/promtool/', import.meta.url));
const CACHED = join(CACHE, 'usr', 'bin', 'promtool');

function onPath(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  return found.status === 0 && path !== '' ? path : undefined;
}

/**
 * Finds `promtool`: on PATH, in node_modules/.cache/promtool, or extracted there from
 * Debian's `prometheus` package (`apt-get download` + `dpkg-deb -x`, no root needed).
 * @throws Error saying how to install it when none of these works.
 */
export function findPromtool(): string {
  const path = onPath();
  if (path !== undefined) return path;
  if (existsSync(CACHED)) return CACHED;
  try {
    mkdirSync(CACHE, { recursive: true });
    execFileSync('apt-get', ['download', 'prometheus'], { cwd: CACHE, stdio: 'pipe' });
    const deb = readdirSync(CACHE).find((file) => file.endsWith('.deb'));
    if (deb === undefined) throw new Error('apt-get download left no .deb');
    execFileSync('dpkg-deb', ['-x', join(CACHE, deb), CACHE], { stdio: 'pipe' });
    rmSync(join(CACHE, deb));
    if (existsSync(CACHED)) return CACHED;
    throw new Error('the package holds no usr/bin/promtool');
  } catch (error) {
    throw new Error(
      `promtool not found on PATH nor in ${CACHE}, and extracting it from Debian's prometheus package failed ` +
        `(${error instanceof Error ? error.message : String(error)}). Install it (apt-get install prometheus, ` +
        'or put a promtool binary on PATH) and run the tests again.',
    );
  }
}

/** Runs `promtool check metrics` on `text`; returns its exit status and output. */
export function promtoolCheck(text: string): { status: number | null; output: string } {
  const run = spawnSync(findPromtool(), ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}
