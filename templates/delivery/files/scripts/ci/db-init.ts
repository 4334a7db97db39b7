// Prepares the CI database the way docker-compose prepares the local one: runs docker/postgres/*.sql as the superuser
// (DATABASE_ADMIN_URL), creating the roles production has, so migrations run as the non-superuser owner
// (MIGRATION_DATABASE_URL) and the tests connect as the application role (DATABASE_URL), to which row-level security
// applies.
import { readdir, readFile } from 'node:fs/promises';
import pg from 'pg';

const url = process.env.DATABASE_ADMIN_URL;
if (!url) throw new Error('DATABASE_ADMIN_URL is not set');
const client = new pg.Client({ connectionString: url });
await client.connect();
try {
  const dir = new URL('../../docker/postgres/', import.meta.url);
  for (const name of (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort()) {
    await client.query(await readFile(new URL(name, dir), 'utf8'));
    process.stdout.write(`applied docker/postgres/${name}\n`);
  }
} finally {
  await client.end();
}
