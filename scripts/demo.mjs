#!/usr/bin/env node
// `pnpm demo` starts the Circle-of-Experts service (apps/experts) on in-memory defaults.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const app = join(import.meta.dirname, '..', 'apps', 'experts', 'package.json');
if (!existsSync(app)) {
  console.log(
    [
      'Breakwater demo: the Circle-of-Experts service (apps/experts) is not part of this',
      'checkout yet. Once it lands, `pnpm demo` builds the packages and starts it on',
      'in-memory defaults (no Redis needed): it fans a question out to several expert',
      'backends through the cache, breaker, pool, limiter, batcher and coalescer, and',
      'scores their agreement with the consensus kernel.',
    ].join('\n'),
  );
  process.exit(0);
}
