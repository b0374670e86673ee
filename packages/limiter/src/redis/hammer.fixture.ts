import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Where the hammering processes connect: one server, or a Cluster's startup nodes. */
export type HammerTarget =
  | { readonly url: string }
  | { readonly startupNodes: ReadonlyArray<{ host: string; port: number }> };

/**
 * Test helper: `processes` separate Node processes each send `requests` decisions of cost 1
 * on `key` at once, running `source` (a limiter's script) on the server's clock. Resolves
 * with the total they admitted.
 */
export async function hammer(
  target: HammerTarget,
  source: string,
  key: string,
  { processes = 4, requests = 25 } = {},
): Promise<number> {
  const fixture = fileURLToPath(new URL('./hammer-child.fixture.mjs', import.meta.url));
  const counts = await Promise.all(
    Array.from(
      { length: processes },
      () =>
        new Promise<number>((resolve, reject) => {
          const child = fork(fixture, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
          child.once('message', (m: { admitted: number }) => resolve(m.admitted));
          child.once('error', reject);
          child.once('exit', (code) => {
            if (code !== 0) reject(new Error(`fixture exited with ${code}`));
          });
          child.send({ ...target, source, keys: [key], args: ['', '1', '1', '1'], requests });
        }),
    ),
  );
  return counts.reduce((a, b) => a + b, 0);
}
