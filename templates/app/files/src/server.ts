/**
 * The API process: `npm start` (built, NODE_ENV=production) or `npm run dev` (through scripts/dev.ts).
 * SIGTERM/SIGINT: readiness turns 503, the listener stops accepting, in-flight requests drain, then the
 * database pools close; past the drain deadline the process exits anyway.
 */
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from './config.js';
import { startTracing } from './observability/tracing.js';
import { reportStartupError } from './startup.js';

const drainDeadlineMs = 25_000;

export interface ServerOptions {
  /** Runs after the app has closed (the dev script stops its embedded PostgreSQL here). */
  afterClose?: () => Promise<void>;
}

export async function startServer(config: Config, options: ServerOptions = {}): Promise<FastifyInstance> {
  // Loaded here, not at the top: tracing (started first by the entry point) patches http and pg as they load.
  const { buildApp } = await import('./app.js');
  const app = await buildApp({ config });
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    // A terminal's Ctrl-C reaches the whole process group, and npm and tsx forward it again: repeats are expected.
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down: draining requests');
    const deadline = setTimeout(() => {
      app.log.error('drain deadline exceeded: exiting');
      process.exit(1);
    }, drainDeadlineMs);
    deadline.unref();
    app
      .close()
      .then(() => options.afterClose?.())
      .then(
      () => {
        app.log.info('shut down cleanly');
        clearTimeout(deadline);
      },
      (error: unknown) => {
        app.log.error({ err: error }, 'error while shutting down');
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await app.listen({ port: config.port, host: config.host });
  return app;
}

const entry = process.argv[1] ?? '';
if (/[\\/]server\.[jt]s$/.test(entry)) {
  try {
    const config = loadConfig();
    startTracing(config, 'api')
      .then((stopTracing) => startServer(config, { afterClose: stopTracing }))
      .catch(reportStartupError);
  } catch (error) {
    reportStartupError(error);
  }
}
