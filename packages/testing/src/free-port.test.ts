import { describe, expect, it } from 'vitest';
import { CLUSTER_BUS_OFFSET, getFreeClusterPort, getFreePort, isPortFree } from './free-port.js';

describe('getFreePort', () => {
  it('returns a bindable loopback port that is not 6379', async () => {
    const port = await getFreePort();

    expect(port).not.toBe(6379);
    expect(await isPortFree(port)).toBe(true);
  });
});

describe('isPortFree', () => {
  it('says no for a port that is listened on', async () => {
    const { createServer } = await import('node:net');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      expect(await isPortFree((server.address() as { port: number }).port)).toBe(false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('getFreeClusterPort', () => {
  it('returns a port below 55535 whose bus port is free and neither of which is reserved', async () => {
    const reserved = new Set<number>();
    for (let node = 0; node < 3; node++) {
      const port = await getFreeClusterPort(reserved);

      expect(port).toBeLessThan(55_535);
      expect(reserved.has(port) || reserved.has(port + CLUSTER_BUS_OFFSET)).toBe(false);
      expect(await isPortFree(port + CLUSTER_BUS_OFFSET)).toBe(true);
      reserved.add(port).add(port + CLUSTER_BUS_OFFSET);
    }
  });
});
