/**
 * `npm run db:check`: fails when `src/db/schema.ts` and `drizzle/` have drifted apart (DB-1). It runs
 * `drizzle-kit generate`; a schema change without a migration makes it write a new one, which this script
 * removes again before failing.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const journalPath = 'drizzle/meta/_journal.json';
const listing = (dir: string): string[] => readdirSync(dir).sort();

const before = { sql: listing('drizzle'), meta: listing('drizzle/meta'), journal: readFileSync(journalPath, 'utf8') };
execFileSync('npx', ['drizzle-kit', 'generate', '--name', 'drift-check'], { stdio: ['ignore', 'ignore', 'inherit'] });
const added = [
  ...listing('drizzle').filter((f) => !before.sql.includes(f)).map((f) => `drizzle/${f}`),
  ...listing('drizzle/meta').filter((f) => !before.meta.includes(f)).map((f) => `drizzle/meta/${f}`),
];
if (added.length > 0) {
  for (const file of added) rmSync(file, { recursive: true, force: true });
  writeFileSync(journalPath, before.journal);
  process.stderr.write('The schema (src/db/schema.ts) has changes without a migration. Run `npm run db:generate` and commit the result.\n');
  process.exit(1);
}
process.stdout.write('Schema and migrations agree.\n');
