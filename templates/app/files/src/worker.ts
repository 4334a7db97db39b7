/**
 * The background worker: `npm run worker` (development) or `node dist/worker.js` (containers). It runs the
 * pg-boss queues with DATABASE_URL (the application role). SIGTERM/SIGINT: stop fetching, let running jobs
 * finish (up to the drain deadline; unfinished ones are retried elsewhere), then close the pools.
 */
import { loadConfig } from './config.js';
import { startTracing } from './observability/tracing.js';
import { reportStartupError } from './startup.js';

const drainDeadlineMs = 25_000;

async function main(): Promise<void> {
  const config = loadConfig();
  // Before anything that loads pg: instrumentation patches modules as they load.
  const stopTracing = await startTracing(config, 'worker');
  const [{ default: pino }, { openDatabase }, { createStorage }, { createEmailTransport }, { createFieldEncryption }, { startWorker }, { loggerOptions }] = await Promise.all([
    import('pino'),
    import('./db/database.js'),
    import('./storage/index.js'),
    import('./email/index.js'),
    import('./encryption/index.js'),
    import('./jobs/worker.js'),
    import('./observability/plugin.js'),
  ]);
  const log = pino(loggerOptions(config, 'worker'));
  const database = openDatabase(config, (error) => log.error({ err: error }, 'idle database client error'));
  const email = createEmailTransport(config, log);
  const boss = await startWorker({ connectionString: config.databaseUrl, storage: createStorage(config), email, encryption: createFieldEncryption(config), log });
  log.info('worker started');

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting without draining');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down: finishing running jobs');
    const shutdown = async (): Promise<void> => {
      await boss.stop({ graceful: true, timeout: drainDeadlineMs });
      await Promise.all([database.close(), email.close()]);
      await stopTracing?.().catch((error: unknown) => log.warn({ err: error }, 'could not flush the last traces'));
    };
    shutdown().then(
      () => log.info('worker stopped cleanly'),
      (error: unknown) => {
        log.error({ err: error }, 'error while shutting down');
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch(reportStartupError);
