import { describeValue, stableKey } from '@breakwater/core';

/**
 * The string a coalescing key stands for: a string as is (no copy, no hashing), anything
 * else through core's `stableKey`, so that deeply equal plain data coalesces together.
 * @throws TypeError naming `key` when the value cannot be a key.
 */
export function keyString(key: unknown): string {
  if (typeof key === 'string') return key;
  if (key === undefined || typeof key === 'function' || typeof key === 'symbol') {
    throw new TypeError(
      `Expected \`key\` to be a string or plain data (number, boolean, null, array, plain object), got ${describeValue(key)}`,
    );
  }
  try {
    return stableKey(key);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new TypeError(`Invalid \`key\`: ${detail}`, { cause: error });
  }
}
