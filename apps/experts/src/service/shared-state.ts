import type { Registry } from '@breakwater/metrics';

/**
 * Where a shared primitive decides now: `redis` (the fleet's state) or `local` (this
 * instance alone, its outage policy while Redis cannot answer).
 */
export type SharedMode = 'redis' | 'local';

/** The current mode of each shared primitive, by name; `undefined` when it is not shared. */
export type SharedModes = Readonly<Record<string, () => SharedMode | undefined>>;

/** The modes of the primitives that are shared, e.g. `{ quota: 'redis', breakers: 'local' }`. */
export function sharedModes(modes: SharedModes): Record<string, SharedMode> {
  const current: Record<string, SharedMode> = {};
  for (const [name, read] of Object.entries(modes)) {
    const mode = read();
    if (mode !== undefined) current[name] = mode;
  }
  return current;
}

/**
 * Registers `experts_redis_fallback{primitive}`: 1 while a shared primitive decides locally
 * (Redis unreachable), 0 while it uses Redis; absent for primitives that are not shared.
 */
export function registerRedisFallback(registry: Registry, modes: SharedModes): void {
  registry.gauge({
    name: 'experts_redis_fallback',
    help: 'Shared primitives deciding locally because Redis cannot answer (1), or through Redis (0).',
    labelNames: ['primitive'],
    maxLabelValues: { primitive: Math.max(1, Object.keys(modes).length) },
    collect: (gauge) => {
      for (const [primitive, mode] of Object.entries(sharedModes(modes))) {
        gauge.set({ primitive }, mode === 'local' ? 1 : 0);
      }
    },
  });
}
