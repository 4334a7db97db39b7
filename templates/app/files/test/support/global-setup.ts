/**
 * Runs once before all test files: one real PostgreSQL for the whole run. Without DATABASE_URL an embedded
 * PostgreSQL is started and migrated; with DATABASE_URL (the application role) that server is migrated through
 * MIGRATION_DATABASE_URL. Test files get the URLs through `inject('databaseUrl')` and friends.
 */
import pg from 'pg';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../scripts/embedded-postgres.js';
import { runMigrations } from '../../src/db/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The application role: RLS applies. */
    databaseUrl: string;
    /** The table owner: RLS applies too, because it is FORCEd. */
    ownerUrl: string;
  }
}

/** The isolation tests prove nothing when the application role bypasses row-level security. */
async function assertApplicationRole(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ rolsuper: boolean; rolbypassrls: boolean; rolname: string }>(
      'select rolname, rolsuper, rolbypassrls from pg_roles where rolname = current_user',
    );
    const role = rows[0];
    if (!role || role.rolsuper || role.rolbypassrls) {
      throw new Error(`DATABASE_URL must use the application role (no SUPERUSER, no BYPASSRLS); ${role?.rolname ?? 'its role'} bypasses row-level security`);
    }
  } finally {
    await client.end();
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.DATABASE_URL?.trim();
  if (external) {
    const ownerUrl = process.env.MIGRATION_DATABASE_URL?.trim() || external;
    await runMigrations(ownerUrl);
    await assertApplicationRole(external);
    project.provide('databaseUrl', external);
    project.provide('ownerUrl', ownerUrl);
    return async () => undefined;
  }
  const embedded = await startEmbeddedPostgres();
  project.provide('databaseUrl', embedded.appUrl);
  project.provide('ownerUrl', embedded.ownerUrl);
  return embedded.stop;
}
