import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** The file name ending of a trace; what precedes it is the trace's name. */
const traceSuffix = '.trace.gz';

/** A trace found on disk. */
export interface TraceFile {
  /** e.g. `multi2` for `multi2.trace.gz`. */
  readonly name: string;
  readonly file: string;
}

/**
 * The keys of a trace in access order: one integer key per line; blank lines and lines
 * holding only `*` are skipped, and so are carriage returns. Throws, naming `source` and the
 * line, on anything else.
 */
export function parseTrace(text: string, source = 'trace'): number[] {
  const keys: number[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (line === '' || line === '*') {
      continue;
    }
    const key = Number(line);
    if (!(/^\d+$/.test(line) && Number.isSafeInteger(key))) {
      throw new SyntaxError(
        `${source}, line ${index + 1}: expected a non-negative integer key, got \`${line.slice(0, 40)}\``,
      );
    }
    keys.push(key);
  }
  return keys;
}

/** Reads and parses a gzip'd trace file. */
export function readTrace(file: string): number[] {
  return parseTrace(gunzipSync(readFileSync(file)).toString('utf8'), file);
}

/** The `*.trace.gz` files of `dir`, by name; none when the folder does not exist. */
export function listTraces(dir: string): TraceFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }
    throw error;
  }
  return names
    .filter((name) => name.endsWith(traceSuffix))
    .sort()
    .map((name) => ({ name: name.slice(0, -traceSuffix.length), file: join(dir, name) }));
}
