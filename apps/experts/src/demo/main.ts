#!/usr/bin/env node
import { runDemo } from './scenario.js';

const usage = 'Usage: main.js [--quick]';
const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--quick');
if (unknown.length > 0) {
  process.stderr.write(`Unknown argument \`${unknown[0]}\`\n${usage}\n`);
  process.exit(2);
}

const controller = new AbortController();
let exitSignal: NodeJS.Signals | undefined;
for (const name of ['SIGINT', 'SIGTERM'] as const) {
  process.on(name, () => {
    exitSignal ??= name;
    controller.abort(new Error(`${name} received`));
  });
}

try {
  const ok = await runDemo({
    quick: args.includes('--quick'),
    signal: controller.signal,
    out: (line) => process.stdout.write(`${line}\n`),
  });
  process.exitCode = exitSignal === 'SIGINT' ? 130 : exitSignal === 'SIGTERM' ? 143 : ok ? 0 : 1;
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
