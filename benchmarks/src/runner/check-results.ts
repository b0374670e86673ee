import { inspect, isDeepStrictEqual } from 'node:util';
import type { ResultCheck } from './suite-definition.js';

/** Thrown when a peer's result differs from ours: one side would be skipping work. */
export class CheckFailedError extends Error {
  override readonly name = 'CheckFailedError';
  readonly code = 'ERR_BENCH_CHECK_FAILED';
}

function show(value: unknown): string {
  const text = inspect(value, { depth: 4, breakLength: Number.POSITIVE_INFINITY });
  return text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text;
}

/** One implementation's result of one call. */
export interface NamedResult {
  readonly name: string;
  readonly value: unknown;
}

/** Checks each peer's result against ours; throws a `CheckFailedError` on the first mismatch. */
export function checkResults(
  caseName: string,
  check: ResultCheck,
  ours: NamedResult,
  peers: readonly NamedResult[],
): void {
  for (const peer of peers) {
    if (check === true) {
      if (!isDeepStrictEqual(ours.value, peer.value)) {
        throw new CheckFailedError(
          `Case "${caseName}": "${peer.name}" returned a different result than "${ours.name}"\n` +
            `  ${ours.name}: ${show(ours.value)}\n  ${peer.name}: ${show(peer.value)}`,
        );
      }
      continue;
    }
    try {
      check(ours.value, peer.value, peer.name);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new CheckFailedError(
        `Case "${caseName}": check of "${peer.name}" against "${ours.name}" failed: ${reason}`,
        { cause: error },
      );
    }
  }
}
