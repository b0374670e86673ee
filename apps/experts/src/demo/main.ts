#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { RedisMissingError, runDemo } from './scenario.js';

const usage = 'Usage: main.js [--quick] [--instances <n>]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${usage}\n`);
  process.exit(2);
}

let values: { quick?: boolean; instances?: string };
try {
  ({ values } = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    allowPositionals: false,
    options: { quick: { type: 'boolean' }, instances: { type: 'string' } },
  }));
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  const unknown = /'([^']+)'/.exec(message)?.[1];
  fail(unknown === undefined ? message : `Unknown argument \`${unknown}\``);
}
const instances = values.instances === undefined ? 1 : Number(values.instances);
if (!/^\d+$/.test(values.instances ?? '1') || instances < 1 || instances > 16) {
  fail(
    `Expected \`--instances\` to be an integer from 1 to 16, got ${JSON.stringify(values.instances)}`,
  );
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
    quick: values.quick ?? false,
    instances,
    signal: controller.signal,
    out: (line) => process.stdout.write(`${line}\n`),
  });
  process.exitCode = exitSignal === 'SIGINT' ? 130 : exitSignal === 'SIGTERM' ? 143 : ok ? 0 : 1;
} catch (error) {
  if (error instanceof RedisMissingError) {
    process.stderr.write(
      `--instances ${instances} runs the instances over one Redis, which the demo starts itself, ` +
        `but redis-server is not on PATH.\n${error.message}\nWithout --instances the demo needs no Redis.\n`,
    );
    process.exitCode = 2;
  } else {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
