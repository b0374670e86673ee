import { defineConfig } from 'vitest/config';

/**
 * The vitest configuration every workspace package starts from: tests live beside the
 * code as `src/**\/*.test.ts`, coverage is v8 and each package must cover >= 90% lines.
 */
export function packageConfig(options: { testTimeout?: number; exclude?: string[] } = {}) {
  return defineConfig({
    test: {
      include: ['src/**/*.test.ts'],
      testTimeout: options.testTimeout ?? 10_000,
      hookTimeout: 30_000,
      coverage: {
        provider: 'v8',
        include: ['src/**/*.ts'],
        exclude: ['src/**/*.test.ts', 'src/**/*.test-d.ts', ...(options.exclude ?? [])],
        reporter: ['text-summary', 'json-summary'],
        thresholds: { lines: 90 },
      },
    },
  });
}
