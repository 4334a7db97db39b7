/**
 * Applies `drizzle/*.sql` as the owner role (MIGRATION_DATABASE_URL, else DATABASE_URL). Runs as its own
 * step before a deploy (`npm run db:migrate`, `node dist/db/migrate.js`), never from the API's start-up.
 * Dedicated tenant databases (TENANT_ROUTING_FILE) get the same migrations.
 */
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { loadMigrationConfig } from '../config.js';
import { installJobQueue } from '../jobs/queue.js';
import { reportStartupError } from '../startup.js';
import { loadTenantRouting } from './routing.js';

/** `drizzle/` sits two levels above both `src/db/migrate.ts` and `dist/db/migrate.js`. */
export const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Schema migrations, then (shared database only) the job queue's own schema. */
export async function runMigrations(connectionString: string, options: { jobQueue?: boolean } = {}): Promise<void> {
  const client = new pg.Client({ connectionString, application_name: 'migrate' });
  client.on('error', () => {
    // A dropped connection also rejects the pending query, which is reported below.
  });
  await client.connect();
  try {
    await migrate(drizzle(client), { migrationsFolder });
  } finally {
    await client.end();
  }
  // pg-boss's schema (`pgboss`) and queues, owned by this role, usable by app_rw; the shared database only.
  if (options.jobQueue ?? true) await installJobQueue(connectionString);
}

async function main(): Promise<void> {
  const config = loadMigrationConfig();
  await runMigrations(config.migrationDatabaseUrl);
  for (const route of loadTenantRouting(config.tenantRoutingFile)) {
    await runMigrations(route.migrationUrl, { jobQueue: false });
  }
  process.stdout.write('Migrations applied.\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch(reportStartupError);
}
