#!/usr/bin/env node
import { buildApp } from './app.js';
import { startBuiltinExperts } from './builtin-experts.js';
import { loadConfig, type ServiceConfig } from './config.js';

let config: ServiceConfig;
try {
  config = loadConfig(process.env, process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(2);
}

let closeBuiltin = async (): Promise<void> => {};
if (config.experts.length === 0) {
  const builtin = await startBuiltinExperts();
  closeBuiltin = builtin.close;
  config = Object.freeze({ ...config, experts: Object.freeze(builtin.experts) });
}

const app = buildApp(config);
app.addHook('onClose', async () => closeBuiltin());
if ((process.env['EXPERTS'] ?? '').trim() === '') {
  app.log.info(
    { experts: config.experts.map((e) => e.name) },
    'EXPERTS is unset: started simulated experts on loopback',
  );
}
try {
  await app.listen({ port: config.port, host: config.host });
} catch (error) {
  // A port in use, a records store that cannot be opened: nothing is answered.
  app.log.fatal({ err: error }, 'cannot start');
  await closeBuiltin().catch(() => {});
  process.exit(1);
}

let stopping = false;
function shutdown(signal: string): void {
  if (stopping) return;
  stopping = true;
  app.log.info({ signal }, 'shutting down');
  const bound = setTimeout(() => {
    app.log.error(
      { timeoutMs: config.shutdownTimeoutMs },
      'in-flight requests did not finish in time',
    );
    process.exit(1);
  }, config.shutdownTimeoutMs);
  bound.unref();
  app.close().then(
    () => process.exit(0),
    (error: unknown) => {
      app.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    },
  );
}
process.once('SIGTERM', () => shutdown('SIGTERM'));
process.once('SIGINT', () => shutdown('SIGINT'));
