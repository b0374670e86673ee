import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/**
 * Adds a timestamp to every sample line of an OpenMetrics text (before its exemplar, if
 * any): the OpenMetrics parser of `promtool tsdb create-blocks-from openmetrics` needs one.
 */
function stamped(text: string, timestamp: number): string {
  return text
    .split('\n')
    .map((line) => {
      if (line === '' || line.startsWith('#')) return line;
      let i = line.search(/[{ ]/);
      if (line[i] === '{') {
        // Skip the label set, quoted values (with their escapes) included.
        let quoted = false;
        for (i++; i < line.length; i++) {
          const c = line[i];
          if (quoted && c === '\\') i++;
          else if (c === '"') quoted = !quoted;
          else if (!quoted && c === '}') break;
        }
        i++;
      }
      const end = line.indexOf(' ', i + 1);
      return end === -1
        ? `${line} ${timestamp}`
        : `${line.slice(0, end)} ${timestamp}${line.slice(end)}`;
    })
    .join('\n');
}

/**
 * Parses an OpenMetrics text (exemplars included) with promtool's OpenMetrics parser, by
 * importing it with `promtool tsdb create-blocks-from openmetrics` into a scratch
 * directory (`promtool check metrics` reads the text format 0.0.4 only). Every sample is
 * given a timestamp first, which the import needs; returns the exit status and output.
 */
export function promtoolCheckOpenMetrics(text: string): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'openmetrics-'));
  try {
    const input = join(dir, 'input.txt');
    writeFileSync(input, stamped(text, 1_700_000_000));
    const run = spawnSync(
      findPromtool(),
      ['tsdb', 'create-blocks-from', 'openmetrics', input, join(dir, 'blocks')],
      { encoding: 'utf8' },
    );
    return { status: run.status, output: run.status === 0 ? '' : `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
