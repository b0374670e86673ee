#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { startExpertServer } from './expert-server.js';

const usage =
  'Usage: cli.js --name <name> [--host 127.0.0.1] [--port 0] [--opinion 0] [--median-ms 0] [--p99-ms <median>] [--error-rate 0] [--seed 1] [--admin-key <key>] (or env SIM_ADMIN_KEY)';

function numberFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || Number.isNaN(parsed)) {
    throw new TypeError(`Expected --${flag} to be a number, got "${value}"`);
  }
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      name: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      opinion: { type: 'string' },
      'median-ms': { type: 'string' },
      'p99-ms': { type: 'string' },
      'error-rate': { type: 'string' },
      seed: { type: 'string' },
      'admin-key': { type: 'string' },
    },
    strict: true,
  });
  if (values.name === undefined) throw new TypeError('--name is required');
  const median = numberFlag('median-ms', values['median-ms']);
  const p99 = numberFlag('p99-ms', values['p99-ms']);
  // The environment keeps the key out of the process list; the flag wins when both are set.
  const adminKey = values['admin-key'] ?? (process.env['SIM_ADMIN_KEY'] || undefined);
  const expert = await startExpertServer({
    name: values.name,
    adminKey,
    host: values.host,
    port: numberFlag('port', values.port),
    profile: {
      opinion: numberFlag('opinion', values.opinion),
      errorRate: numberFlag('error-rate', values['error-rate']),
      seed: numberFlag('seed', values.seed),
      latencyMs:
        median === undefined && p99 === undefined
          ? undefined
          : { median: median ?? 0, p99: p99 ?? median ?? 0 },
    },
  });
  process.stdout.write(`${JSON.stringify({ name: expert.name, url: expert.url })}\n`);
  const stop = (): void => {
    expert.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n${usage}\n`);
  process.exit(2);
});
