import { type ExpertServer, startExpertServer } from '../sim/expert-server.js';
import type { ExpertProfileInput } from '../sim/profile.js';
import type { ExpertEndpoint } from './config.js';

/** Profiles of the simulated experts the service starts when `EXPERTS` is unset. */
export const BUILTIN_EXPERTS: readonly { name: string; profile: ExpertProfileInput }[] = [
  { name: 'atlas', profile: { opinion: 0, seed: 1, latencyMs: { median: 20, p99: 60 } } },
  { name: 'boreal', profile: { opinion: 0, seed: 2, latencyMs: { median: 30, p99: 90 } } },
  { name: 'cirrus', profile: { opinion: 0, seed: 3, latencyMs: { median: 25, p99: 120 } } },
  { name: 'delta', profile: { opinion: 1, seed: 4, latencyMs: { median: 40, p99: 150 } } },
  {
    name: 'ember',
    profile: { opinion: 2, seed: 5, errorRate: 0.02, latencyMs: { median: 35, p99: 200 } },
  },
];

/** Starts the built-in simulated experts on loopback, on free ports. */
export async function startBuiltinExperts(): Promise<{
  experts: ExpertEndpoint[];
  close(): Promise<void>;
}> {
  const servers: ExpertServer[] = [];
  try {
    for (const spec of BUILTIN_EXPERTS) {
      servers.push(await startExpertServer({ name: spec.name, profile: spec.profile }));
    }
  } catch (error) {
    await Promise.allSettled(servers.map((s) => s.close()));
    throw error;
  }
  return {
    experts: servers.map((s) => ({ name: s.name, url: s.url })),
    close: async () => {
      await Promise.allSettled(servers.map((s) => s.close()));
    },
  };
}
