import { defineRule } from '../../../src/core/define-rule.js';
import { historyLimitation, historyMessage, historyOptions, reportHazards } from '../_migrations/hazards.js';

const init = 'CREATE TABLE "users" (\n  "id" uuid PRIMARY KEY,\n  "email" text NOT NULL,\n  "nickname" text\n);\n';

export default defineRule({
  meta: {
    id: 'migration-data-loss',
    category: 'database',
    checklist: 'DB-2',
    severity: 'high',
    confidence: 'high',
    stability: 'experimental',
    messages: {
      dropTable:
        'This migration drops table `{{table}}`: its rows are gone and the application version still running during the deploy fails on it. Stop using the table in one release, back it up, and drop it in a later migration.',
      dropColumn:
        'This migration drops column `{{table}}.{{column}}`: its data is gone and running code that still selects or writes it fails. Stop reading and writing the column in one release (ORMs: mark it ignored), then drop it in a later migration.',
      dropColumnWithAdd:
        'This migration drops column `{{table}}.{{column}}` and adds another column to the same table, which is how Prisma and drizzle-kit write a rename: the data of `{{column}}` is lost. Rename the column explicitly, or add the new column, copy the data, and drop the old one in a later release.',
      dropColumnRecreated:
        'This migration drops column `{{table}}.{{column}}` and adds it again, which is how Prisma and drizzle-kit change a type they cannot cast: every value in it is lost. Write the change as `ALTER COLUMN … TYPE … USING …`, or add a new column, copy the data, and drop the old one later.',
      truncate:
        'This migration truncates `{{table}}`, deleting every row, under an ACCESS EXCLUSIVE lock. Delete data with a reviewed, batched data migration, or move the cleanup out of the schema migration.',
      history: historyMessage,
    },
    options: historyOptions,
    docs: {
      summary: 'Migrations that drop tables or columns, or truncate tables, of a schema that is already deployed.',
      why: 'A dropped column or table cannot be brought back by rolling the code back, and during a rolling deploy the previous application version still reads and writes it, so requests fail until the new version is everywhere. ORMs that generate migrations (Prisma, drizzle-kit) turn a renamed field into a drop and an add, silently losing the data.',
      howToFix:
        'Use expand/contract: first ship code that no longer uses the column or table, then drop it in a later migration once nothing reads it, with a backup if the data may be needed. For a rename, edit the generated migration into `ALTER TABLE … RENAME COLUMN` (see migration-rename for its own hazard) or copy the data before the drop.',
      examples: {
        invalid: [
          { file: 'migrations/002_drop_nickname.sql', code: 'ALTER TABLE "users" DROP COLUMN "nickname";\n', context: { 'migrations/001_init.sql': init } },
          {
            file: 'prisma/migrations/20240202000000_rename/migration.sql',
            code: 'ALTER TABLE "users" DROP COLUMN "nickname",\nADD COLUMN "display_name" TEXT;\n',
            context: { 'prisma/migrations/migration_lock.toml': 'provider = "postgresql"\n', 'prisma/migrations/20240101000000_init/migration.sql': init },
            note: 'Prisma generated a drop and an add for a renamed field.',
          },
        ],
        valid: [
          { file: 'migrations/001_init.sql', code: `${init}CREATE TABLE "scratch" ("id" int);\nDROP TABLE "scratch";\n`, note: 'A table created by the same migration holds no data yet.' },
        ],
      },
      peers: ['squawk ban-drop-column, ban-drop-table, ban-truncate-cascade', 'strong_migrations remove_column'],
      limitations: [
        'A drop is reported even when the application stopped using the column long ago: that is the contract step done right; suppress it with a reason.',
        'Only PostgreSQL migrations are read; statements built at run time are not seen.',
        historyLimitation,
      ],
    },
  },
  scope: 'repository',
  async check(ctx) {
    await reportHazards(ctx, 'migration-data-loss', ['dropTable', 'dropColumn', 'dropColumnWithAdd', 'dropColumnRecreated', 'truncate'], 'history');
  },
});
