import { defineRule } from '../../../src/core/define-rule.js';
import { historyLimitation, historyMessage, historyOptions, reportHazards } from '../_migrations/hazards.js';

const init = 'CREATE TABLE "users" (\n  "id" uuid PRIMARY KEY,\n  "email" text NOT NULL\n);\n';

export default defineRule({
  meta: {
    id: 'migration-rename',
    category: 'database',
    checklist: 'DB-2',
    severity: 'high',
    confidence: 'high',
    stability: 'experimental',
    messages: {
      renameColumn:
        'This migration renames column `{{table}}.{{column}}` to `{{to}}`: the application version still running during the deploy queries the old name and fails. Add the new column, write both, backfill, move reads, then drop the old column in a later release.',
      renameTable:
        'This migration renames table `{{table}}` to `{{to}}`: running code that uses the old name fails until every instance runs the new version. Rename and create a view with the old name in the same migration, or copy to a new table with dual writes, and remove the old name in a later release.',
      history: historyMessage,
    },
    options: historyOptions,
    docs: {
      summary: 'Migrations that rename a table or a column of a schema that is already deployed.',
      why: 'A rename is instant for PostgreSQL but not for the application: during a rolling deploy, and after a rollback, the code that uses the old name keeps running and every query on it fails.',
      howToFix:
        'Expand/contract: add the new column (or table), write to both, backfill, switch the reads, and drop the old one in a later release. For a table, renaming it and creating an updatable view with the old name in the same migration keeps old code working until it is gone.',
      examples: {
        invalid: [{ file: 'migrations/002_rename.sql', code: 'ALTER TABLE "users" RENAME COLUMN "email" TO "email_address";\n', context: { 'migrations/001_init.sql': init } }],
        valid: [{ file: 'migrations/001_init.sql', code: `${init}ALTER TABLE "users" RENAME COLUMN "email" TO "primary_email";\n`, note: 'Renaming within the migration that creates the table breaks nothing.' }],
      },
      peers: ['squawk renaming-column, renaming-table', 'strong_migrations rename_column, rename_table'],
      limitations: [
        'Renames of indexes, constraints and types are not reported: running code rarely names them.',
        historyLimitation,
      ],
    },
  },
  scope: 'repository',
  async check(ctx) {
    await reportHazards(ctx, 'migration-rename', ['renameColumn', 'renameTable'], 'history');
  },
});
