import { defineRule } from '../../../src/core/define-rule.js';
import { historyLimitation, historyMessage, historyOptions, reportHazards } from '../_migrations/hazards.js';

const init = 'CREATE TABLE "accounts" ("id" bigint PRIMARY KEY);\nCREATE TABLE "invoices" (\n  "id" bigint PRIMARY KEY,\n  "account_id" bigint,\n  "total" integer\n);\n';

export default defineRule({
  meta: {
    id: 'migration-constraint-validation',
    category: 'database',
    checklist: 'DB-2',
    severity: 'medium',
    confidence: 'high',
    stability: 'experimental',
    messages: {
      foreignKey:
        'This migration adds foreign key `{{constraint}}` to existing table `{{table}}` without NOT VALID: PostgreSQL checks every row while blocking writes to both tables. Add it `NOT VALID`, then `VALIDATE CONSTRAINT` in a separate migration, which does not block writes.',
      check:
        'This migration adds check constraint `{{constraint}}` to existing table `{{table}}` without NOT VALID: every row is checked under an ACCESS EXCLUSIVE lock that blocks reads and writes. Add it `NOT VALID`, then `VALIDATE CONSTRAINT` in a separate migration.',
      history: historyMessage,
    },
    options: historyOptions,
    docs: {
      summary: 'Foreign keys and check constraints added to existing tables in one validating step.',
      why: 'Adding a constraint validates all existing rows while holding a lock that blocks writes (for a foreign key, on the referenced table too), so a large table stalls the application for the length of the scan.',
      howToFix:
        'Add the constraint with `NOT VALID` (new rows are checked at once), and run `ALTER TABLE … VALIDATE CONSTRAINT …` in a later migration: validation then takes only a SHARE UPDATE EXCLUSIVE lock and writes continue.',
      examples: {
        invalid: [
          {
            file: 'migrations/002_fk.sql',
            code: 'ALTER TABLE "invoices" ADD CONSTRAINT "invoices_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id");\n',
            context: { 'migrations/001_init.sql': init },
          },
        ],
        valid: [
          {
            file: 'migrations/002_fk.sql',
            code: 'ALTER TABLE "invoices" ADD CONSTRAINT "invoices_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") NOT VALID;\n',
            context: { 'migrations/001_init.sql': init, 'migrations/003_validate.sql': 'ALTER TABLE "invoices" VALIDATE CONSTRAINT "invoices_account_id_fkey";\n' },
          },
        ],
      },
      peers: ['squawk adding-foreign-key-constraint, constraint-missing-not-valid', 'strong_migrations add_foreign_key, add_check_constraint'],
      limitations: [
        'A constraint added in the migration that creates its table is not reported: the table is empty.',
        'Small tables are not told from large ones.',
        historyLimitation,
      ],
    },
  },
  scope: 'repository',
  async check(ctx) {
    await reportHazards(ctx, 'migration-constraint-validation', ['foreignKey', 'check'], 'history');
  },
});
