#!/usr/bin/env node
// `pnpm demo`: builds the Circle-of-Experts service (apps/experts) and the packages it uses,
// then runs its scripted demo (dist/demo/main.js): five simulated experts and the service in
// resilient and naive mode as child processes, a load through normal, outage and recovery
// phases, one table per phase. Flags: --quick (a few seconds per phase), --no-build.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const root = join(import.meta.dirname, '..');
const app = join(root, 'apps', 'experts');
if (!existsSync(join(app, 'package.json'))) {
  console.error('The Circle-of-Experts service (apps/experts) is not part of this checkout.');
  process.exit(1);
}

const args = process.argv.slice(2);
const build = !args.includes('--no-build');
const demoArgs = args.filter((a) => a !== '--no-build');

if (build) {
  // turbo finds the pinned pnpm (a root devDependency) in node_modules/.bin.
  const bin = join(root, 'node_modules', '.bin');
  const built = spawnSync(
    join(bin, 'turbo'),
    ['run', 'build', '--filter=@breakwater/experts...', '--output-logs=errors-only'],
    {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` },
    },
  );
  if (built.status !== 0) {
    console.error(`Build failed (${built.error?.message ?? `exit code ${built.status}`}).`);
    process.exit(1);
  }
}

const entry = join(app, 'dist', 'demo', 'main.js');
const child = spawn(process.execPath, [entry, ...demoArgs], { cwd: root, stdio: 'inherit' });
// Ctrl-C reaches the whole process group; a signal sent to this process alone is passed on.
for (const name of ['SIGINT', 'SIGTERM']) {
  process.on(name, () => {
    if (child.exitCode === null) child.kill(name);
  });
}
child.on('exit', (code, signal) => {
  process.exit(code ?? (signal === 'SIGINT' ? 130 : 1));
});
